#!/usr/bin/env python3
"""GHG national recompute: `ecotown ghg calc` on N activity rows vs one hand-written DuckDB query.

Usage: python benchmarks/ghg_national.py [--dataset national|wide|both] [--rows 40000000] [--repeat 3]
                                         [--threads 2] [--ecotown PATH] [--before PATH]

Two data sets (by default both, one table each):

- **national**: benchmarks/out/national_<rows>.parquet, ~70,000 organisations x 60 months x 10
  activities at 40M rows, each organisation reporting each activity in one of several units
  (kWh/MWh, L/m3/gallon, MJ/GJ/mmBtu, kg/t/short_ton, kg/lb, kg/g), with the 16-row factor CSV below
  (per-TJ factors needing the built-in NCV of lignite, the R-410A blend, biogenic CO2, Scope 2 and 3).
- **wide**: benchmarks/out/wide_<rows>.parquet, 200 activities in 10 families of 20 (electricity by
  grid or supplier, liquid fuels, gaseous fuels per TJ and per gas, solid fuels per gas, biomass with
  biogenic CO2, refrigerants (8 HFCs, SF6 and the R-410A blend), purchased steam, water supply,
  waste, vehicle fuels per gas). Each organisation reports a realistic handful: one activity of each
  family (which of the 20 is drawn per organisation), so 9-10 of the 200, every month for 60 months
  (~70,000 organisations at 40M rows). 10 % of the rows, drawn row by row, are in the family's scaled
  unit (MWh, m3, t, TJ instead of kWh, L, kg, MJ), so most organisations report an activity in both
  units. The generated factor CSV has factors for all 200 activities.

Then times, as whole processes (median of --repeat runs, peak RSS from /usr/bin/time -v when
available, DuckDB threads = --threads):
  ours:      ecotown ghg calc --activities <file>.parquet --factors F.csv --format json
  reference: a Python script running ONE DuckDB query (unit multipliers and GWP folded by hand into a
             per-(activity, unit) factor table; one join and one group-by per organisation)
checks that totals agree to 1e-6 relative and every organisation's total too, and prints a markdown
table per data set.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

# activity -> units reported (several per activity)
UNITS = {
    "grid_electricity": ["kWh", "MWh"],
    "diesel": ["L", "m3", "gallon"],
    "gasoline": ["L", "gallon"],
    "lpg": ["kg", "t"],
    "natural_gas": ["MJ", "GJ", "mmBtu"],
    "fuel_oil_c": ["L", "m3"],
    "lignite": ["kg", "t", "short_ton"],
    "wood": ["kg", "t"],
    "refrigerant_r410a": ["kg", "lb"],
    "refrigerant_r134a": ["kg", "g"],
}
FACTORS = """activity,gas,value,unit,scope,source,heating_basis
grid_electricity,CO2e,0.475,kg/kWh,2,TGO 2026 (benchmark),
grid_electricity,CO2e,0.0812,kg/kWh,3,TGO 2026 upstream (benchmark),
diesel,CO2e,2.7078,kg/L,1,TGO CFO (benchmark),
gasoline,CO2e,2.1894,kg/L,1,TGO CFO (benchmark),
lpg,CO2e,3.1134,kg/kg,1,TGO CFO (benchmark),
natural_gas,CO2,56100,kg/TJ,1,IPCC 2006 (benchmark),
natural_gas,CH4,1,kg/TJ,1,IPCC 2006 (benchmark),
natural_gas,N2O,0.1,kg/TJ,1,IPCC 2006 (benchmark),
fuel_oil_c,CO2e,3.2457,kg/L,1,TGO CFO (benchmark),
lignite,CO2,101000,kg/TJ,1,IPCC 2006 (benchmark),ncv
lignite,CH4,1,kg/TJ,1,IPCC 2006 (benchmark),ncv
lignite,N2O,1.5,kg/TJ,1,IPCC 2006 (benchmark),ncv
wood,CO2e,0.0304,kg/kg,1,TGO CFO (benchmark),
wood,CO2_biogenic,1.7909,kg/kg,1,TGO CFO (benchmark),
refrigerant_r410a,R-410A,1,kg/kg,1,mass balance (benchmark),
refrigerant_r134a,HFC-134a,1,kg/kg,1,mass balance (benchmark),
"""

# The reference implementation: multipliers worked by hand (t CO2e per activity unit, AR5), one
# table row per (activity, unit), handed to the reference process as JSON.
GAL = 3.785411784          # L per US gallon
MMBTU_GJ = 1.05505585262   # GJ per mmBtu (international-table Btu)
LB = 0.45359237            # kg per lb
ST = 907.18474             # kg per short ton
NCV_LIGNITE = 11.9e-6      # TJ per kg (IPCC 2006, 11.9 TJ/Gg)
NG = (56100 + 1 * 28 + 0.1 * 265) / 1e3 / 1e6   # t CO2e per MJ (per TJ factors, AR5)
LIG = (101000 + 1 * 28 + 1.5 * 265) / 1e3 * NCV_LIGNITE   # t CO2e per kg lignite
R410A = (0.5 * 677 + 0.5 * 3170) / 1e3   # t CO2e per kg
NATIONAL_REF = [  # activity, unit, s1, s2, s3, biogenic (t per unit)
    ("grid_electricity", "kWh", 0, 0.475e-3, 0.0812e-3, 0),
    ("grid_electricity", "MWh", 0, 0.475, 0.0812, 0),
    ("diesel", "L", 2.7078e-3, 0, 0, 0), ("diesel", "m3", 2.7078, 0, 0, 0), ("diesel", "gallon", 2.7078e-3 * GAL, 0, 0, 0),
    ("gasoline", "L", 2.1894e-3, 0, 0, 0), ("gasoline", "gallon", 2.1894e-3 * GAL, 0, 0, 0),
    ("lpg", "kg", 3.1134e-3, 0, 0, 0), ("lpg", "t", 3.1134, 0, 0, 0),
    ("natural_gas", "MJ", NG, 0, 0, 0), ("natural_gas", "GJ", NG * 1e3, 0, 0, 0),
    ("natural_gas", "mmBtu", NG * 1e3 * MMBTU_GJ, 0, 0, 0),
    ("fuel_oil_c", "L", 3.2457e-3, 0, 0, 0), ("fuel_oil_c", "m3", 3.2457, 0, 0, 0),
    ("lignite", "kg", LIG, 0, 0, 0), ("lignite", "t", LIG * 1e3, 0, 0, 0), ("lignite", "short_ton", LIG * ST, 0, 0, 0),
    ("wood", "kg", 0.0304e-3, 0, 0, 1.7909e-3), ("wood", "t", 0.0304, 0, 0, 1.7909),
    ("refrigerant_r410a", "kg", R410A, 0, 0, 0), ("refrigerant_r410a", "lb", R410A * LB, 0, 0, 0),
    ("refrigerant_r134a", "kg", 1.3, 0, 0, 0), ("refrigerant_r134a", "g", 1.3e-3, 0, 0, 0),
]

# The wide data set: 10 families x 20 activities ("<family>_<j>", j = 00..19).
# family -> (base unit, scaled unit, base units per scaled unit, j -> [(gas, value, scope)]) with the
# value in kg per base unit, or in kg per TJ for the per-gas fuel-gas factors.
AR5 = {"CO2e": 1, "CO2": 1, "CH4": 28, "N2O": 265, "HFC-134a": 1300, "HFC-32": 677, "HFC-125": 3170,
       "HFC-143a": 4800, "HFC-152a": 138, "HFC-227ea": 3350, "HFC-23": 12400, "HFC-245fa": 858, "SF6": 23500,
       "R-410A": 0.5 * 677 + 0.5 * 3170}  # R-410A: 50 % HFC-32 + 50 % HFC-125 by mass
REFRIGERANTS = ["HFC-134a", "HFC-32", "HFC-125", "HFC-143a", "HFC-152a", "HFC-227ea", "HFC-23", "HFC-245fa",
                "SF6", "R-410A"]
WIDE_FAMILIES = {
    "electricity": ("kWh", "MWh", 1e3, lambda j: [("CO2e", 0.40 + 0.005 * j, 2), ("CO2e", 0.08, 3)]),
    "liquid_fuel": ("L", "m3", 1e3, lambda j: [("CO2e", 2.5 + 0.02 * j, 1)]),
    "fuel_gas": ("MJ", "TJ", 1e6, lambda j: [("CO2", 56100 + 100 * j, 1), ("CH4", 1, 1), ("N2O", 0.1, 1)]),
    "solid_fuel": ("kg", "t", 1e3, lambda j: [("CO2", 1.8 + 0.01 * j, 1), ("CH4", 0.0002, 1), ("N2O", 0.00003, 1)]),
    "biomass": ("kg", "t", 1e3, lambda j: [("CO2e", 0.03, 1), ("CO2_biogenic", 1.5 + 0.01 * j, 1)]),
    "refrigerant": ("kg", "t", 1e3, lambda j: [(REFRIGERANTS[j % 10], 1, 1)]),
    "steam": ("MJ", "TJ", 1e6, lambda j: [("CO2e", 0.07 + 0.001 * j, 2)]),
    "water_supply": ("L", "m3", 1e3, lambda j: [("CO2e", 0.0003 + 0.00001 * j, 3)]),
    "waste": ("kg", "t", 1e3, lambda j: [("CO2e", 0.5 + 0.02 * j, 3)]),
    "vehicle_fuel": ("L", "m3", 1e3, lambda j: [("CO2", 2.3 + 0.01 * j, 1), ("CH4", 0.0001, 1), ("N2O", 0.00002, 1)]),
}


def _per_tj(family: str, gas: str) -> bool:
    return family == "fuel_gas" and gas in ("CO2", "CH4", "N2O")


def wide_factors_csv() -> str:
    out = ["activity,gas,value,unit,scope,source"]
    for fam, (base, _, _, gases) in WIDE_FAMILIES.items():
        for j in range(20):
            for gas, value, scope in gases(j):
                out.append(f"{fam}_{j:02d},{gas},{value!r},kg/{'TJ' if _per_tj(fam, gas) else base},{scope},benchmark")
    return "\n".join(out) + "\n"


def wide_reference_rows() -> list[tuple]:
    """Folded by hand: t CO2e per base unit = kg / 1000 x GWP (per-TJ factors: / 1e6 per MJ); the
    scaled unit is that times the scale (1 MWh = 1000 kWh, 1 m3 = 1000 L, 1 t = 1000 kg, 1 TJ = 1e6 MJ)."""
    rows = []
    for fam, (base, scaled, scale, gases) in WIDE_FAMILIES.items():
        for j in range(20):
            b = {1: 0.0, 2: 0.0, 3: 0.0, "bio": 0.0}
            for gas, value, scope in gases(j):
                kg = value / 1e6 if _per_tj(fam, gas) else value
                if gas == "CO2_biogenic":
                    b["bio"] += kg / 1e3
                else:
                    b[scope] += kg / 1e3 * AR5[gas]
            for unit, k in ((base, 1.0), (scaled, scale)):
                rows.append((f"{fam}_{j:02d}", unit, b[1] * k, b[2] * k, b[3] * k, b["bio"] * k))
    return rows


REFERENCE = r'''
import duckdb, json, sys
parquet, threads, table = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [tuple(r) for r in json.load(open(table))]  # activity, unit, s1, s2, s3, biogenic (t per unit)
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("CREATE TABLE f (activity VARCHAR, unit VARCHAR, s1 DOUBLE, s2 DOUBLE, s3 DOUBLE, bio DOUBLE)")
con.execute("INSERT INTO f VALUES " + ", ".join("(?, ?, ?, ?, ?, ?)" for _ in rows), [v for r in rows for v in r])
res = con.execute(f"""SELECT a.org, sum(a.quantity * f.s1), sum(a.quantity * f.s2), sum(a.quantity * f.s3),
    sum(a.quantity * f.bio) FROM read_parquet('{parquet}') a JOIN f USING (activity, unit) GROUP BY a.org""").fetchall()
by_org = {o: {"co2e_t": s1 + s2 + s3, "scope1_t": s1, "scope2_location_t": s2, "scope3_t": s3} for o, s1, s2, s3, b in res}
totals = {"scope1_t": sum(r[1] for r in res), "scope2_location_t": sum(r[2] for r in res),
          "scope3_t": sum(r[3] for r in res), "biogenic_co2_t": sum(r[4] for r in res)}
totals["co2e_t"] = totals["scope1_t"] + totals["scope2_location_t"] + totals["scope3_t"]
sys.stdout.write(json.dumps({"totals": totals, "by_org": by_org}))  # one C-encoded string: json.dump is ~0.5 s slower
'''


def _writer(path: Path):
    """A DuckDB connection for writing a generated file, and the temporary path it writes first."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    return con, path.with_suffix(".tmp.parquet")


def generate(rows: int, path: Path) -> None:
    n_orgs = max(1, round(rows / 571.43))  # 70,000 orgs at 40M rows
    acts = list(UNITS)
    act_case = " ".join(f"WHEN {i} THEN '{a}'" for i, a in enumerate(acts))
    unit_case = " ".join(
        f"WHEN '{a}' THEN [{', '.join(repr(u) for u in us)}][CAST(1 + (hash(org, '{a}') % {len(us)}) AS BIGINT)]"
        for a, us in UNITS.items())
    con, tmp = _writer(path)
    con.execute(f"""
        COPY (
          WITH r AS (
            SELECT i, 'ORG' || lpad(CAST(i % {n_orgs} AS VARCHAR), 6, '0') AS org,
                   CAST((i // {n_orgs}) % 60 AS INTEGER) AS m,
                   CASE CAST((i // ({n_orgs} * 60)) % {len(acts)} AS INTEGER) {act_case} END AS activity
            FROM range({rows}) t(i)
          ), u AS (
            SELECT org, activity, m,
                   CASE activity {unit_case} END AS unit,
                   CAST(hash(i) % 100000 AS DOUBLE) / 100.0 AS quantity
            FROM r
          )
          SELECT org,
                 CAST(DATE '2021-01-01' + to_months(m) AS DATE) AS period_start,
                 CAST(DATE '2021-01-01' + to_months(m + 1) - INTERVAL 1 DAY AS DATE) AS period_end,
                 activity, quantity, unit
          FROM u
        ) TO '{tmp}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)
    """)
    tmp.rename(path)


def generate_wide(rows: int, path: Path) -> None:
    """The wide data set (see the module docstring): row i is organisation i % n, month (i // n) % 60,
    family slot (i // (60 n)) % 10; the family's activity is drawn per organisation, the scaled unit per row."""
    n_orgs = max(1, round(rows / 571.43))  # 70,000 orgs at 40M rows
    fams = list(WIDE_FAMILIES)
    lst = lambda xs: "[" + ", ".join(repr(x) for x in xs) + "]"
    con, tmp = _writer(path)
    con.execute(f"""
        COPY (
          WITH r AS (
            SELECT i, i % {n_orgs} AS o, CAST((i // {n_orgs}) % 60 AS INTEGER) AS m,
                   CAST((i // ({n_orgs} * 60)) % 10 AS INTEGER) + 1 AS k
            FROM range({rows}) t(i)
          )
          SELECT 'ORG' || lpad(CAST(o AS VARCHAR), 6, '0') AS org,
                 CAST(DATE '2021-01-01' + to_months(m) AS DATE) AS period_start,
                 CAST(DATE '2021-01-01' + to_months(m + 1) - INTERVAL 1 DAY AS DATE) AS period_end,
                 {lst(fams)}[k] || '_' || lpad(CAST(hash(o, k) % 20 AS VARCHAR), 2, '0') AS activity,
                 CAST(hash(i) % 100000 AS DOUBLE) / 100.0 AS quantity,
                 CASE WHEN hash(i, 'unit') % 10 = 0 THEN {lst(WIDE_FAMILIES[f][1] for f in fams)}[k]
                      ELSE {lst(WIDE_FAMILIES[f][0] for f in fams)}[k] END AS unit
          FROM r
        ) TO '{tmp}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)
    """)
    tmp.rename(path)


DATASETS = {  # name -> (generator, factor CSV text, reference rows)
    "national": (generate, lambda: FACTORS, lambda: NATIONAL_REF),
    "wide": (generate_wide, wide_factors_csv, wide_reference_rows),
}


def timed(cmd: list[str], env: dict) -> tuple[float, int | None, str, float | None]:
    """Wall time, peak RSS (KiB) via /usr/bin/time -v when available, stdout, CPU seconds (user + system)."""
    use_time = os.path.exists("/usr/bin/time")
    full = (["/usr/bin/time", "-v"] + cmd) if use_time else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    rss = cpu = None
    if use_time:
        cpu = 0.0
        for line in proc.stderr.splitlines():
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1].strip())
            if "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.split(":")[1].strip())
    return wall, rss, proc.stdout, cpu


def bench(name: str, args) -> bool:
    """Time one data set; print its table; -> True when every engine agrees with the reference.
    The engines (ours, then each --before) and the reference run interleaved, once each per repetition."""
    gen, factor_text, ref_rows = DATASETS[name]
    parquet = OUT / f"{name}_{args.rows}.parquet"
    if not parquet.exists():
        t0 = time.perf_counter()
        gen(args.rows, parquet)
        print(f"generated {parquet} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    factors = OUT / f"{name}_factors.csv"
    factors.write_text(factor_text())
    ref_table = OUT / f"{name}_reference_table.json"
    ref_table.write_text(json.dumps(ref_rows()))
    ref_script = OUT / "reference_query.py"
    ref_script.write_text(REFERENCE)
    env = dict(os.environ, ECOTOWN_DUCKDB_THREADS=str(args.threads))
    ecotown = args.ecotown or shutil.which("ecotown", path=str(Path(sys.executable).parent)) or "ecotown"
    calc = lambda exe: [exe, "ghg", "calc", "--activities", str(parquet), "--factors", str(factors), "--format", "json"]
    cmds = {"ours (`ecotown ghg calc`)": calc(ecotown)}
    for i, exe in enumerate(args.before or []):
        cmds[f"before{'' if len(args.before) == 1 else f' {i + 1}'} (`{exe}`)"] = calc(exe)
    cmds["reference (one DuckDB query)"] = [sys.executable, str(ref_script), str(parquet), str(args.threads), str(ref_table)]
    runs: dict[str, list[tuple]] = {k: [] for k in cmds}
    for _ in range(args.repeat):
        for k, cmd in cmds.items():
            runs[k].append(timed(cmd, env))
    ref_key = list(cmds)[-1]
    # the last line: an engine that leaves DuckDB's progress bar on (main before 2026-12-01) draws it on
    # stdout when a query takes over 2 s
    last_line = lambda out: out.rstrip("\n").rsplit("\n", 1)[-1]
    ref = json.loads(last_line(runs[ref_key][-1][2]))
    bad = []
    for k in list(cmds)[:-1]:
        ours = json.loads(last_line(runs[k][-1][2]))
        for t in ("co2e_t", "scope1_t", "scope2_location_t", "scope3_t", "biogenic_co2_t"):
            a, b = ours["totals"][t], ref["totals"][t]
            if abs(a - b) > 1e-6 * max(abs(b), 1e-12):
                bad.append(f"{k}: totals.{t}: {a!r} reference {b!r}")
        if set(ours["by_org"]) != set(ref["by_org"]):
            bad.append(f"{k}: organisations differ")
        else:
            for org, v in ref["by_org"].items():
                if abs(ours["by_org"][org]["co2e_t"] - v["co2e_t"]) > 1e-6 * max(abs(v["co2e_t"]), 1e-12):
                    bad.append(f"{k}: by_org.{org}.co2e_t differs")
                    break
    gib = lambda kib: "n/a" if not kib else f"{kib / 1024 / 1024:.2f} GiB ({kib / 1024:.0f} MiB)"
    med = lambda xs: statistics.median(xs) if xs and all(x is not None for x in xs) else None
    f2 = lambda x: "n/a" if x is None else f"{x:.2f}"
    stat = {k: (med([r[0] for r in v]), min(r[0] for r in v), med([r[3] for r in v]),
                max((r[1] or 0) for r in v)) for k, v in runs.items()}
    rw, rmin, rc, _ = stat[ref_key]
    print(f"\n### {name}: {args.rows:,} rows, {len(ref['by_org']):,} organisations, DuckDB threads = {args.threads}, "
          f"median of {args.repeat}\n")
    print("| | wall time (s), median | wall, fastest run | CPU, user + system (s), median | peak RSS | "
          "ratio to reference: wall median / fastest / CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, (w, wmin, c, rss) in stat.items():
        ratio = "" if k == ref_key else f"{w / rw:.2f} / {wmin / rmin:.2f} / {f2(c / rc if c and rc else None)}"
        print(f"| {k} | {w:.2f} | {wmin:.2f} | {f2(c)} | {gib(rss)} | {ratio} |")
    print()
    for k, v in runs.items():
        print(f"{k}: wall {' / '.join(f'{r[0]:.2f}' for r in v)} s, CPU {' / '.join(f2(r[3]) for r in v)} s")
    print(f"totals agree to 1e-6 relative (every organisation too): {'yes' if not bad else 'NO: ' + '; '.join(bad)}; "
          f"co2e_t = {ref['totals']['co2e_t']:.6f} (reference)", flush=True)
    return not bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", choices=["national", "wide", "both"], default="both")
    ap.add_argument("--rows", type=int, default=40_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ecotown", help="the ecotown command to time (default: the one beside this Python)")
    ap.add_argument("--before", action="append", metavar="PATH",
                    help="another ecotown command timed in the same runs (e.g. a worktree of main), repeatable")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    names = list(DATASETS) if args.dataset == "both" else [args.dataset]
    ok = [bench(n, args) for n in names]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
