"""GHG incremental recompute: with N activity records stored, time 100 random edits of one
factory-month (save the record + update that factory's and its estate's monthly and yearly
results), p95 ≤ 50 ms, printed beside a full recompute of that estate for the year.

    .venv/bin/python benchmarks/carbon_incremental.py [--records 10000000] [--estate-factories 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecotown_bench .venv/bin/python benchmarks/carbon_incremental.py

SQLite runs in a throw-away data directory; PostgreSQL uses DATABASE_URL (the database is flushed:
never point it at real data). Records are generated with bulk inserts (no change records for the
generated rows; the timed edits do write their change records, as the platform does).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal

ACTIVITIES = [("grid_electricity", "kWh"), ("diesel", "L"), ("lpg", "kg"), ("natural_gas", "MJ"), ("fuel_oil_c", "L"),
              ("gasoline_mobile", "L"), ("diesel_mobile", "L"), ("refrigerant_r32", "kg"), ("wood", "kg"), ("lignite", "kg")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--estate-factories", type=int, default=300, help="factories in the measured estate")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2569)
    args = ap.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["ECOTOWN_DATA_DIR"] = tempfile.mkdtemp(prefix="ecotown-carbon-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
    os.environ["ECOTOWN_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ecotown.carbon import services
    from ecotown.core import history
    from ecotown.registry.models import Kind, Organisation
    from ecotown.reporting.models import ActivityRecord

    call_command("migrate", interactive=False, verbosity=0)
    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    from ecotown.registry.reference import load as load_reference

    load_reference()
    rnd = random.Random(args.seed)
    t0 = time.monotonic()
    per_factory = args.years * 12 * len(ACTIVITIES)
    n_factories = max(args.estate_factories, args.records // per_factory)
    authority = history.save(None, Organisation(kind=Kind.AUTHORITY, name_th="กนอ.", name_en="Authority", code="A"))
    n_estates = max(1, n_factories // args.estate_factories)
    estates = history.bulk_create(None, [Organisation(kind=Kind.ESTATE, name_th=f"นิคม {i}", name_en=f"Estate {i}",
                                                      code=f"E{i}", parent=authority) for i in range(n_estates)])
    facs = []
    for i in range(n_factories):
        facs.append(Organisation(kind=Kind.FACTORY, name_th=f"โรงงาน {i}", name_en=f"Factory {i}",
                                 parent=estates[min(i // args.estate_factories, n_estates - 1)]))
    facs = history.bulk_create(None, facs, batch_size=5000)
    services.sync_builtin_library(None)
    first_year = 2026 - args.years + 1
    months = []
    for y in range(first_year, 2027):
        for m in range(1, 13):
            s = dt.date(y, m, 1)
            months.append((s, dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)))
    batch, written = [], 0
    with history.writing():
        for f in facs:
            for s, e in months:
                for act, unit in ACTIVITIES:
                    if written + len(batch) >= args.records:
                        break
                    batch.append(ActivityRecord(organisation_id=f.pk, activity=act, unit=unit, period_start=s, period_end=e,
                                                quantity=Decimal(rnd.randint(1, 99999)), state="verified",
                                                series=uuid.uuid4()))
                if len(batch) >= 20000:
                    ActivityRecord.objects.bulk_create(batch, batch_size=20000)
                    written += len(batch)
                    batch = []
            if written + len(batch) >= args.records:
                break
        if batch:
            ActivityRecord.objects.bulk_create(batch, batch_size=20000)
            written += len(batch)
    load_s = time.monotonic() - t0
    estate = estates[0]
    year = 2025
    t = time.monotonic()
    services.recompute_estate_full(estate, year)
    full_s = time.monotonic() - t
    ids = list(ActivityRecord.objects.filter(organisation__parent=estate, period_start__year=year).values_list("pk", flat=True))
    times = []
    for _ in range(args.edits):
        pk = rnd.choice(ids)
        t = time.perf_counter()
        rec = ActivityRecord.objects.select_related("organisation").get(pk=pk)
        rec.quantity = Decimal(rnd.randint(1, 99999))
        history.save(None, rec, "benchmark edit", validate=False)
        services.refresh_months(rec.organisation, year, [rec.period_start.month])
        times.append((time.perf_counter() - t) * 1000)
    # check: incremental results equal a full recompute
    from ecotown.carbon.models import EstateResult

    inc = list(EstateResult.objects.filter(estate=estate, year=year).order_by("month").values_list("co2e_t", flat=True))
    services.recompute_estate_full(estate, year)
    full = list(EstateResult.objects.filter(estate=estate, year=year).order_by("month").values_list("co2e_t", flat=True))
    times.sort()
    p95 = times[int(round(0.95 * len(times))) - 1]
    n_estate = ActivityRecord.objects.filter(organisation__parent=estate, period_start__year=year).count()
    backend = connection.vendor
    print("\n## GHG incremental recompute\n")
    print(f"| database | records stored | factories | estate's records in {year} | edits | p50 ms | p95 ms | max ms | "
          f"full recompute of the estate (s) | incremental = full |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {backend} | {written:,} | {n_factories:,} | {n_estate:,} | {len(times)} | {statistics.median(times):.1f} | "
          f"{p95:.1f} | {times[-1]:.1f} | {full_s:.2f} | {'yes' if inc == full else 'NO'} |")
    print(f"\n(data generated in {load_s:.0f} s; target p95 ≤ 50 ms: {'met' if p95 <= 50 else 'NOT met'})")
    return 0 if inc == full else 1


if __name__ == "__main__":
    sys.exit(main())
