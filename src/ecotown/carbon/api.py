"""/api/carbon/: inventories, lines (drill-down with provenance), factors, estate-wide, roll-up,
intensity, recompute / finalise / options, factor-set upload and energy sales. Thin: access via
ecotown.access, reads via selectors, changes via services."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from django.http import Http404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from ecotown import access
from ecotown.access import Action
from ecotown.core.api import Out, Page, paginate
from ecotown.registry.models import Organisation

from . import selectors, services
from .models import Factor, FactorSet, Inventory
from .policies import CarbonAction

router = Router(tags=["carbon"])


class InventoryOut(Out):
    id: int
    organisation: int
    organisation_name: str
    year: int
    status: str
    gwp_set: str
    previous_edition: bool
    engine_version: str
    totals: dict[str, Any]
    computed_at: Optional[dt.datetime]
    n_records: int
    fingerprint: str


class InventoryDetailOut(InventoryOut):
    by_gas: dict[str, Any]
    by_category: dict[str, Any]
    by_scope3_category: dict[str, Any]
    memo: dict[str, Any]
    factor_sets: list[Any]
    factors_used: list[Any]
    warnings: list[Any]
    reference_editions: list[Any]
    error: Optional[str]
    final_totals: Optional[dict[str, Any]]
    finalised_at: Optional[dt.datetime]
    restated_at: Optional[dt.datetime]
    restated_reason: Optional[str]
    pending_corrections: dict[str, Any]  # corrections awaiting verification and their size ({} when none)
    excluded: list[Any]  # records left out (no factor): [{activity, records, quantity, unit}]
    uncertainty: dict[str, Any]  # {pct (± %, 95 % confidence), method, lines} ({} when nothing counts)
    recompute: dict[str, bool]  # {queued, running, worker_missing}: a recompute waits (and no worker will run it)


class LineFactorOut(Out):
    id: Optional[int]
    factor_id: str
    value: float
    unit: str
    source: str
    edition: str
    status: str
    gwp_set: str  # the GWP set the factor's CO2e embeds ("" when not a CO2e factor or not stated)
    conversion: Optional[str]


class LineOut(Out):
    id: int
    source_kind: str
    source_id: Optional[int]
    record_id: Optional[int]
    record_version: Optional[int]
    activity: str
    quantity: float
    unit: str
    period_start: dt.date
    period_end: dt.date
    period_share: float
    edition_from: Optional[dt.date]
    edition_to: Optional[dt.date]
    gas: str
    gas_kind: str
    scope: int
    basis: str
    iso_category: Optional[int]
    scope3_category: Optional[int]
    mass_t: float
    co2e_t: Optional[float]
    gwp: Optional[float]
    gwp_set: str
    data_source: str  # the record's data source (meter, invoice, estimate; "" = not stated)
    factor: LineFactorOut


class FactorOut(Out):
    id: int
    factor_id: str
    factor_set: int
    activity: str
    gas: str
    value: float
    unit: str
    scope: int
    basis: str
    heating_basis: Optional[str]
    source: str
    edition: str
    url: str
    valid_from: Optional[dt.date]
    valid_to: Optional[dt.date]
    grace_until: Optional[dt.date]
    status: str


class FactorSetOut(Out):
    id: int
    kind: str
    name: str
    source: str
    edition: str
    url: str
    status: str
    organisation: Optional[int]
    is_active: bool
    sha256: str


class MonthOut(Out):
    month: Any
    co2e_t: Optional[float]
    scope1_t: Optional[float]
    scope2_location_t: Optional[float]
    scope2_market_t: Optional[float]
    scope3_t: Optional[float]
    biogenic_co2_t: Optional[float]


class MonthsOut(Out):
    items: list[MonthOut]
    count: int


class PerUnitOut(Out):
    product_id: Optional[int]
    product: Optional[str]
    unit: str
    quantity: float
    t_co2e_per_unit: Optional[float]


class IntensityOut(Out):
    organisation_id: int
    year: int
    co2e_t: Optional[float]
    per_employee: Optional[float]
    employees: Optional[float]
    employees_source: Optional[str]
    per_unit: list[PerUnitOut]


class TrendOut(Out):
    items: list[dict[str, Any]]


class EstateMonthOut(Out):
    month: int
    co2e_t: float
    scope1_t: float
    scope2_imported_t: float


class EstateMemberOut(Out):
    organisation_id: int
    scope1_t: float
    scope2_location_t: float  # after the operator's resale (the resold share is in its Scope 3 cat. 3)
    scope2_resold_t: float  # the operator: resold share of its Scope 2, counted in the buyers' Scope 2
    scope2_sold_to_members_t: float  # a member generating power: Scope 2 of what it sold to members (not added again)
    scope3_t: float
    is_operator: bool
    name: str


class EnergySaleOut(Out):
    seller_id: int
    seller: str
    is_resale: bool  # the operator's resale (else a member's own generation sold to other members)
    activity: str
    quantity: float
    unit: str


class EstateWideOut(Out):
    estate_id: int
    year: int
    co2e_t: float
    scope1_t: float
    scope2_imported_t: float
    scope2_sold_between_members_t: float
    scope2_resold_t: float
    sales: list[EnergySaleOut]
    n_organisations: int
    months: list[EstateMonthOut]
    organisations: list[EstateMemberOut]
    gwp_set: str  # the one GWP set the estate-wide total is computed in (setting ECOTOWN_ROLLUP_GWP)
    rule: str


class EstateOut(Out):
    estate: int
    year: int
    estate_wide: Optional[EstateWideOut]
    operator_inventory: Optional[InventoryOut]


class EnergySalesOut(Out):
    estate: int
    year: int
    items: list[EnergySaleOut]


class RollupEstateOut(Out):
    estate_id: int
    co2e_t: float
    scope1_t: float
    scope2_imported_t: float
    n_organisations: int
    name: str


class RollupOut(Out):
    year: int
    estates: list[RollupEstateOut]
    gwp_set: str  # the one GWP set every estate's total is computed in (setting ECOTOWN_ROLLUP_GWP)
    co2e_t: float
    scope1_t: float
    scope2_imported_t: float


def _inv_out(i: Inventory, full: bool = False) -> dict:
    d = {"id": i.pk, "organisation": i.organisation_id, "organisation_name": i.organisation.name, "year": i.year,
         "status": i.status, "gwp_set": i.gwp_set, "previous_edition": i.previous_edition,
         "engine_version": i.engine_version, "totals": i.totals, "computed_at": i.computed_at,
         "n_records": i.n_records, "fingerprint": i.fingerprint}
    if full:
        d.update({"by_gas": i.by_gas, "by_category": i.by_category, "by_scope3_category": i.by_scope3_category,
                  "memo": i.memo, "factor_sets": i.factor_sets, "factors_used": i.factors_used, "warnings": i.warnings,
                  "reference_editions": i.reference_editions,
                  "error": i.error or None, "final_totals": i.final_totals, "finalised_at": i.finalised_at,
                  "restated_at": i.restated_at, "restated_reason": i.restated_reason or None,
                  "pending_corrections": i.pending_corrections or {}, "excluded": i.excluded or [],
                  "uncertainty": i.uncertainty or {},
                  "recompute": services.recompute_waiting(i.organisation_id, i.year)})
    return d


def _line_out(ln) -> dict:
    return {"id": ln.pk, "source_kind": ln.source_kind, "source_id": ln.source_id, "record_id": ln.record_id,
            "record_version": ln.record_version, "activity": ln.activity,
            "quantity": ln.quantity, "unit": ln.unit, "period_start": ln.period_start, "period_end": ln.period_end,
            "period_share": ln.period_share, "edition_from": ln.edition_from, "edition_to": ln.edition_to,
            "gas": ln.gas, "gas_kind": ln.gas_kind, "scope": ln.scope, "basis": ln.basis,
            "iso_category": ln.iso_category, "scope3_category": ln.scope3_category, "mass_t": ln.mass_t,
            "co2e_t": ln.co2e_t, "gwp": ln.gwp, "gwp_set": ln.gwp_set, "data_source": ln.data_source,
            "factor": {"id": ln.factor_id, "factor_id": ln.factor_code, "value": ln.factor_value, "unit": ln.factor_unit,
                       "source": ln.factor_source, "edition": ln.factor_edition, "status": ln.factor_status,
                       "gwp_set": ln.factor_gwp_set, "conversion": ln.conversion or None}}


def _factor_out(f: Factor) -> dict:
    return {"id": f.pk, "factor_id": f.factor_id, "factor_set": f.factor_set_id, "activity": f.activity, "gas": f.gas,
            "value": f.value, "unit": f.unit, "scope": f.scope, "basis": f.basis, "heating_basis": f.heating_basis or None,
            "source": f.source, "edition": f.edition, "url": f.url, "valid_from": f.valid_from, "valid_to": f.valid_to,
            "grace_until": f.grace_until, "status": f.status}


def _set_out(s: FactorSet) -> dict:
    return {"id": s.pk, "kind": s.kind, "name": s.name, "source": s.source, "edition": s.edition, "url": s.url,
            "status": s.status, "organisation": s.organisation_id, "is_active": s.is_active, "sha256": s.sha256}


def _inventory(request, pk: int) -> Inventory:
    return access.get_or_404(request.user, Inventory.objects.select_related("organisation"), pk=pk)


@router.get("/inventories", response=Page[InventoryOut])
def list_inventories(request, year: Optional[int] = None, organisation: Optional[int] = None,
                     status: Optional[str] = None, limit: int = 50, offset: int = 0):
    qs = selectors.inventories(request.user)
    if year:
        qs = qs.filter(year=year)
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, offset, _inv_out)


@router.get("/inventories/{pk}", response=InventoryDetailOut)
def get_inventory(request, pk: int):
    return _inv_out(_inventory(request, pk), full=True)


@router.get("/inventories/{pk}/lines", response=Page[LineOut])
def inventory_lines(request, pk: int, scope: Optional[int] = None, category: Optional[int] = None,
                    gas: Optional[str] = None, activity: Optional[str] = None, basis: Optional[str] = None,
                    limit: int = 100, offset: int = 0):
    inv = _inventory(request, pk)
    qs = selectors.lines(inv, scope=scope, category=category, gas=gas, activity=activity, basis=basis)
    return paginate(qs, limit, offset, _line_out)


@router.get("/inventories/{pk}/months", response=MonthsOut)
def inventory_months(request, pk: int):
    inv = _inventory(request, pk)
    keys = ("month", "co2e_t", "scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t", "biogenic_co2_t")
    return {"items": [{k: m.get(k) for k in keys} for m in selectors.months(inv.organisation, inv.year)], "count": 12}


class OptionsIn(Schema):
    gwp_set: Optional[str] = None
    previous_edition: Optional[bool] = None


@router.post("/inventories/{pk}/options", response=InventoryDetailOut)
def inventory_options(request, pk: int, payload: OptionsIn):
    inv = _inventory(request, pk)
    return _inv_out(services.set_options(request.user, inv, gwp_set=payload.gwp_set,
                                         previous_edition=payload.previous_edition), full=True)


@router.post("/inventories/{pk}/finalise", response=InventoryDetailOut)
def inventory_finalise(request, pk: int):
    inv = _inventory(request, pk)
    return _inv_out(services.finalise(request.user, inv), full=True)


@router.post("/inventories/{pk}/recompute", response=InventoryDetailOut)
def inventory_recompute(request, pk: int):
    inv = _inventory(request, pk)
    access.require(request.user, Action.CHANGE, inv)
    services.request_recompute(request.user, inv.organisation, inv.year)
    inv.refresh_from_db()
    return _inv_out(inv, full=True)


class ComputeIn(Schema):
    organisation: int
    year: int


@router.post("/inventories", response=InventoryDetailOut)
def compute(request, payload: ComputeIn):
    """Compute (or recompute) the inventory of an organisation and year from its verified records."""
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=payload.organisation)
    access.require(request.user, Action.CHANGE, org)
    inv = services.compute_inventory(org, payload.year, actor=request.user, reason="requested via the API")
    if inv is None:
        raise Http404
    return _inv_out(inv, full=True)


@router.get("/organisations/{org_id}/intensity", response=IntensityOut)
def intensity(request, org_id: int, year: int):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=org_id)
    return selectors.intensity(org, year)


@router.get("/organisations/{org_id}/trend", response=TrendOut)
def trend(request, org_id: int):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=org_id)
    return {"items": selectors.trend(org, request.user)}


@router.get("/estates/{estate_id}", response=EstateOut)
def estate_wide(request, estate_id: int, year: int):
    estate = access.get_or_404(request.user, Organisation.objects.filter(kind__in=["estate", "port"]), pk=estate_id)
    wide = selectors.estate_wide(estate, year, user=request.user)
    own = selectors.organisation_inventory(estate, year, user=request.user)
    if wide is not None:
        wide = {**wide, "organisations": [{k: v for k, v in o.items() if k != "organisation"} | {
            "name": o["organisation"].name} for o in wide["organisations"]]}
    return {"estate": estate.pk, "year": year, "estate_wide": wide,
            "operator_inventory": _inv_out(own) if own else None}


class SaleIn(Schema):
    year: int
    activity: str
    quantity: float  # 0 withdraws the declaration
    unit: str
    seller: Optional[int] = None  # default: the estate operator (its resale); else a member selling its own power
    note: str = ""


@router.put("/estates/{estate_id}/energy-sales", response=EnergySalesOut)
def energy_sales(request, estate_id: int, payload: SaleIn):
    """Declare the energy sold inside the estate in a year (reconciled with purchases): the
    operator's resale to members, or a member's own generation sold to other members."""
    estate = access.get_or_404(request.user, Organisation.objects.filter(kind__in=["estate", "port"]), pk=estate_id)
    seller = None
    if payload.seller is not None:
        seller = access.get_or_404(request.user, Organisation.objects.all(), pk=payload.seller)
    services.declare_energy_sale(request.user, estate, year=payload.year, activity=payload.activity,
                                 quantity=payload.quantity, unit=payload.unit, seller=seller, note=payload.note)
    return {"estate": estate.pk, "year": payload.year, "items": selectors.energy_sales(estate, payload.year)}


@router.get("/rollup", response=RollupOut)
def rollup(request, year: int):
    if not access.can(request.user, CarbonAction.ROLLUP):
        raise Http404
    r = selectors.rollup(year, request.user)
    r["estates"] = [{k: v for k, v in e.items() if k != "estate"} | {"name": e["estate"].name} for e in r["estates"]]
    return r


@router.get("/factor-sets", response=Page[FactorSetOut])
def list_factor_sets(request, limit: int = 50, offset: int = 0):
    return paginate(selectors.factor_sets(request.user), limit, offset, _set_out)


@router.post("/factor-sets", response=FactorSetOut)
def upload_factor_set(request, file: File[UploadedFile], name: Form[str], source: Form[str], edition: Form[str],
                      url: Form[str] = "", status: Form[str] = "user", organisation: Form[Optional[int]] = None):
    org = None
    if organisation:
        org = access.get_or_404(request.user, Organisation.objects.all(), pk=organisation)
    fs = services.upload_factor_set(request.user, data=file.read(), file_name=file.name or "factors.csv", name=name,
                                    source=source, edition=edition, url=url, status=status, organisation=org)
    return _set_out(fs)


@router.get("/factors", response=Page[FactorOut])
def list_factors(request, activity: Optional[str] = None, factor_set: Optional[int] = None, limit: int = 100,
                 offset: int = 0):
    sets = selectors.factor_sets(request.user)
    qs = Factor.objects.filter(factor_set__in=sets).order_by("factor_id")
    if activity:
        qs = qs.filter(activity=activity)
    if factor_set:
        qs = qs.filter(factor_set_id=factor_set)
    return paginate(qs, limit, offset, _factor_out)


@router.get("/factors/{pk}", response=FactorOut)
def get_factor(request, pk: int):
    f = Factor.objects.select_related("factor_set").filter(pk=pk).first()
    if f is None or not access.can(request.user, Action.VIEW, f):
        raise Http404
    return _factor_out(f)
