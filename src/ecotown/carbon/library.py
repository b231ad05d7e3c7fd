"""The factor library in the database: built-in sets from data/ghg/factors.csv, uploaded sets.

Turning stored rows into the engine's `ghg.Factor` objects and caching the engine's multipliers
per library state lives here too (reads only; writes are in services.py).
"""
from __future__ import annotations

import csv
import hashlib
from functools import lru_cache

from ecotown.calc import ghg

from .models import Factor, FactorSet

BUILTIN_FILE = ghg._data_path("factors.csv")


def builtin_sha256() -> str:
    return hashlib.sha256(BUILTIN_FILE.read_bytes()).hexdigest()


def builtin_extra_columns() -> dict[int, dict]:
    """line -> {set, url} of the built-in file (columns the engine does not need)."""
    with open(BUILTIN_FILE, newline="", encoding="utf-8") as fh:
        return {n: r for n, r in enumerate(csv.DictReader(fh), start=2)}


def to_engine(f: Factor, set_name: str) -> ghg.Factor:
    return ghg.Factor(line=f.line, file=set_name, activity=f.activity, gas=f.gas, value=f.value, unit=f.unit,
                      scope=f.scope, basis=f.basis, heating_basis=f.heating_basis, source=f.source,
                      factor_id=f.factor_id, edition=f.edition, valid_from=f.valid_from or ghg._MIN_DATE,
                      valid_to=f.valid_to or ghg._MAX_DATE, grace_until=f.grace_until, status=f.status,
                      gwp_set=f.gwp_set)


def library_key(organisation_id: int | None) -> tuple:
    """What identifies the factors that apply to an organisation (changes when a set is added or retired)."""
    sets = FactorSet.objects.filter(is_active=True).filter(organisation__isnull=True)
    ids = tuple(sets.order_by("pk").values_list("pk", flat=True))
    own = ()
    if organisation_id is not None:
        own = tuple(FactorSet.objects.filter(is_active=True, organisation_id=organisation_id)
                    .order_by("pk").values_list("pk", flat=True))
    return ids, own


def _greenhouse_part(gas: str) -> str:
    """Which part of the emissions a factor row covers: a CO2e row covers every greenhouse gas, so it
    and per-gas rows (CO2, CH4, N2O, HFCs …) of the same activity, scope and basis are one part;
    biogenic CO2 is reported apart and is a part of its own."""
    return "biogenic" if gas == "CO2_biogenic" else "ghg"


def replaces(own, library_row) -> bool:
    """An own row replaces a library row of the same key; and, since a CO2e row stands for all the
    gases, an own CO2e row replaces the library's per-gas rows of that (activity, scope, basis) and
    own per-gas rows replace a library CO2e row (otherwise the same emissions would count twice)."""
    if (own.activity, int(own.scope), own.basis) != (library_row.activity, int(library_row.scope), library_row.basis):
        return False
    if own.gas == library_row.gas:
        return True
    return ("CO2e" in (own.gas, library_row.gas)
            and _greenhouse_part(own.gas) == _greenhouse_part(library_row.gas) == "ghg")


@lru_cache(maxsize=256)
def _factors_for_key(key: tuple) -> tuple[tuple[ghg.Factor, ...], tuple[dict, ...]]:
    global_ids, own_ids = key
    sets = {s.pk: s for s in FactorSet.objects.filter(pk__in=global_ids + own_ids)}
    rows = list(Factor.objects.filter(factor_set_id__in=global_ids + own_ids).order_by("factor_set_id", "line", "pk"))
    own = [f for f in rows if f.factor_set_id in own_ids]
    by_part: dict[tuple, list] = {}
    for f in own:
        by_part.setdefault((f.activity, int(f.scope), f.basis), []).append(f)
    out = []
    for f in rows:
        if f.factor_set_id not in own_ids and any(replaces(o, f) for o in by_part.get((f.activity, int(f.scope), f.basis), ())):
            continue  # a supplier-specific factor replaces the library rows it stands for, nothing else
        out.append(to_engine(f, sets[f.factor_set_id].name))
    used_sets = sorted({f.factor_set_id for f in rows})
    meta = tuple({"id": s, "name": sets[s].name, "source": sets[s].source, "edition": sets[s].edition,
                  "status": sets[s].status, "kind": sets[s].kind} for s in used_sets)
    return tuple(out), meta


def factors_for(organisation_id: int | None) -> tuple[list[ghg.Factor], list[dict]]:
    """(engine factors, factor sets used) that apply to this organisation's inventory."""
    facs, meta = _factors_for_key(library_key(organisation_id))
    return list(facs), list(meta)


@lru_cache(maxsize=256)
def _multipliers(key: tuple, gwp: str, previous_edition: bool) -> ghg.Multipliers:
    facs, _meta = _factors_for_key(key)
    return ghg.Multipliers(list(facs), None, gwp, previous_edition)


def multipliers_for(organisation_id: int | None, gwp: str = "AR5", previous_edition: bool = False,
                    key: tuple | None = None) -> ghg.Multipliers:
    return _multipliers(key or library_key(organisation_id), gwp, previous_edition)


def rollup_gwp() -> str:
    """The authority's GWP set (setting ECOTOWN_ROLLUP_GWP, default AR5): monthly, estate-wide and
    national results are all computed in it, so a roll-up never sums organisations computed with
    different GWP sets."""
    from django.conf import settings

    gwp = getattr(settings, "ECOTOWN_ROLLUP_GWP", "AR5") or "AR5"
    if gwp not in ghg.GWP_SETS:
        raise ValueError(f"ECOTOWN_ROLLUP_GWP must be one of {', '.join(ghg.GWP_SETS)}, not {gwp!r}")
    return gwp


def clear_caches() -> None:
    _factors_for_key.cache_clear()
    _multipliers.cache_clear()
