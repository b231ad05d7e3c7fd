"""Reporting import at scale: a 100,000-row workbook through `import_activities` (every row checked, one
transaction, records + change history written) against a plain loop over the same workbook's rows with
openpyxl (read_only) — same machine, same run. Prints a markdown table.

    .venv/bin/python benchmarks/reporting_import.py [--rows 100000] [--repeat 3] [--database-url postgres://...]

Each measurement runs in its own process; peak memory is that process's peak RSS (ru_maxrss), and the
time is measured around the import call (or the read loop) only — start-up and migrations excluded.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
ACTIVITIES = [("grid_electricity", "kWh"), ("diesel", "L"), ("lpg", "kg"), ("water", "m3"), ("natural_gas", "MJ")]


def make_workbook(path: Path, rows: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(["period_start", "period_end", "activity", "quantity", "unit", "meter"])
    months = 360  # 1995-01 .. 2024-12, one series per (activity, meter)
    for i in range(rows):
        k, m = divmod(i, months)
        y, mm = 1995 + m // 12, m % 12 + 1
        start = dt.datetime(y, mm, 1)
        end = dt.datetime(y + (mm == 12), mm % 12 + 1, 1) - dt.timedelta(days=1)
        activity, unit = ACTIVITIES[k % len(ACTIVITIES)]
        ws.append([start, end, activity, 1000 + (i * 37) % 5000 + 0.25, unit, f"M{k}"])
    wb.save(path)


READ = r"""
import resource, sys, time
import openpyxl
t = time.perf_counter()
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
n = 0
for row in wb.worksheets[0].iter_rows(values_only=True):
    n += 1
wb.close()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n)
"""

IMPORT = r"""
import os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
import django; django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from ecotown.core import history
from ecotown.registry.models import FactoryDetail, Kind, Organisation
from ecotown.reporting import services
from ecotown.reporting.models import ActivityRecord
A = history.save(None, Organisation(kind=Kind.AUTHORITY, name_th="A", name_en="A"))
E = history.save(None, Organisation(kind=Kind.ESTATE, name_th="E", name_en="E", parent=A))
F = history.save(None, Organisation(kind=Kind.FACTORY, name_th="F", name_en="F (benchmark)", parent=E))
history.save(None, FactoryDetail(organisation=F, diw_number="10200000125456"))
data = open(sys.argv[1], "rb").read()
from ecotown.reporting.imports import Catalogue
Catalogue.get()  # (the unit registry is loaded once per process, like in a server)
t = time.perf_counter()
result = services.import_activities(None, F, data, name="bench.xlsx")
elapsed = time.perf_counter() - t
assert ActivityRecord.objects.filter(organisation=F).count() == result.accepted
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, result.accepted)
"""


def run(code: str, path: Path, env: dict) -> tuple[float, int, int]:
    out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    t, rss, n = out.stdout.strip().splitlines()[-1].split()
    return float(t), int(rss), int(n)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", default="", help="PostgreSQL URL of an EMPTY scratch database (default: SQLite)")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"reporting-{args.rows}.xlsx"
    if not path.exists():
        make_workbook(path, args.rows)
    reads, imports = [], []
    for _ in range(args.repeat):
        reads.append(run(READ, path, dict(os.environ)))
        data = tempfile.mkdtemp(prefix="ecotown-bench-")
        env = {**os.environ, "ECOTOWN_DATA_DIR": data, "ECOTOWN_TESTING": "0"}
        env.pop("DATABASE_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            subprocess.run([sys.executable, "-m", "ecotown.cli", "manage", "flush", "--no-input"], env=env, check=True,
                           capture_output=True)
        imports.append(run(IMPORT, path, env))
    rt = statistics.median(r[0] for r in reads)
    it = statistics.median(r[0] for r in imports)
    rm = max(r[1] for r in reads) / 1024
    im = max(r[1] for r in imports) / 1024
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"| {args.rows:,} rows ({db}), median of {args.repeat} | time (s) | peak RSS (MiB) |")
    print("|---|---:|---:|")
    print(f"| plain openpyxl read_only loop | {rt:.2f} | {rm:.0f} |")
    print(f"| `import_activities` (check, save, history) | {it:.2f} | {im:.0f} |")
    print(f"| ratio import / read | {it / rt:.2f} | {im / rm:.2f} |")
    print(json.dumps({"rows": args.rows, "read_s": reads, "import_s": imports}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
