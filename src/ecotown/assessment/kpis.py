"""Gather the inputs of each KPI from stored data and compute it with `ecotown.calc.kpi`.

Inputs come from the registry (areas, factories, GHG-network membership), the carbon capability
(`ecotown.carbon.selectors.organisation_inventory / estate_wide`) and the reporting capability
(`ecotown.reporting.selectors.on_time_share`, `ecotown.reporting.models.ActivityRecord`). Those
are imported lazily: when they are absent or hold no data, the input is None and the KPI has no
value — the indicator is then entered by hand with evidence (never silently zero).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from django.db import transaction

from ecotown.calc import kpi as calc_kpi

# renewable energy activity codes of the catalogue (src/ecotown/data/ghg/activities.csv)
RENEWABLE_ACTIVITIES = ("grid_electricity_certified", "solar_electricity", "onsite_solar", "wood", "bagasse",
                        "biomass", "biogas")
VERIFIED_STATES = ("verified", "locked")


def _ready(model) -> bool:
    """Is the other capability's table there yet? (It is built concurrently; until its migration
    runs, its KPIs have no data rather than an error.)"""
    from django.db import connection

    return model._meta.db_table in connection.introspection.table_names()


def _estate_of(org):
    return org if org.kind in ("estate", "port") else None


def _inventory_total(org, year) -> Any:
    """CO2e (t) of the organisation for the year, or None."""
    try:
        from ecotown.carbon import selectors
        from ecotown.carbon.models import Inventory
    except ImportError:
        return None
    if not _ready(Inventory):
        return None
    try:
        if org.kind in ("estate", "port") and hasattr(selectors, "estate_wide"):
            data = selectors.estate_wide(org, year)
            if not data:
                return None
            totals = data.get("totals", data) if isinstance(data, dict) else None
            return None if totals is None else totals.get("co2e_t")
        inv = selectors.organisation_inventory(org, year)
    except (AttributeError, LookupError):
        return None
    if inv is None:
        return None
    return (inv.totals or {}).get("co2e_t")


def _base_year(org, year):
    """The earliest year before `year` with a GHG inventory of the organisation (its base year)."""
    try:
        from ecotown.carbon.models import Inventory
    except ImportError:
        return None
    if not _ready(Inventory):
        return None
    ids = [org.pk]
    if org.kind in ("estate", "port"):
        ids += list(org.children.values_list("pk", flat=True))
    return (Inventory.objects.filter(organisation_id__in=ids, year__lt=year).order_by("year")
            .values_list("year", flat=True).first())


def _employees(org):
    from ecotown.registry.models import FactoryDetail

    if org.kind in ("estate", "port"):
        rows = FactoryDetail.objects.filter(organisation__parent=org).values_list("employees", flat=True)
        known = [e for e in rows if e is not None]
        return sum(known) if known else None
    fd = FactoryDetail.objects.filter(organisation=org).values_list("employees", flat=True).first()
    return fd


def _energy(org, year):
    """(renewable MWh, total energy MWh) from verified activity records of the year, or (None, None)."""
    try:
        from ecotown.reporting.models import ActivityRecord
    except ImportError:
        return None, None
    if not _ready(ActivityRecord):
        return None, None
    from ecotown.calc import ghg as calc_ghg
    from ecotown.calc import units

    catalogue = calc_ghg.activity_catalogue()
    ids = [org.pk]
    if org.kind in ("estate", "port"):
        ids += list(org.children.values_list("pk", flat=True))
    qs = ActivityRecord.objects.filter(organisation_id__in=ids, is_current=True, state__in=VERIFIED_STATES,
                                       period_start__year=year).values_list("activity", "quantity", "unit")
    total = Decimal(0)
    renewable = Decimal(0)
    seen = False
    for activity, qty, unit in qs:
        try:
            mwh = Decimal(qty) * Decimal(str(units.factor(unit, "MWh")))
        except Exception:  # noqa: BLE001 - not an energy unit (fuel by mass/volume): not counted here
            continue
        cat = catalogue.get(activity) or {}
        if cat.get("dimension", "energy") != "energy":
            continue
        seen = True
        total += mwh
        if activity in RENEWABLE_ACTIVITIES:
            renewable += mwh
    if not seen:
        return None, None
    return renewable, total


def _areas(org) -> dict:
    from ecotown.registry.models import EstateDetail

    ed = EstateDetail.objects.filter(organisation=org).first()
    fields = ("area_total_rai", "area_green_rai", "area_industrial_rai", "area_utilities_rai")
    if ed is None:
        return {f: None for f in fields}
    return {f: getattr(ed, f) for f in fields}


def _network(org) -> dict:
    from ecotown.registry.models import FactoryDetail

    qs = FactoryDetail.objects.filter(organisation__parent=org, organisation__kind="factory")
    n = qs.count()
    return {"factories_in_network": qs.filter(in_ghg_network=True).count() if n else None,
            "factories": n or None}


def _on_time(org, year) -> dict:
    try:
        from ecotown.reporting.models import ActivityRecord
        from ecotown.reporting.selectors import on_time_share
    except ImportError:
        return {"factories_on_time": None, "factories_expected": None}
    if not _ready(ActivityRecord):
        return {"factories_on_time": None, "factories_expected": None}
    try:
        with transaction.atomic():  # a savepoint: a failing read must not spoil the caller's transaction
            on_time, expected = on_time_share(org, year)
    except Exception:  # noqa: BLE001 - reporting still in progress
        return {"factories_on_time": None, "factories_expected": None}
    if not expected:
        return {"factories_on_time": None, "factories_expected": None}
    return {"factories_on_time": on_time, "factories_expected": expected}


def gather_inputs(kpi_id: str, org, year: int) -> dict:
    """The named inputs of one KPI for an organisation and year (None where no data)."""
    if kpi_id == "ghg.total_t":
        return {"co2e_t": _inventory_total(org, year)}
    if kpi_id == "ghg.intensity_per_employee":
        return {"co2e_t": _inventory_total(org, year), "employees": _employees(org)}
    if kpi_id == "ghg.change_vs_base_year_pct":
        base = _base_year(org, year)
        return {"co2e_t": _inventory_total(org, year), "base_co2e_t": _inventory_total(org, base) if base else None,
                "base_year": base}
    if kpi_id == "energy.renewable_share_pct":
        r, t = _energy(org, year)
        return {"renewable_mwh": r, "total_energy_mwh": t}
    if kpi_id.startswith("land."):
        areas = _areas(org) if org.kind in ("estate", "port") else {}
        return {name: areas.get(name) for name in calc_kpi.definition(kpi_id).inputs}
    if kpi_id == "reporting.on_time_share_pct":
        return _on_time(org, year)
    if kpi_id == "network.ghg_reduction_member_share_pct":
        return _network(org)
    return {}


def compute(kpi_id: str, org, year: int) -> calc_kpi.KpiValue:
    """Value + inputs of one KPI for an organisation and year."""
    inputs = gather_inputs(kpi_id, org, year)
    return calc_kpi.compute(kpi_id, inputs)


def compute_many(kpi_ids, org, year: int) -> dict[str, calc_kpi.KpiValue]:
    return {k: compute(k, org, year) for k in kpi_ids if k in calc_kpi.library()}
