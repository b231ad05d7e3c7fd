"""KPI inputs the carbon capability provides (see ecotown.core.inputs): inventory totals, base year,
the employees of the organisations counted, months reported.

Boundary, the same for factories and estates: **Scope 1 + Scope 2 location-based**. A factory's is
its inventory's Scope 1 + Scope 2 (location); an estate's (or port's) is the estate-wide total
(`selectors.estate_wide`: Scope 1 of every organisation in it + imported Scope 2, Scope 2 location).
`ghg.scope123_location_t` (the inventory's total with Scope 3) exists for organisations only. Read
from the stored results; no inventory → None.

Change against the base year compares annualised totals: each organisation's Scope 1 + 2 × 12 /
the months it reported (calendar months with a counted activity record; `ecotown.calc.kpi.annualise`),
and the result says so (note `annualised`) whenever a year is not fully covered.
"""
from __future__ import annotations

from ecotown.calc import kpi as calc_kpi
from ecotown.core import dates, inputs

from . import selectors
from .models import Inventory, MonthResult


def _scope12(q: inputs.Query) -> dict:
    """The year's Scope 1 + 2 (location) and the employees of the organisations it counts (one read)."""
    return q.once("ghg.scope12", lambda: selectors.per_employee(q.org, q.year))


def _total_only(q: inputs.Query, year: int):
    if q.is_estate:
        from .models import EstateResult

        return (EstateResult.objects.filter(estate=q.org, year=year, month=0)
                .values_list("co2e_t", flat=True).first())
    totals = Inventory.objects.filter(organisation=q.org, year=year).values_list("totals", flat=True).first()
    return selectors.scope12_location_t(totals)


@inputs.provider("ghg.scope12_location_t")
def scope12_location_t(q: inputs.Query):
    """t CO2e of the year, Scope 1 + Scope 2 location-based (estate-wide for an estate)."""
    return _scope12(q)["co2e_t"]


@inputs.provider("ghg.scope123_location_t")
def scope123_location_t(q: inputs.Query):
    """An organisation's inventory total: Scope 1 + Scope 2 (location) + Scope 3 (None for an estate,
    whose estate-wide total never sums Scope 3)."""
    if q.is_estate:
        return None
    totals = Inventory.objects.filter(organisation=q.org, year=q.year).values_list("totals", flat=True).first()
    return None if totals is None else totals.get("co2e_t")


@inputs.provider("ghg.employees")
def employees(q: inputs.Query):
    """Employees of the organisations whose emissions are in `ghg.scope12_location_t` (a factory:
    its average reported employees, else the registry; an estate: the sum over the organisations with
    a result and verified records in the year), with a note saying where they came from."""
    pe = _scope12(q)
    if pe.get("employees") is None:
        return None
    s = pe["sources"]
    return inputs.Noted(pe["employees"], (calc_kpi.employees_note(s["reported"], s["registry"], s["unknown"], estate=q.is_estate),))


@inputs.provider("ghg.base_year")
def base_year(q: inputs.Query):
    """The earliest year before this one with a GHG inventory of the organisation (or, for an estate,
    of the estate or one of its organisations)."""
    def first():
        ids = [q.org.pk]
        if q.is_estate:
            ids += list(q.org.children.values_list("pk", flat=True))
        return (Inventory.objects.filter(organisation_id__in=ids, year__lt=q.year).order_by("year")
                .values_list("year", flat=True).first())

    return q.once("ghg.base_year", first)


def _annualised(q: inputs.Query, year: int) -> tuple[float | None, int, int, bool]:
    """(Σ Scope 1 + 2 × 12 / months per organisation, organisation-months reported, organisations, scaled)."""
    def compute():
        if q.is_estate:
            parts = {oid: s1 + s2 - internal for oid, s1, s2, internal in MonthResult.objects.filter(
                estate=q.org, year=year, month=0).values_list(
                "organisation_id", "scope1_t", "scope2_location_t", "internal_scope2_t")}
        else:
            total = _total_only(q, year)
            parts = {} if total is None else {q.org.pk: total}
        if not parts:
            return None, 0, 0, False
        months = selectors.months_reported(list(parts), year)
        value, scaled = calc_kpi.annualise([(t, months.get(oid, 0)) for oid, t in sorted(parts.items())])
        return value, sum(months.values()), len(months), scaled

    return q.once(f"ghg.annualised:{year}", compute)


@inputs.provider("ghg.months_reported")
def months_reported(q: inputs.Query):
    """Months reported in the year (an estate: organisation-months over the organisations counted)."""
    return _annualised(q, q.year)[1] or None


@inputs.provider("ghg.base_year_months_reported")
def base_year_months_reported(q: inputs.Query):
    base = base_year(q)
    return None if base is None else (_annualised(q, base)[1] or None)


@inputs.provider("ghg.scope12_location_annualised_t")
def scope12_location_annualised_t(q: inputs.Query):
    """Scope 1 + 2 (location) of the year, annualised per organisation by the months it reported;
    with the note `annualised` when this year or the base year is not fully covered."""
    value, months, orgs, scaled = _annualised(q, q.year)
    if value is None:
        return None
    base = base_year(q)
    if base is None:
        return value
    _b_value, b_months, b_orgs, b_scaled = _annualised(q, base)
    if scaled or b_scaled:
        return inputs.Noted(value, (calc_kpi.annualised_note(q.year, months, orgs, base, b_months, b_orgs,
                                                                th_year=dates.be_year),))
    return value


@inputs.provider("ghg.base_year_scope12_location_annualised_t")
def base_year_scope12_location_annualised_t(q: inputs.Query):
    base = base_year(q)
    return None if base is None else _annualised(q, base)[0]
