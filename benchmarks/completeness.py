"""Completeness matrix (factories × months) at 400 vs 70,000 factories, same machine, same run.
Prints a markdown table; the target is < 300 ms per page at 400 factories.

    .venv/bin/python benchmarks/completeness.py [--small 400] [--large 70000] [--repeat 7] [--reuse DIR]

For each size: `ecotown demo --factories N` into a fresh SQLite database (a temporary folder), then
BENCHMARK-ONLY FAST LOADER: one year of monthly activity records for EVERY factory (electricity and
diesel, states mixed: verified, submitted, draft, some months missing) written straight into
reporting's table with executemany — no services, no change history (the platform never writes
records this way; the demo caps its own reporting data to a few estates). Then the pages are requested
in-process through Django's test client as the authority officer (every factory: the worst case) and
as the estate manager; median of --repeat requests. The export is timed once per user (it writes
every row of the filter, not a page).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _demo_db import measure, run_demo

YEAR_OFFSET = 1  # last year: every deadline passed, all five states but "not reported" occur

PAGES = [
    ("matrix, first page", "/reporting/completeness/matrix/?year=YEAR"),
    ("matrix, page 20", "/reporting/completeness/matrix/?year=YEAR&page=20"),
    ("matrix, state late in March", "/reporting/completeness/matrix/?year=YEAR&state=late&month=3"),
    ("matrix, state late in any month", "/reporting/completeness/matrix/?year=YEAR&state=late"),
    ("matrix, search 'auto'", "/reporting/completeness/matrix/?year=YEAR&q=auto"),
]

LOAD_AND_MEASURE = r"""
import datetime as dt, json, os, random, statistics, sys, time, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)   # (a database kept with --reuse gets the current schema)
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from ecotown.accounts.models import User
from ecotown.registry.models import Organisation
pages = json.loads(sys.argv[1]); repeat = int(sys.argv[2])
year = timezone.localdate().year - 1
# --- BENCHMARK ONLY: records for every factory, straight into the table -------------------------
rnd = random.Random(7)
from ecotown.reporting.models import ActivityRecord
has = set(ActivityRecord.objects.filter(period_start__year=year).values_list("organisation_id", flat=True))
ids = [pk for pk in Organisation.objects.filter(kind="factory").values_list("pk", flat=True) if pk not in has]
cols = ("state", "series", "version", "is_current", "is_counted", "reason", "source", "created_at", "organisation_id",
        "activity", "quantity", "unit", "period_start", "period_end", "meter", "data_source")
sql = f"INSERT INTO reporting_activityrecord ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
now = timezone.now()
t0 = time.perf_counter()
rows = []
n = 0
with connection.cursor() as cur:
    cur.execute("PRAGMA synchronous=OFF")
    for org in ids:
        stops = 12 if rnd.random() > 0.3 else rnd.randint(6, 11)
        for m in range(1, stops + 1):
            start = dt.date(year, m, 1)
            end = dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
            state = rnd.choices(["verified", "submitted", "draft"], [70, 20, 10])[0]
            for act, unit in (("grid_electricity", "kWh"), ("diesel", "L")):
                rows.append((state, uuid.uuid4().hex, 1, True, state == "verified", "", "demo", now, org, act,
                             rnd.randint(100, 99999), unit, start, end, "", ""))
        if len(rows) > 50000:
            with transaction.atomic():
                cur.executemany(sql, rows)
            n += len(rows); rows = []
    with transaction.atomic():
        cur.executemany(sql, rows)
    n += len(rows)
    cur.execute("PRAGMA synchronous=NORMAL")
load_s = time.perf_counter() - t0
# records written around the pipeline: the month states are rebuilt from them, as after a restore
from ecotown.reporting import month_states
t0 = time.perf_counter()
month_states.rebuild()
rebuild_s = time.perf_counter() - t0
with connection.cursor() as cur:
    cur.execute("ANALYZE")
out = {"_records": ActivityRecord.objects.filter(period_start__year=year).count(), "_load_s": load_s,
       "_rebuild_s": rebuild_s, "_factories": Organisation.objects.filter(kind="factory").count()}
for who in ("officer", "estate-manager"):
    c = Client(); c.force_login(User.objects.get(username=who))
    for label, url in pages:
        url = url.replace("YEAR", str(year))
        c.get(url, HTTP_HOST="127.0.0.1")  # warm
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); r = c.get(url, HTTP_HOST="127.0.0.1"); times.append(time.perf_counter() - t)
            assert r.status_code == 200, (url, r.status_code)
        out[f"{who}|{label}"] = statistics.median(times) * 1000
    # the export of every row: what the worker runs for a big filter (the page only queues it)
    from ecotown.reporting import matrix, matrix_export
    t = time.perf_counter()
    built = matrix_export.build(User.objects.get(username=who), matrix.Filter(year=year), "th")
    out[f"{who}|Excel export, every row (the worker's job, once)"] = (time.perf_counter() - t) * 1000
    out[f"_export_rows_{who}"] = built.rows
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=400)
    ap.add_argument("--large", type=int, default=70000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--reuse", type=Path, help="a folder of an earlier run: keep its databases (no new demo, no load)")
    args = ap.parse_args()
    root = args.reuse or Path(tempfile.mkdtemp(prefix="ecotown-bench-completeness-"))
    print(f"databases in {root}", file=sys.stderr)
    results = {}
    for n in (args.small, args.large):
        data = root / str(n)
        if not (data / "ecotown.sqlite3").exists():
            data.mkdir(exist_ok=True)
            run_demo(n, data)
        results[n] = measure(data, LOAD_AND_MEASURE, PAGES, args.repeat)
        print(f"{n} factories: {results[n]['_records']:,} records loaded in {results[n]['_load_s']:.1f} s, "
              f"month states rebuilt in {results[n]['_rebuild_s']:.1f} s", file=sys.stderr)
    s, l = results[args.small], results[args.large]
    print(f"\n| | {s['_factories']:,} factories | {l['_factories']:,} factories | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| activity records of the year | {s['_records']:,} | {l['_records']:,} | |")
    print(f"| month states rebuilt from them (s, once) | {s['_rebuild_s']:.1f} | {l['_rebuild_s']:.1f} | |")
    for who in ("officer", "estate-manager"):
        print(f"| rows of the export as {who} | {s['_export_rows_' + who]:,} | {l['_export_rows_' + who]:,} | |")
    for key in s:
        if key.startswith("_"):
            continue
        who, label = key.split("|")
        a, b = s[key], l[key]
        unit = "ms" if "once" in label else f"ms, median of {args.repeat}"
        print(f"| {label} as {who} ({unit}) | {a:.1f} | {b:.1f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
