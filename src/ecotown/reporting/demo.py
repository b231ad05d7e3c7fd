"""Demo data of the reporting capability, loaded by ecotown.core.demo after the registry.

Synthetic monthly activity data (source "demo") for the factories of the demo estate and a few
certified estates — capped so `ecotown demo --factories 70000` stays fast: the previous year in full
(verified; factory-a's locked) and the current year up to last month in mixed states, with some
factories missing months (for the completeness view), a reporting calendar for both years and a
couple of quality flags. factory-a's current year is left for the user to report (the tour).
factory-b's previous year of production and employees comes in as two imports through the one pipeline
(`services.import_records`, kinds "production" and "employees"), so the tour can show those batches.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ecotown.core import history

MAX_PER_ESTATE = 40          # factories of the demo estate with data
OTHER_ESTATES = 3            # certified estates with data
MAX_PER_OTHER_ESTATE = 12
# (activity, unit, base quantity per employee per month)
PROFILE = [("grid_electricity", "kWh", 260.0), ("diesel", "L", 3.0), ("lpg", "kg", 1.2), ("water", "m3", 2.5)]


def load(ctx: dict) -> dict:
    from ecotown.core import recompute
    from ecotown.registry.models import Kind, Organisation

    from . import services
    from .models import ActivityRecord, Source, State

    rnd, say = ctx["rnd"], ctx["say"]
    today = timezone.localdate()
    year, prev = today.year, today.year - 1
    last_month = today.month - 1  # the current year's complete months
    for y in (prev, year):
        services.set_calendar(None, y, note="Demo calendar (synthetic): the 15th of the following month.")
    fixed = ctx["fixed"]
    demo_estate = ctx["demo_estate"]
    factories = list(Organisation.objects.filter(parent=demo_estate, kind=Kind.FACTORY).exclude(
        pk__in=[o.pk for o in fixed.values()]).select_related("factory").order_by("pk")[:MAX_PER_ESTATE])
    others = [e for e in ctx["estates"] if e.eco_level and e.kind == Kind.ESTATE and e.pk != demo_estate.pk][:OTHER_ESTATES]
    for e in others:
        factories += list(Organisation.objects.filter(parent=e, kind=Kind.FACTORY).select_related("factory")
                          .order_by("pk")[:MAX_PER_OTHER_ESTATE])
    a, b = fixed["factory-a"], fixed["factory-b"]
    all_orgs = [a, b] + factories
    periods = {y: services.periods_for(y) for y in (prev, year)}
    tz = timezone.get_current_timezone()
    approver = ctx["users"].get("approver-a")
    estate_mgr = ctx["users"].get("estate-manager")
    objs: list[ActivityRecord] = []

    def rec(org, y, m, activity, unit, qty, state, *, late=False):
        start = dt.date(y, m, 1)
        end = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        deadline = periods[y][m].deadline
        sub_day = deadline + dt.timedelta(days=rnd.randint(3, 20)) if late else deadline - dt.timedelta(days=rnd.randint(0, 10))
        submitted = None
        if state != State.DRAFT:
            submitted = dt.datetime.combine(min(sub_day, today), dt.time(10, 0), tzinfo=tz)
        verified = submitted + dt.timedelta(days=3) if state in (State.VERIFIED, State.LOCKED) else None
        objs.append(ActivityRecord(
            organisation=org, activity=activity, quantity=Decimal(str(round(qty, 1))), unit=unit, period_start=start,
            period_end=end, state=state, source=Source.DEMO, reason="synthetic demo data",
            is_counted=state in (State.VERIFIED, State.LOCKED),  # (a new series created verified: counted from birth)
            submitted_at=submitted, verified_at=verified,
            submitted_by=approver if org.pk == a.pk else None, verified_by=estate_mgr if org.parent_id == demo_estate.pk else None))

    for org in all_orgs:
        employees = (getattr(org, "factory", None) and org.factory.employees) or 300
        size = employees * rnd.uniform(0.7, 1.3)
        slow = rnd.random() < 0.25           # reports late
        stops_at = last_month if rnd.random() > 0.3 else max(0, last_month - rnd.randint(1, 3))  # some missing months
        for activity, unit, per_emp in PROFILE:
            if activity == "lpg" and rnd.random() < 0.5:
                continue
            base = size * per_emp
            for m in range(1, 13):
                season = 1.0 + 0.08 * (m in (4, 5, 6)) - 0.05 * (m in (12, 1))
                rec(org, prev, m, activity, unit, base * season * rnd.uniform(0.93, 1.07),
                    State.LOCKED if org.pk == a.pk else State.VERIFIED, late=slow and m % 4 == 0)
            if org.pk == a.pk:
                continue  # factory-a reports this year itself (the tour)
            for m in range(1, (stops_at if org.pk != b.pk else last_month) + 1):
                season = 1.0 + 0.08 * (m in (4, 5, 6)) - 0.05 * (m in (12, 1))
                qty = base * season * rnd.uniform(0.93, 1.07) * 1.03
                if org.pk == b.pk and activity == "grid_electricity" and m == last_month:
                    qty *= 1.8  # a spike: a year-on-year quality flag to acknowledge
                if org.pk == b.pk and activity == "water" and m == last_month - 3:
                    continue    # a gap: a missing-month quality flag
                state = State.VERIFIED if m <= last_month - 3 else (State.SUBMITTED if m <= last_month - 1 else State.DRAFT)
                if org.pk == b.pk and m >= last_month - 1:
                    state = State.DRAFT
                rec(org, year, m, activity, unit, qty, state, late=slow)
    created = history.bulk_create(None, objs, "demo data (synthetic)")
    n_flags = services.compute_flags([r for r in created if r.organisation_id == b.pk and r.period_start.year == year])
    say(f"{len(created)} synthetic activity records for {len(all_orgs)} factories, {n_flags} quality flags")
    done = [r for r in created if r.state in (State.VERIFIED, State.LOCKED)]
    if done:
        recompute.records_changed("activities", {r.organisation_id for r in done}, {r.period_start.year for r in done},
                                  reason="demo data")
    batches = _import_intensity_inputs(b, prev, rnd)
    say(f"production and employees of {b.name_en} for {prev} imported (imports {', '.join(str(x.pk) for x in batches)})")
    return {"activity_records": len(created), "quality_flags": n_flags, "intensity_imports": len(batches)}


def _import_intensity_inputs(org, year: int, rnd) -> list:
    """A year of production (each product) and employees as CSV files, imported like a user's upload."""
    import csv
    import io

    from . import services

    def as_csv(header, rows) -> bytes:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(header)
        w.writerows(rows)
        return out.getvalue().encode("utf-8")

    employees = (getattr(org, "factory", None) and org.factory.employees) or 300
    prod_rows = [[dt.date(year, m, 1).isoformat(), "", p.name_en, round(employees * rnd.uniform(8, 12), 1), "demo"]
                 for p in org.products.order_by("pk") for m in range(1, 13)]
    emp_rows = [[f"{year}-{m:02d}", employees + rnd.randint(-15, 15), "demo"] for m in range(1, 13)]
    batches = []
    if prod_rows:
        batches.append(services.import_records("production", None, org, as_csv(
            ("period_start", "period_end", "product", "quantity", "note"), prod_rows),
            name=f"production-{year}.csv").batch)
    batches.append(services.import_records("employees", None, org, as_csv(("month", "employees", "note"), emp_rows),
                                           name=f"employees-{year}.csv").batch)
    return batches
