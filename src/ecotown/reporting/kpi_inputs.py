"""KPI inputs reporting provides (see ecotown.core.inputs): energy from verified records (fuels by mass or
volume converted to energy at NCV), on-time share."""
from __future__ import annotations

from decimal import Decimal

from ecotown.calc import ghg, kpi
from ecotown.core import inputs

from .models import ActivityRecord
from .selectors import on_time_share


def _energy(q: inputs.Query) -> tuple:
    """(renewable MWh, total MWh, notes) of the year's counted records (the verified/locked versions results use) of energy carriers
    (the catalogue's activities in energy units, and fuels by mass or volume converted to energy at
    their net calorific value by `ecotown.calc.ghg.energy_of`, the engine's own density / heating-value
    chain); renewable: the catalogue's `renewable` column. Records that cannot be converted (no heating
    value) are left out and listed in a note. (None, None, notes) when nothing could be counted."""
    def compute():
        catalogue = ghg.activity_catalogue()
        renewable_codes = ghg.renewable_activities()
        ids = [q.org.pk]
        if q.is_estate:
            ids += list(q.org.children.values_list("pk", flat=True))
        rows = ActivityRecord.objects.filter(organisation_id__in=ids, is_counted=True,
                                             period_start__year=q.year).values_list("activity", "quantity", "unit")
        total = renewable = Decimal(0)
        seen = False
        left_out: dict[tuple[str, str], int] = {}
        for activity, qty, unit in rows:
            if not _is_energy_carrier(catalogue.get(activity)):
                continue  # water, refrigerants, wastewater: not energy
            mwh = ghg.energy_of(activity, 1.0, unit)
            if mwh is None:
                left_out[(activity, unit)] = left_out.get((activity, unit), 0) + 1
                continue
            mwh = Decimal(qty) * Decimal(str(mwh))
            seen = True
            total += mwh
            if activity in renewable_codes:
                renewable += mwh
        notes = (kpi.left_out_note([(a, u, n) for (a, u), n in sorted(left_out.items())]),) if left_out else ()
        return ((renewable, total) if seen else (None, None)) + (notes,)

    return q.once("reporting.energy", compute)


def _is_energy_carrier(entry: dict | None) -> bool:
    """Purchased energy (electricity, steam) and fuels burnt: the catalogue's energy-dimension rows and
    its fuel-combustion method. Unknown codes are not energy."""
    if not entry:
        return False
    return entry.get("dimension") == "energy" or entry.get("method") == "fuel_combustion"


def _noted(value, notes):
    return inputs.Noted(value, notes) if notes else value


@inputs.provider("reporting.renewable_energy_mwh")
def renewable_energy_mwh(q: inputs.Query):
    r = _energy(q)
    return _noted(r[0], r[2])


@inputs.provider("reporting.energy_mwh")
def energy_mwh(q: inputs.Query):
    r = _energy(q)
    return _noted(r[1], r[2])


def _on_time(q: inputs.Query) -> tuple[int | None, int | None]:
    def compute():
        on_time, expected = on_time_share(q.org, q.year)
        return (on_time, expected) if expected else (None, None)

    return q.once("reporting.on_time", compute)


@inputs.provider("reporting.factories_on_time")
def factories_on_time(q: inputs.Query):
    """Factories of the estate that reported every month of the year by its deadline."""
    return _on_time(q)[0]


@inputs.provider("reporting.factories_expected")
def factories_expected(q: inputs.Query):
    return _on_time(q)[1]
