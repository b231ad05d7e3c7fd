"""GHG incremental recompute: with N activity records stored, time 100 random edits of one
factory-month (save the record + update that factory's and its estate's monthly and yearly
results), p95 ≤ 50 ms, printed beside a full recompute of that estate for the year.

    .venv/bin/python benchmarks/carbon_incremental.py --db sqlite [--records 10000000]
    .venv/bin/python benchmarks/carbon_incremental.py --db postgresql [--records 10000000]

Always a THROW-AWAY database: SQLite in a temporary folder; PostgreSQL in a database named
`ecotown_carbon_bench` that this script creates and drops (server from --pg-server, default
postgres://postgres@127.0.0.1:5432). DATABASE_URL from the environment is ignored on purpose, so
it can never point at the test or demo database. `--keep` leaves the database for inspection.

BENCHMARK-ONLY FAST LOADER: the generated activity records are written straight into reporting's
table (`reporting_activityrecord`) — PostgreSQL with COPY (psycopg `cursor.copy`), SQLite with
executemany in large transactions and PRAGMA synchronous=OFF / journal_mode=OFF on the benchmark
file only (restored to the platform's WAL / synchronous=NORMAL before anything is timed). It
bypasses services and the change history on purpose (no ChangeRecord per generated row); the
platform never writes records this way. Organisations and the factor library are created through
the normal services. The TIMED edits go through the platform's normal path: `history.save` of the
record (with its change record) and `carbon.services.refresh_months`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal

ACTIVITIES = [("grid_electricity", "kWh"), ("diesel", "L"), ("lpg", "kg"), ("natural_gas", "MJ"), ("fuel_oil_c", "L"),
              ("gasoline_mobile", "L"), ("diesel_mobile", "L"), ("refrigerant_r32", "kg"), ("wood", "kg"), ("lignite", "kg")]
BENCH_DB = "ecotown_carbon_bench"
COLUMNS = ("state", "series", "version", "is_current", "reason", "source", "created_at", "verified_at",
           "organisation_id", "activity", "quantity", "unit", "period_start", "period_end", "meter", "is_counted",
           "data_source")


def _months(first_year: int, last_year: int) -> list[tuple[str, str]]:
    out = []
    for y in range(first_year, last_year + 1):
        for m in range(1, 13):
            s = dt.date(y, m, 1)
            out.append((s.isoformat(), (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()))
    return out


def generate(factory_ids, months, n: int, rnd: random.Random, stamp: str, true_value):
    """Rows (in COLUMNS order) of verified monthly records: each factory x month x activity, up to n.
    Series ids are a random base + a counter (time-ordered like UUIDv7, so the loader appends to the
    series indexes instead of writing at random places; the timed edits do not depend on it)."""
    written = 0
    base = rnd.getrandbits(127)
    for org in factory_ids:
        for s, e in months:
            for act, unit in ACTIVITIES:
                if written >= n:
                    return
                yield ("verified", f"{base + written:032x}", 1, true_value, "", "demo", stamp, stamp, org, act,
                       rnd.randint(1, 99999), unit, s, e, "", true_value, "")
                written += 1


def load_postgresql(connection, rows, chunk_rows: int = 1_000_000) -> int:
    """BENCHMARK ONLY: COPY rows into reporting_activityrecord, one transaction per chunk."""
    connection.ensure_connection()
    raw = connection.connection
    sql = f"COPY reporting_activityrecord ({', '.join(COLUMNS)}) FROM STDIN"
    n, done = 0, False
    while not done:
        in_chunk = 0
        with raw.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            with cur.copy(sql) as cp:
                buf = []
                for row in rows:
                    buf.append("\t".join(map(str, row)))
                    in_chunk += 1
                    if len(buf) >= 50_000:
                        cp.write("\n".join(buf) + "\n")
                        buf = []
                    if in_chunk >= chunk_rows:
                        break
                else:
                    done = True
                if buf:
                    cp.write("\n".join(buf) + "\n")
        raw.commit()
        n += in_chunk
        print(f"  … {n:,} rows", file=sys.stderr, flush=True)
    return n


def load_sqlite(path: str, rows, chunk_rows: int = 500_000) -> int:
    """BENCHMARK ONLY: executemany into reporting_activityrecord with synchronous=OFF, journal_mode=OFF
    on this throw-away file, then back to the platform's WAL / synchronous=NORMAL."""
    import itertools
    import sqlite3

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")  # 1 GB page cache while loading
    sql = (f"INSERT INTO reporting_activityrecord ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(COLUMNS))})")
    n = 0
    while True:
        chunk = list(itertools.islice(rows, chunk_rows))
        if not chunk:
            break
        con.execute("BEGIN")
        con.executemany(sql, chunk)
        con.execute("COMMIT")
        n += len(chunk)
        print(f"  … {n:,} rows", file=sys.stderr, flush=True)
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.close()
    return n


def _create_pg_database(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        con.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{server}/{BENCH_DB}"


def _drop_pg_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--pg-server", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--estate-factories", type=int, default=300, help="factories in the measured estate")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2569)
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = ap.parse_args()
    os.environ.pop("DATABASE_URL", None)  # never the test or demo database
    data_dir = tempfile.mkdtemp(prefix="ecotown-carbon-bench-")
    os.environ["ECOTOWN_DATA_DIR"] = data_dir
    if args.db == "postgresql":
        os.environ["DATABASE_URL"] = _create_pg_database(args.pg_server)
    try:
        return run(args, data_dir)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"(kept: {os.environ.get('DATABASE_URL') or data_dir})", file=sys.stderr)
        else:
            if args.db == "postgresql":
                _drop_pg_database(args.pg_server)
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args, data_dir: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
    os.environ["ECOTOWN_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecotown.carbon import services
    from ecotown.carbon.models import EstateResult, MonthResult
    from ecotown.core import history
    from ecotown.registry.models import Kind, Organisation
    from ecotown.registry.reference import load as load_reference
    from ecotown.reporting.models import ActivityRecord

    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    rnd = random.Random(args.seed)
    t0 = time.monotonic()
    per_factory = args.years * 12 * len(ACTIVITIES)
    n_factories = max(args.estate_factories, -(-args.records // per_factory))
    authority = history.save(None, Organisation(kind=Kind.AUTHORITY, name_th="กนอ.", name_en="Authority", code="A"))
    n_estates = max(1, n_factories // args.estate_factories)
    estates = history.bulk_create(None, [Organisation(kind=Kind.ESTATE, name_th=f"นิคม {i}", name_en=f"Estate {i}",
                                                      code=f"E{i}", parent=authority) for i in range(n_estates)])
    facs = [Organisation(kind=Kind.FACTORY, name_th=f"โรงงาน {i}", name_en=f"Factory {i}",
                         parent=estates[min(i // args.estate_factories, n_estates - 1)]) for i in range(n_factories)]
    facs = history.bulk_create(None, facs, batch_size=5000)
    services.sync_builtin_library(None)
    orgs_s = time.monotonic() - t0
    months = _months(2026 - args.years + 1, 2026)
    stamp = "2026-01-15 00:00:00+00:00" if connection.vendor == "postgresql" else "2026-01-15 00:00:00"
    t = time.monotonic()
    if connection.vendor == "postgresql":
        rows = generate([f.pk for f in facs], months, args.records, rnd, stamp, "t")
        written = load_postgresql(connection, rows)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE reporting_activityrecord")
    else:
        path = connection.settings_dict["NAME"]
        connection.close()
        rows = generate([f.pk for f in facs], months, args.records, rnd, stamp, 1)
        written = load_sqlite(str(path), rows)
    load_s = time.monotonic() - t
    print(f"organisations + library {orgs_s:.0f} s; {written:,} records loaded in {load_s:.0f} s "
          f"({written / max(load_s, 1e-9):,.0f} rows/s)", file=sys.stderr, flush=True)
    estate = estates[0]
    year = 2025
    t = time.monotonic()
    services.recompute_estate_full(estate, year)
    full_first_s = time.monotonic() - t
    ids = list(ActivityRecord.objects.filter(organisation__parent=estate, period_start__year=year)
               .values_list("pk", flat=True))
    times, queries = [], []
    for _ in range(args.edits):
        pk = rnd.choice(ids)
        with CaptureQueriesContext(connection) as cq:
            t = time.perf_counter()
            rec = ActivityRecord.objects.select_related("organisation").get(pk=pk)
            rec.quantity = Decimal(rnd.randint(1, 99999))
            history.save(None, rec, "benchmark edit", validate=False)  # the record + its change record
            services.refresh_months(rec.organisation, year, [rec.period_start.month])
            times.append((time.perf_counter() - t) * 1000)
        queries.append(len([q for q in cq.captured_queries if q["sql"] not in ("BEGIN", "BEGIN IMMEDIATE")]))

    def snapshot():
        m = sorted(MonthResult.objects.filter(estate=estate, year=year).values_list(
            "organisation_id", "month", "scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t",
            "biogenic_co2_t", "internal_scope2_t", "co2e_t"))
        e = sorted(EstateResult.objects.filter(estate=estate, year=year).values_list(
            "month", "scope1_t", "scope2_imported_t", "scope2_internal_t", "co2e_t", "n_organisations"))
        return m, e

    inc = snapshot()
    t = time.monotonic()
    services.recompute_estate_full(estate, year)
    full_s = time.monotonic() - t
    full = snapshot()
    same = inc == full and len(full[1]) == 13
    times.sort()
    p95 = times[int(round(0.95 * len(times))) - 1]
    n_estate = ActivityRecord.objects.filter(organisation__parent=estate, period_start__year=year).count()
    total = ActivityRecord.objects.count()
    print("\n## GHG incremental recompute\n")
    print(f"| database | records stored | factories | estate's records in {year} | edits | statements per edit | "
          f"p50 ms | p95 ms | max ms | full recompute of the estate (s) | incremental = full |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {connection.vendor} | {total:,} | {n_factories:,} | {n_estate:,} | {len(times)} | "
          f"{statistics.median(queries):.0f} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} | "
          f"{full_s:.2f} | {'yes' if same else 'NO'} |")
    print(f"\n(load {load_s:.0f} s at {written / max(load_s, 1e-9):,.0f} rows/s; first full recompute "
          f"{full_first_s:.2f} s; target p95 ≤ 50 ms: {'met' if p95 <= 50 else 'NOT met'})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
