"""Demo data of the carbon capability, loaded by ecotown.core.demo after the registry and reporting:
the factor library, inventories of every organisation with verified records, the previous year of
factory-a made final, and — since factory-a's previous year is locked — one restated case (a locked
record amended through reporting's service, which tells results, which restates the inventory)."""


def load(ctx: dict) -> dict:
    from ecotown.carbon import services
    from ecotown.carbon.models import Inventory
    from ecotown.carbon.inputs import USED_STATES, record_model

    say = ctx["say"]
    services.sync_builtin_library(None)
    Record = record_model()
    if Record is None:
        return {"inventories": 0}
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
    out = {"inventories": n}
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
