"""Drop-downs of estates and ports (a few dozen, out of 70,000 organisations): the choices of a filter are
read once per distinct query (the user's scope) and kept until an organisation is written
(ecotown.core.cache), not rebuilt on every request."""
from __future__ import annotations

from dataclasses import dataclass

from ecotown.core import cache
from ecotown.core.i18n import BilingualName

from .models import Organisation


@dataclass(frozen=True)
class Choice(BilingualName):
    pk: int
    name_th: str
    name_en: str


def org_choices(qs) -> list[Choice]:
    """The organisations of `qs` (in its order) as light choices with `.pk` and `.name`."""
    key = cache.query_key(qs)
    if key is None:
        return []
    return cache.cached("registry.org_choices", lambda: [Choice(*r) for r in qs.values_list("pk", "name_th", "name_en")],
                        on=(Organisation,), key=key)


def fit(field, qs) -> None:
    """A ModelChoiceField over `qs` (what may be chosen, validated as before) rendering the cached choices."""
    field.queryset = qs
    field.widget.choices = ([("", field.empty_label)] if field.empty_label is not None else []) + [
        (c.pk, c.name) for c in org_choices(qs)]


def few_by_name(field: str = "name_th") -> tuple:
    """The order of a list of the few dozen estates and ports: by `field`, then id, as an expression no index
    serves (`field || ''`), so that the database finds them by kind and sorts them. Ordered by the column
    itself, SQLite (no per-value statistics: it takes `kind IN (estate, port)` for 2 × 10,000 of 70,000
    rows) walks the name index of all 70,000 organisations to find them: 6 ms against 0.1 for the API's
    first page."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    return (Concat(F(field), Value("")).asc(), "pk")
