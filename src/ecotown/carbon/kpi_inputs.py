"""KPI inputs the carbon capability provides (see ecotown.core.inputs): inventory totals, base year.

A factory's total is its inventory's CO2e; an estate's (or port's) is the estate-wide total
(`selectors.estate_wide`: Scope 1 of every organisation in it + imported Scope 2), read from the
stored year result. No inventory → None.
"""
from __future__ import annotations

from ecotown.core import inputs

from .models import EstateResult, Inventory


def _total(q: inputs.Query, year: int):
    def read():
        if q.is_estate:
            return (EstateResult.objects.filter(estate=q.org, year=year, month=0)
                    .values_list("co2e_t", flat=True).first())
        totals = Inventory.objects.filter(organisation=q.org, year=year).values_list("totals", flat=True).first()
        return None if totals is None else totals.get("co2e_t")

    return q.once(f"ghg.total_co2e_t:{year}", read)


@inputs.provider("ghg.total_co2e_t")
def total_co2e_t(q: inputs.Query):
    """t CO2e of the year (Scope 1 + Scope 2 location-based + Scope 3; estate-wide for an estate)."""
    return _total(q, q.year)


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


@inputs.provider("ghg.base_year_co2e_t")
def base_year_co2e_t(q: inputs.Query):
    base = base_year(q)
    return None if base is None else _total(q, base)
