"""Demo data of the carbon capability, loaded by ecotown.core.demo after the registry and reporting:
the factor library, inventories of every organisation with verified records, the previous year of
factory-a made final, and — since factory-a's previous year is locked — one restated case (a locked
record amended through reporting's service, which tells results, which restates the inventory).
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


def load(ctx: dict) -> dict:
    from ecotown.carbon import services
    from ecotown.carbon.models import Inventory
    from ecotown.carbon.inputs import USED_STATES, record_model

    say = ctx["say"]
    services.sync_builtin_library(None)
    supplier = _supplier_set(ctx)
    Record = record_model()
    if Record is None:
        return {"inventories": 0}
    memo = _refrigerant_top_up(ctx, Record)
    pairs = set()
    for org_id, s, e in Record.objects.filter(is_current=True, state__in=USED_STATES).values_list(
            "organisation_id", "period_start", "period_end").distinct():
        for y in range(s.year, e.year + 1):
            pairs.add((org_id, y))
    from ecotown.registry.models import Organisation

    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={p[0] for p in pairs})}
    n = 0
    for org_id, y in sorted(pairs):
        if services.compute_inventory(orgs[org_id], y, reason="demo data") is not None:
            n += 1
    out = {"inventories": n, "memo_records": memo, "supplier_sets": int(supplier is not None)}
    a = ctx["fixed"].get("factory-a")
    approver = ctx["users"].get("approver-a")
    locked = Record.objects.filter(organisation=a, is_current=True, state="locked").order_by("period_start").first() if a else None
    if locked is not None and approver is not None:
        inv = Inventory.objects.get(organisation=a, year=locked.period_start.year)
        services.finalise(approver, inv)
        out["final"] = 1
        try:
            from django.db import transaction

            from ecotown.reporting import services as reporting

            with transaction.atomic():
                reporting.amend(approver, locked, {"quantity": locked.quantity * 2},
                                reason="Demo: corrected meter reading (synthetic)")
            # the hand-over enqueues the recompute; make sure it ran even with a database queue
            services.compute_inventory(a, locked.period_start.year, reason="Demo: locked record corrected", restated=True)
            out["restated"] = int(Inventory.objects.get(pk=inv.pk).status == "restated")
        except Exception as exc:  # reporting's rules refused the demo amendment: keep the final one
            say(f"carbon demo: no restated case ({exc})")
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
