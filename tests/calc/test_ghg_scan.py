"""The GHG engine reads the activities once on the success path (issue 9, "one-query speed").

Counted with DuckDB's own file-system log (`CALL enable_logging('FileSystem')`): every READ of the
Parquet file with its offset and length. Each row group's `activity` column chunk must be read
exactly once. Before issue 9 the engine ran a `SELECT DISTINCT activity, unit` pass and then the
aggregation, so every chunk was read twice (this test then counted [2, 2, 2, 2], not [1, 1, 1, 1]).
The footer (metadata) reads, which end at the end of the file, are not scans and are left out.
"""
import json
import os

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ecotown.calc import ghg

ROWS = 120_000
ROW_GROUP = 30_000
DATED = """activity,gas,value,unit,scope,source,valid_from,valid_to
grid_electricity,CO2e,0.5,kg/kWh,2,old edition,,2025-12-31
grid_electricity,CO2e,0.4,kg/kWh,2,new edition,2026-01-01,
diesel,CO2e,2.7,kg/L,1,test,,
"""
UNDATED = """activity,gas,value,unit,scope,source
grid_electricity,CO2e,0.5,kg/kWh,2,test
diesel,CO2e,2.7,kg/L,1,test
"""


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    """120,000 rows in 4 row groups; random quantities so that the file is large enough for its
    footer read (the last 16 KiB) not to cover the column chunks."""
    path = str(tmp_path_factory.mktemp("scan") / "a.parquet")
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'ORG' || (i % 50) AS org, DATE '2025-11-01' AS period_start,
                                 DATE '2026-02-28' AS period_end,
                                 CASE WHEN i % 2 = 0 THEN 'grid_electricity' ELSE 'diesel' END AS activity,
                                 CAST(hash(i) % 100000 AS DOUBLE) / 100 AS quantity,
                                 CASE WHEN i % 2 = 0 THEN 'kWh' ELSE 'L' END AS unit
                          FROM range({ROWS}) t(i)) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE {ROW_GROUP})""")
    con.close()
    return path


def activity_chunk_reads(path: str, factors: str) -> tuple[list[int], ghg.Result]:
    md = pq.ParquetFile(path).metadata
    col = md.schema.names.index("activity")
    starts = []
    for i in range(md.num_row_groups):
        c = md.row_group(i).column(col)
        starts.append(min(x for x in (c.dictionary_page_offset, c.data_page_offset) if x is not None))
    run = ghg._Run(path, factors, None, "AR5", False, 2, None)
    try:
        run.con.execute("CALL enable_logging('FileSystem')")
        result = run.run()
        logged = [json.loads(m) for (m,) in run.con.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'FileSystem'").fetchall()]
    finally:
        run.con.close()
    size = os.path.getsize(path)
    reads = [(int(m["pos"]), int(m["bytes"])) for m in logged
             if m.get("op") == "READ" and m.get("path") == path and int(m["pos"]) + int(m["bytes"]) < size]
    return [sum(1 for pos, n in reads if pos <= s < pos + n) for s in starts], result


def quantity_sums(path: str) -> tuple[float, float]:
    t = pq.read_table(path, columns=["activity", "quantity"])
    q = lambda a: pc.sum(pc.filter(t["quantity"], pc.equal(t["activity"], a))).as_py()
    return q("grid_electricity"), q("diesel")


@pytest.mark.parametrize("kind", ["dated", "undated"])
def test_activities_are_read_once(tmp_path, parquet, kind):
    factors = tmp_path / "f.csv"
    factors.write_text(DATED if kind == "dated" else UNDATED)
    counts, r = activity_chunk_reads(parquet, str(factors))
    assert len(counts) == ROWS // ROW_GROUP == 4
    # before issue 9: [2, 2, 2, 2] (DISTINCT pass + aggregation)
    assert counts == [1, 1, 1, 1]
    e, d = quantity_sums(parquet)
    # every row covers 2025-11-01..2026-02-28 = 120 days: 61 in 2025, 59 in 2026
    s2 = e * (61 / 120 * 0.5 + 59 / 120 * 0.4) / 1000 if kind == "dated" else e * 0.5 / 1000
    assert r.totals["scope2_location_t"] == pytest.approx(s2, rel=1e-9)
    assert r.totals["scope1_t"] == pytest.approx(d * 2.7 / 1000, rel=1e-9)
    assert r.totals["co2e_t"] == pytest.approx(s2 + d * 2.7 / 1000, rel=1e-9)
    assert len(r.by_org) == 50
    assert sum(o["co2e_t"] for o in r.by_org.values()) == pytest.approx(r.totals["co2e_t"], rel=1e-9)


def test_bad_rows_still_named_by_line(tmp_path):
    """The error path reads the source again to name lines; the one-scan path only counts."""
    a = tmp_path / "a.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM (VALUES
        ('F1', DATE '2025-01-01', DATE '2025-01-31', 'diesel', 10.0, 'L'),
        ('F1', DATE '2025-02-01', DATE '2025-02-28', 'diesel', -1.0, 'L'),
        ('F2', DATE '2025-03-31', DATE '2025-03-01', 'grid_electricity', 5.0, 'kWh'),
        ('F2', DATE '2025-03-01', DATE '2025-03-31', 'coal_unknown', 5.0, 'kg'))
        t(org, period_start, period_end, activity, quantity, unit)) TO '{a}' (FORMAT PARQUET)""")
    con.close()
    f = tmp_path / "f.csv"
    f.write_text(UNDATED)
    with pytest.raises(ghg.InputError) as exc:
        ghg.calculate(str(a), factors=str(f))
    got = [(p.line, p.column, p.code.value) for p in exc.value.problems]
    assert got == [(3, "quantity", "negative_value"), (4, "period_end", "end_before_start"),
                   (5, "activity", "unknown_activity")]


def parquet_rows(path, rows):
    import pyarrow as pa

    cols = ["org", "period_start", "period_end", "activity", "quantity", "unit"]
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)},
                     schema=pa.schema([("org", pa.string()), ("period_start", pa.date32()), ("period_end", pa.date32()),
                                       ("activity", pa.string()), ("quantity", pa.float64()), ("unit", pa.string())]))
    pq.write_table(table, path)
    return str(path)


@pytest.mark.parametrize("kind", ["dated", "undated"])
def test_bad_quantities_and_dates_in_parquet(tmp_path, kind):
    """A NaN, an infinite, an empty quantity and an empty date each fail the one scan (its group's
    sum turns NaN) and are then named by line, as before."""
    import datetime as dt

    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    a = parquet_rows(tmp_path / "a.parquet", [
        ("F1", d1, d2, "diesel", 10.0, "L"),
        ("F1", d1, d2, "diesel", float("nan"), "L"),
        ("F1", d1, d2, "diesel", float("inf"), "L"),
        ("F2", d1, d2, "grid_electricity", None, "kWh"),
        ("F2", None, d2, "grid_electricity", 5.0, "kWh"),
        ("F2", d1, d2, "grid_electricity", 5.0, "kWh"),
    ])
    f = tmp_path / "f.csv"
    f.write_text(DATED if kind == "dated" else UNDATED)
    with pytest.raises(ghg.InputError) as exc:
        ghg.calculate(a, factors=str(f))
    got = [(p.line, p.column, p.code.value) for p in exc.value.problems]
    assert got == [(3, "quantity", "not_a_number"), (4, "quantity", "not_a_number"),
                   (5, "quantity", "empty_value"), (6, "period_start", "not_a_date")]


def test_period_without_a_valid_factor_is_named(tmp_path):
    """A gap between two editions: the one scan sees the row land on a segment without factors."""
    a = tmp_path / "a.csv"
    a.write_text("org,period_start,period_end,activity,quantity,unit\n"
                 "F1,2025-06-01,2025-06-30,grid_electricity,100,kWh\n"
                 "F1,2025-07-01,2025-07-31,grid_electricity,100,kWh\n")
    f = tmp_path / "f.csv"
    f.write_text("activity,gas,value,unit,scope,source,valid_from,valid_to\n"
                 "grid_electricity,CO2e,0.5,kg/kWh,2,old,,2025-06-30\n"
                 "grid_electricity,CO2e,0.4,kg/kWh,2,new,2025-08-01,\n")
    with pytest.raises(ghg.InputError) as exc:
        ghg.calculate(str(a), factors=str(f))
    got = [(p.line, p.column, p.code.value) for p in exc.value.problems]
    assert got == [(3, "period_start", "no_factor_for_period")]
    a.write_text("org,period_start,period_end,activity,quantity,unit\n"
                 "F1,2025-06-01,2025-06-30,grid_electricity,100,kWh\n")
    # 100 kWh x 0.5 kg/kWh = 50 kg
    assert ghg.calculate(str(a), factors=str(f)).totals["scope2_location_t"] == pytest.approx(0.05, rel=1e-12)
