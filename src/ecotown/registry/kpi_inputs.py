"""KPI inputs the registry provides (see ecotown.core.inputs): estate areas, employees, GHG network."""
from __future__ import annotations

from ecotown.core import inputs

from .models import EstateDetail, FactoryDetail

AREAS = ("area_total_rai", "area_green_rai", "area_industrial_rai", "area_utilities_rai")


def _areas(q: inputs.Query) -> dict:
    """The estate's (or port's) areas in rai; nothing for other organisations."""
    if not q.is_estate:
        return {}
    return q.once("registry.areas", lambda: EstateDetail.objects.filter(organisation=q.org).values(*AREAS).first() or {})


def _area_provider(field: str):
    @inputs.provider(f"registry.{field}")
    def area(q: inputs.Query):
        return _areas(q).get(field)

    return area


for _field in AREAS:
    _area_provider(_field)


@inputs.provider("registry.employees")
def employees(q: inputs.Query):
    """A factory's registered employees; for an estate, the sum over its factories that state it."""
    if q.is_estate:
        known = [e for e in FactoryDetail.objects.filter(organisation__parent=q.org).values_list("employees", flat=True)
                 if e is not None]
        return sum(known) if known else None
    return FactoryDetail.objects.filter(organisation=q.org).values_list("employees", flat=True).first()


def _network(q: inputs.Query) -> tuple[int | None, int | None]:
    def count():
        qs = FactoryDetail.objects.filter(organisation__parent=q.org, organisation__kind="factory")
        n = qs.count()
        return (qs.filter(in_ghg_network=True).count() if n else None), (n or None)

    return q.once("registry.network", count)


@inputs.provider("registry.factories_in_ghg_network")
def factories_in_ghg_network(q: inputs.Query):
    return _network(q)[0]


@inputs.provider("registry.factories")
def factories(q: inputs.Query):
    """Factories in the estate (None when it has none)."""
    return _network(q)[1]
