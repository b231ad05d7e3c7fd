"""`ecotown ghg calc` as a user runs it: JSON on stdout, exit 2 with located problems on stderr."""
import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecotown.calc.ghg_cli import main

HEAD = "org,period_start,period_end,activity,quantity,unit\n"


def run(*args):
    return subprocess.run([sys.executable, "-m", "ecotown.cli", "ghg", "calc", *args],
                          capture_output=True, text=True, timeout=120)


def test_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--activities" in out and "--lines" in out and "--gwp" in out


def test_json_result(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(HEAD + "F1,2024-01-01,2024-12-31,refrigerant_r134a,10,kg\nF2,2024-01-01,2024-06-30,sf6,0.5,kg\n")
    p = run("--activities", str(a), "--format", "json", "--gwp", "AR6")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    # 10 kg x 1530 = 15.3 t; 0.5 kg x 25200 = 12.6 t (AR6)
    assert d["gwp_set"] == "AR6"
    assert d["by_org"]["F1"]["co2e_t"] == pytest.approx(15.3, rel=1e-12)
    assert d["by_org"]["F2"]["scope1_t"] == pytest.approx(12.6, rel=1e-12)
    assert d["totals"]["co2e_t"] == pytest.approx(27.9, rel=1e-12)
    assert set(d["totals"]) >= {"co2e_t", "scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t",
                                "biogenic_co2_t"}
    assert d["totals"]["scope2_market_t"] is None and d["memo"] == {}
    assert d["engine_version"]


def test_bad_input_exit_2_nothing_on_stdout_one_line_per_problem(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(HEAD + "F1,2024-01-01,2024-12-31,sf6,-1,kg\nF1,2024-01-01,2024-12-31,sf6,1,ton\n")
    p = run("--activities", str(a), "--format", "json", "--lang", "en")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert lines == [f"{a}, line 2, column quantity: negative quantity -1 (quantities must be >= 0)",
                     f"{a}, line 3, column unit: ambiguous unit 'ton': write t (metric tonne), short_ton or long_ton"]


def test_thai_messages(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(HEAD + "F1,2024-01-01,2024-12-31,sf6,,kg\n")
    p = run("--activities", str(a), "--format", "json", "--lang", "th")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == f"{a}, บรรทัด 2, คอลัมน์ quantity: ไม่ได้ระบุปริมาณ"


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["--activities", "x.csv"]) == 2  # --format is required
    assert main(["--activities", "x.csv", "--format", "yaml"]) == 2
    assert main(["--activities", str(tmp_path / "missing.csv"), "--format", "json"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and "file not found" in err.err


def test_parquet_in_lines_parquet_out(tmp_path):
    t = pa.table({"org": ["A"], "period_start": ["2024-01-01"], "period_end": ["2024-12-31"],
                  "activity": ["grid_electricity"], "quantity": [1000.0], "unit": ["MWh"]})
    pq.write_table(t, tmp_path / "a.parquet")
    f = tmp_path / "f.csv"
    f.write_text("activity,gas,value,unit,scope,source\ngrid_electricity,CO2e,0.5,kg/kWh,2,x\n")
    p = run("--activities", str(tmp_path / "a.parquet"), "--factors", str(f), "--format", "json",
            "--lines", str(tmp_path / "l.parquet"))
    assert p.returncode == 0, p.stderr
    # 1,000,000 kWh x 0.5 kg = 500 t
    assert json.loads(p.stdout)["totals"]["scope2_location_t"] == pytest.approx(500.0, rel=1e-12)
    rows = pq.read_table(tmp_path / "l.parquet").to_pylist()
    assert len(rows) == 1 and rows[0]["line"] == 2 and rows[0]["co2e_t"] == pytest.approx(500.0)
    assert rows[0]["factor_source"] == "x" and rows[0]["scope"] == 2 and rows[0]["basis"] == "location"


def test_factor_file_problems_are_located(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(HEAD + "F1,2024-01-01,2024-12-31,sf6,1,kg\n")
    f = tmp_path / "f.csv"
    f.write_text("activity,gas,value,unit,scope,source\nsf6,SF6,abc,kg/kg,4,x\n")
    p = run("--activities", str(a), "--factors", str(f), "--format", "json")
    assert p.returncode == 2 and p.stdout == ""
    assert [ln.split(":")[0] for ln in p.stderr.strip().splitlines()] == [
        f"{f}, line 2, column value", f"{f}, line 2, column scope"]
