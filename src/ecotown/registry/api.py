from __future__ import annotations

from typing import Any, Optional

from ninja import Router, Schema, Status

from ecotown import access
from ecotown.core.api import Out, Page, paginate
from ecotown.core.models import ChangeRecord

from . import search, services
from .views import LIST_MODELS, with_factory_counts
from .models import Kind, Organisation, Province
from .choices import few_by_name

router = Router(tags=["registry"])


class AreaOut(Out):
    total: Optional[float]
    industrial: Optional[float]
    utilities: Optional[float]
    green: Optional[float]
    sold: Optional[float]
    leased: Optional[float]
    available: Optional[float]


class EstateOut(Out):
    id: int
    kind: str
    code: str
    name: str
    name_th: str
    name_en: str
    province: Optional[str]
    province_name: Optional[str]
    lat: Optional[float]
    lon: Optional[float]
    eco_level: Optional[str]
    eco_level_year: Optional[int]
    operator_type: Optional[str]
    developer: Optional[str]
    year_opened: Optional[int]
    area_rai: AreaOut
    factories: Optional[int]


class FactoryOut(Out):
    id: int
    kind: str
    name: str
    name_th: str
    name_en: str
    estate: Optional[int]
    estate_name: Optional[str]
    diw_number: str
    tsic: Optional[str]
    employees: Optional[int]
    in_ghg_network: bool
    lat: Optional[float]
    lon: Optional[float]
    province: Optional[str]


class UpdatedOut(Out):
    id: int
    updated: list[str]


class HistoryOut(Out):
    at: str
    actor: Optional[str]
    action: str
    model: str
    object_id: str
    changed: Optional[list[str]]
    before: Optional[dict[str, Any]]
    after: Optional[dict[str, Any]]
    note: str


def _estate_out(o: Organisation) -> dict:
    d = getattr(o, "estate", None)
    return {
        "id": o.pk, "kind": o.kind, "code": o.code, "name": o.name, "name_th": o.name_th, "name_en": o.name_en,
        "province": o.province_id, "province_name": o.province.name if o.province else None,
        "lat": o.lat, "lon": o.lon, "eco_level": o.eco_level or None, "eco_level_year": o.eco_level_year,
        "operator_type": d.operator_type if d else None, "developer": d.developer if d else None,
        "year_opened": d.year_opened if d else None,
        "area_rai": {k: (float(getattr(d, f"area_{k}_rai")) if d and getattr(d, f"area_{k}_rai") is not None else None)
                     for k in ("total", "industrial", "utilities", "green", "sold", "leased", "available")},
        "factories": getattr(o, "n_factories", None),
    }


def _factory_out(o: Organisation) -> dict:
    f = o.factory
    return {
        "id": o.pk, "kind": o.kind, "name": o.name, "name_th": o.name_th, "name_en": o.name_en,
        "estate": o.parent_id, "estate_name": o.parent.name if o.parent else None,
        "diw_number": f.diw_number, "tsic": f.tsic_id, "employees": f.employees, "in_ghg_network": f.in_ghg_network,
        "lat": o.lat, "lon": o.lon, "province": o.province_id,
    }


def _search(qs, q: str | None):
    return search.containing(qs, q)


@router.get("/estates", response=Page[EstateOut])
def list_estates(request, q: Optional[str] = None, kind: Optional[str] = None, province: Optional[str] = None,
                 limit: int = 50, offset: int = 0):
    """Estates and ports the caller may see."""
    qs = access.visible_orgs(request.user, Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT]))
    qs = search.containing(qs, q, few=True)
    if kind in {Kind.ESTATE, Kind.PORT}:
        qs = qs.filter(kind=kind)
    if province:
        qs = qs.filter(province_id=province)
    qs = qs.select_related("province", "estate").order_by(*few_by_name("name_en"))
    result = paginate(qs, limit, offset, lambda o: o, on=LIST_MODELS)
    result["items"] = [_estate_out(o) for o in with_factory_counts(result["items"])]
    return result


@router.get("/estates/{org_id}", response=EstateOut)
def get_estate(request, org_id: int):
    o = access.get_or_404(request.user, Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT])
                          .select_related("province", "estate"), pk=org_id)
    return _estate_out(o)


class AreaIn(Schema):
    total: Optional[float] = None
    industrial: Optional[float] = None
    utilities: Optional[float] = None
    green: Optional[float] = None
    sold: Optional[float] = None
    leased: Optional[float] = None
    available: Optional[float] = None


class EstateIn(Schema):
    kind: str = "estate"
    code: str
    name_th: str
    name_en: str
    province: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    boundary: Optional[dict] = None
    operator_type: str = "unverified"
    developer: str = ""
    year_opened: Optional[int] = None
    area_rai: Optional[AreaIn] = None


@router.post("/estates", response={201: EstateOut})
def create_estate(request, payload: EstateIn):
    data = payload.dict(exclude={"kind", "area_rai", "province"})
    if payload.province:
        data["province"] = Province.objects.filter(pk=payload.province).first()
        if data["province"] is None:
            from ecotown.registry.errors import RegistryError

            raise RegistryError.UNKNOWN_PROVINCE.invalid("province", code=payload.province)
    for k, v in (payload.area_rai.dict() if payload.area_rai else {}).items():
        data[f"area_{k}_rai"] = v
    org = services.create_estate(request.user, data, kind=payload.kind if payload.kind in {"estate", "port"} else "estate")
    return Status(201, _estate_out(org))


@router.get("/factories", response=Page[FactoryOut])
def list_factories(request, q: Optional[str] = None, estate: Optional[int] = None, tsic: Optional[str] = None,
                   limit: int = 50, offset: int = 0):
    """Factories the caller may see (401 when not signed in)."""
    qs = access.visible_orgs(request.user, Organisation.objects.filter(kind__in=[Kind.FACTORY, Kind.WASTE_PROCESSOR]))
    qs = _search(qs, q)
    if estate:
        qs = qs.filter(parent_id=estate)
    if tsic:
        qs = qs.filter(factory__tsic_id=tsic)
    qs = qs.select_related("parent", "factory").order_by("name_en", "pk")
    return paginate(qs, limit, offset, _factory_out, on=LIST_MODELS)


@router.get("/factories/{org_id}", response=FactoryOut)
def get_factory(request, org_id: int):
    """One factory; 404 when the caller may not see it."""
    o = access.get_or_404(request.user, Organisation.objects.filter(kind__in=[Kind.FACTORY, Kind.WASTE_PROCESSOR])
                          .select_related("parent", "factory"), pk=org_id)
    return _factory_out(o)


class ProductIn(Schema):
    name_th: str
    name_en: str
    unit: str


class FactoryIn(Schema):
    estate: int
    name_th: str
    name_en: str
    diw_number: str
    tsic: Optional[str] = None
    employees: Optional[int] = None
    in_ghg_network: bool = False
    lat: Optional[float] = None
    lon: Optional[float] = None
    products: list[ProductIn] = []


@router.post("/factories", response={201: FactoryOut})
def create_factory(request, payload: FactoryIn):
    """Create a factory in an estate or port (authority staff, or the estate's manager)."""
    parent = access.get_or_404(request.user, Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT]), pk=payload.estate)
    data = payload.dict(exclude={"estate", "products", "tsic"})
    data["tsic_id"] = payload.tsic
    org = services.create_factory(request.user, parent, data, products=[p.dict() for p in payload.products])
    org = Organisation.objects.select_related("parent", "factory").get(pk=org.pk)
    return Status(201, _factory_out(org))


class OrgPatch(Schema):
    name_th: Optional[str] = None
    name_en: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    employees: Optional[int] = None
    diw_number: Optional[str] = None
    in_ghg_network: Optional[bool] = None
    is_public: Optional[bool] = None


@router.patch("/organisations/{org_id}", response=UpdatedOut)
def update_organisation(request, org_id: int, payload: OrgPatch):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=org_id)
    data = payload.dict(exclude_unset=True)
    services.update_organisation(request.user, org, data)
    return {"id": org.pk, "updated": sorted(data)}


@router.get("/organisations/{org_id}/history", response=Page[HistoryOut])
def organisation_history(request, org_id: int, limit: int = 50, offset: int = 0):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=org_id)
    qs = access.visible(request.user, ChangeRecord.objects.filter(organisation_id=org.pk)).select_related("actor", "content_type")
    return paginate(qs, limit, offset, lambda r: {
        "at": r.at.isoformat(), "actor": r.actor.username if r.actor else None, "action": r.action,
        "model": r.content_type.model, "object_id": r.object_id, "changed": r.changed_fields,
        "before": r.before, "after": r.after, "note": r.note})
