"""Reads of stored carbon results (agreed names: organisation_inventory, estate_wide, intensity).

Pass `user` to filter by who is asking (pages and API always do); capability-to-capability calls
(e.g. assessment) may omit it and must apply their own access rules.
"""
from __future__ import annotations

from django.db.models import Q

from ecotown import access
from ecotown.registry.models import Organisation

from . import inputs, library
from .models import EstateResult, FactorSet, Inventory, InventoryLine, MonthResult

TOTAL_KEYS = ("co2e_t", "scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t", "biogenic_co2_t")


def organisation_inventory(org, year: int, user=None) -> Inventory | None:
    qs = Inventory.objects.filter(organisation=org, year=year)
    if user is not None:
        qs = access.visible(user, qs)
    return qs.first()


def inventories(user):
    return access.visible(user, Inventory.objects.select_related("organisation", "organisation__parent")).order_by(
        "-year", "organisation__name_th")


def lines(inv: Inventory, *, scope=None, category=None, gas=None, activity=None, basis="location"):
    qs = InventoryLine.objects.filter(inventory=inv).select_related("factor", "factor__factor_set")
    if basis:
        qs = qs.filter(basis=basis)
    for field, value in (("scope", scope), ("iso_category", category), ("gas", gas), ("activity", activity)):
        if value not in (None, ""):
            qs = qs.filter(**{field: value})
    return qs.order_by("period_start", "record_id", "gas", "id")


def by_activity(inv: Inventory) -> list[dict]:
    """t CO2e by source (activity) and scope, location-based, Kyoto gases."""
    out: dict[tuple, dict] = {}
    for ln in InventoryLine.objects.filter(inventory=inv, basis="location").values(
            "activity", "scope", "iso_category", "gas_kind", "co2e_t", "mass_t", "quantity", "period_share", "unit"):
        d = out.setdefault((ln["activity"], ln["scope"]), {"activity": ln["activity"], "scope": ln["scope"],
                                                           "iso_category": ln["iso_category"], "co2e_t": 0.0,
                                                           "biogenic_t": 0.0})
        if ln["gas_kind"] == "kyoto":
            d["co2e_t"] += ln["co2e_t"] or 0.0
        elif ln["gas_kind"] == "biogenic":
            d["biogenic_t"] += ln["mass_t"]
    return sorted(out.values(), key=lambda d: (d["scope"], -d["co2e_t"]))


def months(org, year: int) -> list[dict]:
    rows = {r["month"]: r for r in MonthResult.objects.filter(organisation=org, year=year).values()}
    return [rows.get(m, {"month": m, "co2e_t": 0.0, "scope1_t": 0.0, "scope2_location_t": 0.0, "scope3_t": 0.0})
            for m in range(1, 13)]


def trend(org, user=None) -> list[dict]:
    qs = Inventory.objects.filter(organisation=org)
    if user is not None:
        qs = access.visible(user, qs)
    return [{"year": i.year, "status": i.status, **{k: (i.totals or {}).get(k) for k in TOTAL_KEYS}}
            for i in qs.order_by("year")]


def _estate_visible(user, estate) -> bool:
    return user is None or access.can(user, access.Action.VIEW, estate)


RULE = ("sum of Scope 1 of every organisation in the estate + Scope 2 of energy imported into the estate: "
        "electricity the operator resold to members is counted once (in the members' Scope 2; the operator reports "
        "it in Scope 3 category 3) and power a member generated and sold to other members is counted once (in "
        "the seller's Scope 1, not again in the buyers' Scope 2); Scope 3 is not summed")


def estate_wide(estate, year: int, user=None) -> dict | None:
    """Estate-wide emissions: Σ Scope 1 of every organisation in the estate (operator included) +
    Scope 2 of energy imported into the estate, each kWh once (`RULE`). Scope 3 is listed per
    organisation and never summed. None when nothing has been computed."""
    if not _estate_visible(user, estate):
        return None
    res = {r.month: r for r in EstateResult.objects.filter(estate=estate, year=year)}
    if 0 not in res:
        return None
    y = res[0]
    orgs = []
    for r in (MonthResult.objects.filter(estate=estate, year=year, month=0).select_related("organisation")
              .order_by("-scope1_t", "organisation__name_th")):
        orgs.append({"organisation": r.organisation, "organisation_id": r.organisation_id,
                     "scope1_t": r.scope1_t, "scope2_location_t": r.scope2_location_t,
                     "scope2_resold_t": r.resold_scope2_t, "scope2_sold_to_members_t": r.internal_scope2_t,
                     "scope3_t": r.scope3_t, "is_operator": r.organisation_id == estate.pk})
    sales = energy_sales(estate, year)
    return {"estate_id": estate.pk, "year": year, "co2e_t": y.co2e_t, "scope1_t": y.scope1_t,
            "scope2_imported_t": y.scope2_imported_t, "scope2_sold_between_members_t": y.scope2_internal_t,
            "scope2_resold_t": round(sum(o["scope2_resold_t"] for o in orgs), 6), "sales": sales,
            "n_organisations": y.n_organisations,
            "months": [{"month": m, "co2e_t": res[m].co2e_t if m in res else 0.0,
                        "scope1_t": res[m].scope1_t if m in res else 0.0,
                        "scope2_imported_t": res[m].scope2_imported_t if m in res else 0.0} for m in range(1, 13)],
            "organisations": orgs, "gwp_set": library.rollup_gwp(),
            "rule": RULE}


def energy_sales(estate, year: int) -> list[dict]:
    """The estate's declared energy sales of the year (the operator's resale first)."""
    from .models import EstateEnergySale

    rows = EstateEnergySale.objects.filter(estate=estate, year=year).select_related("seller")
    return sorted(({"seller_id": s.seller_id, "seller": s.seller.name, "is_resale": s.is_resale,
                    "activity": s.activity, "quantity": float(s.quantity), "unit": s.unit} for s in rows),
                  key=lambda d: (not d["is_resale"], d["seller"], d["activity"]))


def rollup(year: int, user=None) -> dict:
    """The authority roll-up: estate-wide totals per estate and port, summed (no Scope 3)."""

    estates = Organisation.objects.filter(kind__in=["estate", "port"])
    if user is not None:
        estates = access.visible_orgs(user, estates)
    rows = (EstateResult.objects.filter(year=year, month=0, estate__in=estates)
            .select_related("estate", "estate__province").order_by("-co2e_t"))
    items = [{"estate": r.estate, "estate_id": r.estate_id, "co2e_t": r.co2e_t, "scope1_t": r.scope1_t,
              "scope2_imported_t": r.scope2_imported_t, "n_organisations": r.n_organisations} for r in rows]
    return {"year": year, "estates": items, "gwp_set": library.rollup_gwp(), "co2e_t": round(sum(i["co2e_t"] for i in items), 6),
            "scope1_t": round(sum(i["scope1_t"] for i in items), 6),
            "scope2_imported_t": round(sum(i["scope2_imported_t"] for i in items), 6)}


def years_available(user=None) -> list[int]:
    qs = Inventory.objects.all()
    if user is not None:
        qs = access.visible(user, qs)
    years = set(qs.values_list("year", flat=True).distinct())
    years |= set(EstateResult.objects.values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def scope12_location_t(totals: dict | None) -> float | None:
    """Scope 1 + Scope 2 (location-based) of an inventory's totals: the boundary of the KPIs
    `ghg.scope12_location_t` and `ghg.intensity_per_employee` (None without totals)."""
    if not totals or totals.get("scope1_t") is None:
        return None
    return round(totals["scope1_t"] + (totals.get("scope2_location_t") or 0.0), 6)


def employees(org_ids, year: int) -> dict[int, tuple[float, str]]:
    """{organisation id: (employees, source)} for the year: the average of its current verified
    monthly EmployeeRecords ("reported") when it has any, else the factory registry ("registry");
    organisations with neither are left out."""
    start, end = inputs.year_bounds(year)
    ids = list(org_ids)
    Emp = inputs.reported_model("EmployeeRecord")
    months: dict[int, list[int]] = {}
    for oid, n in Emp.objects.filter(organisation_id__in=ids, **inputs.COUNTED,
                                     month__gte=start, month__lte=end).values_list("organisation_id", "employees"):
        months.setdefault(oid, []).append(n)
    out = {oid: (sum(v) / len(v), "reported") for oid, v in months.items()}
    from ecotown.registry.models import FactoryDetail

    for oid, n in FactoryDetail.objects.filter(organisation_id__in=[i for i in ids if i not in out]).values_list(
            "organisation_id", "employees"):
        if n:
            out[oid] = (float(n), "registry")
    return out


def per_employee(org, year: int, *, estate_wide: bool | None = None) -> dict:
    """Scope 1 + 2 (location) t CO2e per employee, counting in the denominator the employees of the
    organisations whose emissions are in the numerator — one definition for the inventory page, the
    API and the KPI `ghg.intensity_per_employee`. An organisation: its inventory / its employees
    (`employees`). An estate (estate_wide, the default for estates and ports): the estate-wide total
    (`estate_wide`) / the employees of the organisations of the estate with a year result and
    verified activity records in the year. -> {co2e_t, employees, per_employee, organisation_ids,
    sources: {"reported": n, "registry": n, "unknown": n}}."""
    if estate_wide is None:
        estate_wide = org.kind in ("estate", "port")
    out = {"co2e_t": None, "employees": None, "per_employee": None, "organisation_ids": [],
           "sources": {"reported": 0, "registry": 0, "unknown": 0}}
    if estate_wide:
        out["co2e_t"] = (EstateResult.objects.filter(estate=org, year=year, month=0)
                         .values_list("co2e_t", flat=True).first())
        with_result = set(MonthResult.objects.filter(estate=org, year=year, month=0)
                          .values_list("organisation_id", flat=True))
        ids = sorted(reporting_organisations(with_result, year)) if with_result else []
    else:
        inv = organisation_inventory(org, year)
        out["co2e_t"] = scope12_location_t(inv.totals if inv else None)
        ids = [org.pk]
    if out["co2e_t"] is None:
        return out
    out["organisation_ids"] = ids
    known = employees(ids, year)
    for oid in ids:
        out["sources"][known[oid][1] if oid in known else "unknown"] += 1
    if known:
        out["employees"] = sum(v for v, _s in known.values())
        if out["employees"]:
            out["per_employee"] = out["co2e_t"] / out["employees"]
    return out


def months_reported(org_ids, year: int) -> dict[int, int]:
    """{organisation id: calendar months of the year with at least one counted activity record}
    (organisations without any are left out)."""
    start, end = inputs.year_bounds(year)
    covered: dict[int, set[int]] = {}
    for oid, s, e in (inputs.used_records_query(org_ids, start, end).order_by()
                      .values_list("organisation_id", "period_start", "period_end").distinct()):
        first = 1 if s < start else s.month
        last = 12 if e > end else e.month
        covered.setdefault(oid, set()).update(range(first, last + 1))
    return {oid: len(m) for oid, m in covered.items()}


def reporting_organisations(org_ids, year: int) -> set[int]:
    """Of `org_ids`, those with counted activity records in the year."""
    return set(months_reported(org_ids, year))


def intensity(org, year: int) -> dict:
    """t CO2e per unit of production (per product unit) and per employee. Per employee: Scope 1 +
    Scope 2 (location) of the organisation's inventory / its employees (`per_employee`, the KPI's
    definition); employees from reporting's verified EmployeeRecords when present, else the factory's
    registered employees."""
    inv = organisation_inventory(org, year)
    total = (inv.totals or {}).get("co2e_t") if inv else None
    out = {"organisation_id": org.pk, "year": year, "co2e_t": total, "per_employee": None, "employees": None,
           "employees_source": None, "per_unit": []}
    if total is None:
        return out
    start, end = inputs.year_bounds(year)
    pe = per_employee(org, year, estate_wide=False)
    if pe["employees"] is not None:
        out["employees"] = pe["employees"]
        out["employees_source"] = "EmployeeRecord" if pe["sources"]["reported"] else "FactoryDetail"
        out["per_employee"] = pe["per_employee"]
    Prod = inputs.reported_model("ProductionRecord")
    per: dict[tuple, float] = {}
    for pid, name, unit, q, s, e in Prod.objects.filter(
            organisation=org, **inputs.COUNTED, period_start__lte=end,
            period_end__gte=start).values_list("product_id", "product__name_en", "product__unit", "quantity",
                                               "period_start", "period_end"):
        _s, _e, part = inputs.clip_to(s, e, float(q), start, end)
        per[(pid, name, unit)] = per.get((pid, name, unit), 0.0) + part
    for (pid, name, unit), q in sorted(per.items(), key=lambda kv: kv[0][0]):
        out["per_unit"].append({"product_id": pid, "product": name, "unit": unit, "quantity": q,
                                "t_co2e_per_unit": total / q if q else None})
    return out


def factor_sets(user):
    visible = access.visible_orgs(user).values("pk")
    return FactorSet.objects.filter(Q(organisation__isnull=True) | Q(organisation__in=visible)).select_related(
        "organisation").order_by("kind", "name", "pk")


def supplier_set_orgs(user):
    """The organisations a user may upload a supplier-specific factor set for: those they may change."""
    orgs = access.visible_orgs(user, Organisation.objects.filter(kind__in=["factory", "waste_processor", "estate", "port"]))
    return access.policy_for(Organisation).changeable(access.principal(user), orgs)
