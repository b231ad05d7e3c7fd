"""Named inputs of results (KPIs): one registry, each app declares the values it can provide.

An app that stores data a KPI may use declares providers in its own `kpi_inputs.py`:

    from ecotown.core import inputs

    @inputs.provider("registry.employees")
    def employees(q: inputs.Query):
        ...  # a number, or None when there is no data

The modules are imported by `CoreConfig.ready()` (Django's `autodiscover_modules("kpi_inputs")`),
so a new capability adds a KPI by naming its inputs in `data/kpi/kpis.yaml` and, for a new input,
one provider in its own app. A provider returns a value or None (no data: the KPI has no value and
the indicator is entered by hand with evidence — never silently zero). `gather(names, org, year)`
calls the providers of the names asked for; `Query.once(key, fn)` lets providers of one app share a
computation (e.g. renewable and total energy from one pass over the records).

A provider that must say something about its value (coverage, annualisation, rows left out, where
a denominator came from) returns `Noted(value, notes)`; `gather` gives the value and keeps the notes
on the query (`Query.notes[name]`), and the KPI result carries them (ecotown.calc.kpi.Note) so the
page shows them in Thai and English.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Provider = Callable[["Query"], Any]

_providers: dict[str, tuple[str, Provider]] = {}


@dataclass(frozen=True)
class Noted:
    """A provided value with notes about it (`ecotown.calc.kpi.Note`: code, en, th)."""

    value: Any
    notes: tuple = ()


@dataclass
class Query:
    """What a provider is asked about: one organisation and one year (and a per-gather memo)."""

    org: Any
    year: int
    _memo: dict = field(default_factory=dict, repr=False)
    notes: dict = field(default_factory=dict, repr=False)  # {input name: (Note, ...)} filled by gather

    @property
    def is_estate(self) -> bool:
        return self.org.kind in ("estate", "port")

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        """`fn()` computed once per gather (shared by the providers that ask for `key`)."""
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]

    def at(self, year: int) -> "Query":
        """The same organisation in another year (sharing the memo)."""
        return Query(self.org, year, self._memo, self.notes)


def provider(name: str) -> Callable[[Provider], Provider]:
    """Decorator: register `fn` as the provider of the input `name` (`<namespace>.<name>`)."""
    if "." not in name:
        raise ValueError(f"input name {name!r}: use <namespace>.<name>, e.g. registry.employees")

    def deco(fn: Provider) -> Provider:
        where = f"{fn.__module__}.{fn.__qualname__}"
        known = _providers.get(name)
        if known is not None and known[0] != where:
            raise ValueError(f"input {name!r} is provided twice: {known[0]} and {where}")
        _providers[name] = (where, fn)
        return fn

    return deco


def names() -> frozenset[str]:
    """Every input some app provides."""
    return frozenset(_providers)


def provided_by(name: str) -> str:
    """Where the provider of `name` is defined (module.function)."""
    return _providers[name][0]


def gather(wanted: Iterable[str], org, year: int, query: Query | None = None) -> dict[str, Any]:
    """{name: value or None} for the inputs asked for. An input no app provides raises KeyError
    (the KPI file and the providers disagree: a test catches it before a user does)."""
    q = query or Query(org, year)
    out: dict[str, Any] = {}
    for name in wanted:
        try:
            _where, fn = _providers[name]
        except KeyError:
            raise KeyError(f"no app provides the input {name!r} (see ecotown.core.inputs)") from None
        value = fn(q)
        if isinstance(value, Noted):
            q.notes[name] = tuple(value.notes)
            value = value.value
        out[name] = value
    return out


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("kpi_inputs")
