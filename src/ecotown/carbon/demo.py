"""Demo data of the carbon capability, loaded by ecotown.core.demo after the registry and reporting:
the factor library, inventories of every organisation with counted records, the previous year of
factory-a made final, and — since factory-a's previous year is locked — one restated case and one
pending correction, both through reporting's four-eyes path:

1. a locked grid-electricity record is corrected by factory-a's preparer (a new draft version; the
   locked version keeps counting), submitted by factory-a's approver and verified by the estate manager:
   the correction then counts, and the final inventory is restated UP by exactly what it added;
2. a second locked record is corrected and submitted but not verified: the inventory shows it as a
   pending correction with its size, its totals unchanged.

factory-b has a supplier-specific set (a synthetic green tariff, market basis): its market-based
Scope 2 uses it, its location-based Scope 2 stays the grid average."""

#: synthetic supplier-specific factor of factory-b (a green tariff: market-based Scope 2 only)
GREEN_TARIFF = ("activity,gas,value,unit,scope,basis,source,status\n"
                "grid_electricity,CO2e,0.12,kg/kWh,2,market,Demo green electricity tariff (synthetic),supplier\n")


def _supplier_set(ctx: dict):
    from ecotown.carbon import services

    b, actor = ctx["fixed"].get("factory-b"), ctx["users"].get("authority")
    if b is None or actor is None:
        return None
    return services.upload_factor_set(actor, data=GREEN_TARIFF.encode(), file_name="green-tariff-demo.csv",
                                      name="Green tariff (synthetic)", source="Demo electricity supplier (synthetic)",
                                      edition="demo", status="supplier", organisation=b)


def _correct(preparer, approver, record, factor: float, reason: str):
    """A correction of `record` by the preparer (its quantity × factor), flags acknowledged, submitted by
    the approver; returns the new version (submitted)."""
    from ecotown.reporting import services as reporting

    new = reporting.amend(preparer, record, {"quantity": record.quantity * factor}, reason=reason)
    for flag in new.flags.filter(acknowledged_at__isnull=True):
        reporting.acknowledge_flag(preparer, flag, "Demo: checked against the corrected meter reading (synthetic)")
    reporting.submit(approver, [new])
    return new


def load(ctx: dict) -> dict:
    from decimal import Decimal

    from django.db import transaction

    from ecotown.carbon import services
    from ecotown.carbon.inputs import COUNTED, record_model
    from ecotown.carbon.models import Inventory
    from ecotown.registry.models import Organisation
    from ecotown.reporting import services as reporting

    say = ctx["say"]
    services.sync_builtin_library(None)
    supplier = _supplier_set(ctx)
    Record = record_model()
    memo = _refrigerant_top_up(ctx, Record)
    pairs = set()
    for org_id, s, e in Record.objects.filter(**COUNTED).values_list("organisation_id", "period_start",
                                                                   "period_end").distinct():
        for y in range(s.year, e.year + 1):
            pairs.add((org_id, y))
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={p[0] for p in pairs})}
    n = 0
    for org_id, y in sorted(pairs):
        if services.compute_inventory(orgs[org_id], y, reason="demo data") is not None:
            n += 1
    out = {"inventories": n, "memo_records": memo, "supplier_sets": int(supplier is not None)}
    users = ctx["users"]
    a = ctx["fixed"].get("factory-a")
    preparer, approver, verifier = users.get("factory-a"), users.get("approver-a"), users.get("estate-manager")
    locked = []
    if a is not None:
        qs = Record.objects.filter(organisation=a, is_current=True, state="locked")
        locked = list(qs.filter(activity="grid_electricity").order_by("period_start", "meter", "pk")[:2]) or list(
            qs.order_by("period_start", "activity", "meter", "pk")[:2])
    if locked and preparer is not None and approver is not None and verifier is not None:
        year = locked[0].period_start.year
        inv = Inventory.objects.get(organisation=a, year=year)
        services.finalise(approver, inv)
        out["final"] = 1
        before = Inventory.objects.get(pk=inv.pk).totals["co2e_t"]
        with transaction.atomic():
            first = _correct(preparer, approver, locked[0], Decimal("2"), "Demo: corrected meter reading (synthetic)")
        # the hand-over enqueues the recompute; make sure it ran even with a database queue
        pending = services.compute_inventory(a, year, reason="Demo: correction submitted").pending_corrections
        added = pending["co2e_delta_t"]
        with transaction.atomic():
            reporting.verify(verifier, [first])
        inv = services.compute_inventory(a, year, reason="ตัวอย่าง: แก้ไขข้อมูลที่ล็อกแล้ว (Demo: locked record corrected)")
        out["restated"] = int(inv.status == "restated")
        out["restated_delta_t"] = round(inv.totals["co2e_t"] - before, 6)
        say(f"carbon demo: {a.name_en} {year} restated {before:,.3f} → {inv.totals['co2e_t']:,.3f} t CO2e "
            f"(the verified correction added {added:+,.3f} t)")
        if len(locked) > 1:
            with transaction.atomic():
                _correct(preparer, approver, locked[1], Decimal("1.1"), "Demo: late invoice (synthetic)")
            inv = services.compute_inventory(a, year, reason="Demo: second correction submitted")
            out["pending_corrections"] = inv.pending_corrections.get("n", 0)
            say(f"carbon demo: a pending correction of {inv.pending_corrections.get('co2e_delta_t', 0):+,.3f} t CO2e "
                f"awaits verification")
    say(f"{n} GHG inventories")
    return out


def _refrigerant_top_up(ctx: dict, Record) -> int:
    """A synthetic R-22 (HCFC-22) top-up for factory-a's previous year, entered, submitted and verified
    through reporting's services, so the demo inventory discloses a memo gas (next to the exclusion of
    its tap water, which has no factor in the library)."""
    import datetime as dt

    from django.db import transaction

    from ecotown.reporting import services as reporting

    a, approver, verifier = (ctx["fixed"].get("factory-a"), ctx["users"].get("approver-a"),
                             ctx["users"].get("estate-manager"))
    first = Record.objects.filter(organisation=a, is_current=True).order_by("period_start").first() if a else None
    if first is None or approver is None or verifier is None:
        return 0
    year = first.period_start.year
    try:
        with transaction.atomic():
            rec = reporting.save_one("activities", approver, a, {
                "period_start": dt.date(year, 6, 1), "period_end": dt.date(year, 6, 30),
                "activity": "refrigerant_r22", "quantity": 3.5, "unit": "kg",
                "note": "Demo: R-22 chiller top-up (synthetic)"}, reason="demo data (synthetic)")
            reporting.submit(approver, [rec])
            reporting.verify(verifier, [rec])
    except Exception as exc:  # reporting's rules refused it: the demo goes on without a memo gas
        ctx["say"](f"carbon demo: no R-22 record ({exc})")
        return 0
    return 1
