"""KPI inputs reporting provides (see ecotown.core.inputs): energy from verified records, on-time share."""
from __future__ import annotations

from decimal import Decimal

from ecotown.calc import ghg, units
from ecotown.calc.errors import UnitProblem
from ecotown.core import inputs

from .models import ActivityRecord
from .selectors import on_time_share

USED_STATES = ("verified", "locked")


def _energy(q: inputs.Query) -> tuple[Decimal | None, Decimal | None]:
    """(renewable MWh, total MWh) of the year's current verified records reported in energy units
    (renewable: the catalogue's `renewable` column); (None, None) when there are none. Fuels reported
    by mass or volume are not counted here."""
    def compute():
        catalogue = ghg.activity_catalogue()
        renewable_codes = ghg.renewable_activities()
        ids = [q.org.pk]
        if q.is_estate:
            ids += list(q.org.children.values_list("pk", flat=True))
        rows = ActivityRecord.objects.filter(organisation_id__in=ids, is_current=True, state__in=USED_STATES,
                                             period_start__year=q.year).values_list("activity", "quantity", "unit")
        total = renewable = Decimal(0)
        seen = False
        for activity, qty, unit in rows:
            try:
                mwh = Decimal(qty) * Decimal(str(units.factor(unit, "MWh")))
            except UnitProblem:  # not an energy unit (fuel by mass or volume): not counted here
                continue
            if (catalogue.get(activity) or {}).get("dimension", "energy") != "energy":
                continue
            seen = True
            total += mwh
            if activity in renewable_codes:
                renewable += mwh
        return (renewable, total) if seen else (None, None)

    return q.once("reporting.energy", compute)


@inputs.provider("reporting.renewable_energy_mwh")
def renewable_energy_mwh(q: inputs.Query):
    return _energy(q)[0]


@inputs.provider("reporting.energy_mwh")
def energy_mwh(q: inputs.Query):
    return _energy(q)[1]


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
