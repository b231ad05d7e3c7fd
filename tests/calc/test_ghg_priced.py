"""The priced scan (issue 9, "one-query speed"): with undated factors, the (activity, unit) pairs
users write are priced before the one read and the rows are grouped by organisation (and by pair)
like a hand-written query; anything unusual falls back to the exact scan, which names bad lines.

Values by hand (AR5): grid electricity 0.5 kg/kWh location, 0.3 kg/kWh market; diesel 2.7 kg/L;
R-410A = 50 % HFC-32 (677) + 50 % HFC-125 (3170) = 1923.5; wood 1.8 kg/kg biogenic CO2 only (no
Scope 1, 2 or 3 multiplier); HCFC-22 (a memo gas, not Kyoto) 1 kg/kg.
"""
import json
import os
import subprocess
import sys

import duckdb
import pytest

from ecotown.calc import ghg, units

FACTORS = """activity,gas,value,unit,scope,source,basis
grid_electricity,CO2e,0.5,kg/kWh,2,location,location
grid_electricity,CO2e,0.3,kg/kWh,2,market,market
diesel,CO2e,2.7,kg/L,1,test,
refrigerant_r410a,R-410A,1,kg/kg,1,blend,
wood,CO2_biogenic,1.8,kg/kg,1,biogenic only,
refrigerant_r22,HCFC-22,1,kg/kg,1,memo only,
"""
HEADER = "org,period_start,period_end,activity,quantity,unit\n"
ROWS = [
    "F1,2025-01-01,2025-01-31,grid_electricity,1000,kWh",
    "F1,2025-02-01,2025-02-28,grid_electricity,2,MWh",
    "F2,2025-01-01,2025-01-31,diesel,100,L",
    "F2,2025-02-01,2025-02-28,diesel,10,gallon",
    "F2,2025-03-01,2025-03-31,refrigerant_r410a,2,lb",
    "F3,2025-01-01,2025-01-31,wood,1,t",
    "F3,2025-01-01,2025-01-31,refrigerant_r22,0.5,kg",
]
GALLON_L = 3.785411784
LB_KG = 0.45359237


def parquet(tmp_path, rows, name="a.parquet"):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(HEADER + "\n".join(rows) + "\n")
    out = tmp_path / name
    con = duckdb.connect()
    con.execute(f"COPY (SELECT org, CAST(period_start AS DATE) AS period_start, CAST(period_end AS DATE) AS period_end, "
                f"activity, CAST(quantity AS DOUBLE) AS quantity, unit FROM read_csv('{csv_path}', all_varchar = true)) "
                f"TO '{out}' (FORMAT PARQUET)")
    con.close()
    return str(out)


def run(path, factors, exact=False):
    """-> (result as JSON dict, the temp tables the run left: which scan ran)."""
    r = ghg._Run(path, factors, None, "AR5", False, 2, None)
    try:
        if exact:
            asegs = r._activity_segments()
            res = r._exact_run(asegs, False, None)
        else:
            res = r.run()
        tables = {t for (t,) in r.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        r.con.close()
    return res.to_json_dict(), tables


def assert_same(a, b, path=""):
    """Same keys in the same order, strings equal, numbers to 1e-12 relative."""
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300), path
    else:
        assert a == b, path


@pytest.fixture
def factors(tmp_path):
    f = tmp_path / "f.csv"
    f.write_text(FACTORS)
    return str(f)


def test_priced_scan_by_hand_and_equal_to_the_exact_scan(tmp_path, factors):
    a = parquet(tmp_path, ROWS)
    got, tables = run(a, factors)
    assert "priced" in tables and "scan" not in tables  # the priced scan ran, not the exact one
    exact, tables_exact = run(a, factors, exact=True)
    assert "scan" in tables_exact
    assert_same(got, exact)
    t = got["totals"]
    assert t["scope2_location_t"] == pytest.approx((1000 + 2000) * 0.5 / 1000, rel=1e-12)  # 1.5 t
    assert t["scope2_market_t"] == pytest.approx((1000 + 2000) * 0.3 / 1000, rel=1e-12)    # 0.9 t
    diesel = (100 + 10 * GALLON_L) * 2.7 / 1000
    r410a = 2 * LB_KG * 1923.5 / 1000
    assert t["scope1_t"] == pytest.approx(diesel + r410a, rel=1e-12)
    assert t["biogenic_co2_t"] == pytest.approx(1.8, rel=1e-12)  # 1 t wood x 1.8 kg/kg
    assert got["by_org"]["F2"]["scope1_t"] == pytest.approx(diesel + r410a, rel=1e-12)
    # F3's wood and HCFC-22 have no Scope 1/2/3 multiplier: their quantities come from the extra sum
    assert got["by_org"]["F3"] == {"co2e_t": 0.0, "scope1_t": 0.0, "scope2_location_t": 0.0, "scope3_t": 0.0}
    assert got["by_gas"]["CO2_biogenic"]["mass_t"] == pytest.approx(1.8, rel=1e-12)
    assert got["memo"]["HCFC-22"]["mass_t"] == pytest.approx(0.0005, rel=1e-12)
    assert got["by_gas"]["HFC-32"]["mass_t"] == pytest.approx(2 * LB_KG * 0.5 / 1000, rel=1e-12)
    assert len(got["factors_used"]) == 6
    # the only Scope 2 activity has its market factor (no market fallback); the three CO2e factors of the
    # file state no GWP set, which the result says factor by factor (issue 9)
    assert sorted((w["kind"], w["factor_id"]) for w in got["warnings"]) == [
        ("gwp_unstated", "f.csv:2"), ("gwp_unstated", "f.csv:3"), ("gwp_unstated", "f.csv:4")]


def test_memo_and_biogenic_only_pairs_need_the_extra_sum(tmp_path, factors):
    """Without the indicator sum, a pair whose three bucket multipliers are 0 has no sum to divide
    (its quantity would be read as 0: memo HCFC-22 0 t instead of 0.0005 t, biogenic CO2 0 t instead
    of 1.8 t). With only such pairs the run still reads once and gets them right."""
    a = parquet(tmp_path, ROWS[5:])
    got, tables = run(a, factors)
    assert "priced" in tables and "scan" not in tables
    assert got["memo"] == {"HCFC-22": {"mass_t": pytest.approx(0.0005, rel=1e-12),
                                       "co2e_t": pytest.approx(0.0005 * ghg.gwp_value("HCFC-22", "AR5"), rel=1e-12)}}
    assert got["totals"]["biogenic_co2_t"] == pytest.approx(1.8, rel=1e-12)
    assert got["totals"]["co2e_t"] == 0.0


def test_a_unit_not_priced_in_advance_falls_back_to_the_exact_scan(tmp_path, factors):
    """`W*h` is a valid unit but not one of the spellings priced before the scan: the exact scan
    runs and gives the same numbers (2000 W*h = 2 kWh x 0.5 kg/kWh = 1 kg)."""
    a = parquet(tmp_path, [*ROWS, "F4,2025-01-01,2025-01-31,grid_electricity,2000,W*h"])
    got, tables = run(a, factors)
    assert "scan" in tables
    assert got["by_org"]["F4"]["scope2_location_t"] == pytest.approx(2000 / 1000 * 0.5 / 1000, rel=1e-12)
    assert got["totals"]["scope2_location_t"] == pytest.approx((1000 + 2000 + 2) * 0.5 / 1000, rel=1e-12)


def test_bad_rows_fall_back_and_are_named(tmp_path, factors):
    a = parquet(tmp_path, [*ROWS, "F4,2025-01-31,2025-01-01,diesel,5,L", "F4,2025-01-01,2025-01-31,diesel,-5,L",
                           "F4,2025-01-01,2025-01-31,coal_unknown,5,kg"])
    with pytest.raises(ghg.InputError) as exc:
        ghg.calculate(a, factors=factors)
    got = [(p.line, p.column, p.code.value) for p in exc.value.problems]
    assert got == [(9, "period_end", "end_before_start"), (10, "quantity", "negative_value"),
                   (11, "activity", "unknown_activity")]


def test_an_overflowing_sum_falls_back(tmp_path, factors):
    """1.5e308 MWh twice: each row is valid, but the pair's quantity (3e308) overflows; the exact
    scan decides (here: an infinite Scope 2, as before)."""
    a = parquet(tmp_path, ["F1,2025-01-01,2025-01-31,grid_electricity,1.5e308,MWh",
                           "F1,2025-02-01,2025-02-28,grid_electricity,1.5e308,MWh"])
    got, tables = run(a, factors)
    assert "scan" in tables
    exact, _ = run(a, factors, exact=True)
    assert got["totals"]["scope2_location_t"] == exact["totals"]["scope2_location_t"]


def test_results_cache_is_named_by_pint_version_and_units_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ECOTOWN_PINT_CACHE", str(tmp_path))
    first = units._cache_file()
    assert first.parent == tmp_path
    copy = tmp_path / "units.txt"
    copy.write_text(units.UNITS_FILE.read_text() + "\nbarrel_of_rice = 100 * kilogram\n")
    monkeypatch.setattr(units, "UNITS_FILE", copy)
    assert units._cache_file() != first  # a changed units.txt starts a new file
    monkeypatch.setattr(units, "UNITS_FILE", units.Path(units.__file__).resolve().parent.parent / "data" / "units.txt")
    assert units._cache_file() == first
    monkeypatch.setattr(units, "dist_version", lambda module, dist: "0.0-other")
    assert units._cache_file() != first  # another pint version too
    monkeypatch.setenv("ECOTOWN_PINT_CACHE", "")
    assert units._cache_file() is None


CHILD = """
import json, sys
from ecotown.calc import ghg
r = ghg.calculate(sys.argv[1], factors=sys.argv[2])
print(json.dumps({"pint": "pint" in sys.modules, "result": r.to_json_dict()}))
"""


def test_a_warm_run_needs_no_pint_and_gives_pint_s_numbers(tmp_path, factors):
    """The first process works the units out with pint and stores its results; the next one reads
    them (pint is not even imported) and prints the same JSON, to the last bit, as a run with the
    cache disabled."""
    a = parquet(tmp_path, ROWS)
    outs = []
    for cache in (str(tmp_path / "cache"), str(tmp_path / "cache"), ""):
        env = dict(os.environ, ECOTOWN_PINT_CACHE=cache)
        p = subprocess.run([sys.executable, "-c", CHILD, a, factors], capture_output=True, text=True, env=env,
                           check=True)
        outs.append(json.loads(p.stdout))
    assert [o["pint"] for o in outs] == [True, False, True]
    assert outs[0]["result"] == outs[1]["result"] == outs[2]["result"]


def test_no_progress_bar_on_stdout(tmp_path, factors):
    """DuckDB draws a progress bar on stdout for a query over 2 s; before, on a loaded machine,
    `ecotown ghg calc` over 40 M rows printed "\\r 48% ▕██…" ahead of its JSON (the benchmark could
    not parse main's output). The engine's connection now has it off."""
    r = ghg._Run(parquet(tmp_path, ROWS), factors, None, "AR5", False, 2, None)
    try:
        assert r.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    finally:
        r.con.close()


def test_results_cache_is_named_by_the_code_that_computes_it(tmp_path, monkeypatch):
    """The chain multipliers are computed by ghg.py: a changed ghg.py must not read old results."""
    monkeypatch.setenv("ECOTOWN_PINT_CACHE", str(tmp_path))
    first = units._cache_file()
    src = tmp_path / "ghg_changed.py"
    src.write_text(units.Path(ghg.__file__).read_text() + "\n# changed\n")
    monkeypatch.setattr(units, "_SOURCES", [p if p.name != "ghg.py" else src for p in units._SOURCES])
    assert units._cache_file() != first


@pytest.mark.parametrize("quantity, start, end, column, code", [
    ("'NaN'::DOUBLE", "DATE '2025-01-01'", "DATE '2025-01-31'", "quantity", "not_a_number"),
    ("'inf'::DOUBLE", "DATE '2025-01-01'", "DATE '2025-01-31'", "quantity", "not_a_number"),
    ("-5.0", "DATE '2025-01-01'", "DATE '2025-01-31'", "quantity", "negative_value"),
    ("NULL::DOUBLE", "DATE '2025-01-01'", "DATE '2025-01-31'", "quantity", "empty_value"),
    ("5.0", "NULL::DATE", "DATE '2025-01-31'", "period_start", "not_a_date"),
    ("5.0", "DATE '2025-01-01'", "NULL::DATE", "period_end", "not_a_date"),
    ("5.0", "DATE '2025-01-31'", "DATE '2025-01-01'", "period_end", "end_before_start"),
])
def test_one_bad_row_of_a_priced_pair_is_never_summed(tmp_path, factors, quantity, start, end, column, code):
    """The priced scan validates every row (a bad row carries NaN into its pair's sums): a single bad
    diesel row among valid ones, in a typed Parquet file where every pair is priced, is named with
    its line and nothing is returned."""
    out = tmp_path / "bad.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM (VALUES
        ('F1', DATE '2025-01-01', DATE '2025-01-31', 'diesel', 100.0, 'L'),
        ('F2', {start}, {end}, 'diesel', {quantity}, 'L'),
        ('F3', DATE '2025-01-01', DATE '2025-01-31', 'grid_electricity', 1000.0, 'kWh'))
        t(org, period_start, period_end, activity, quantity, unit)) TO '{out}' (FORMAT PARQUET)""")
    con.close()
    with pytest.raises(ghg.InputError) as exc:
        ghg.calculate(str(out), factors=factors)
    assert [(p.line, p.column, p.code.value) for p in exc.value.problems] == [(3, column, code)]
