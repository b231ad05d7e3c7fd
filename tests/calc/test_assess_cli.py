"""`ecotown assess` via its `main(argv)`: exit codes, stdout JSON, stderr lines in th and en."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecotown.calc.assess_cli import main
from ecotown.calc.framework import shipped_frameworks

FW = """\
id: demo
version: "1"
name: {th: ทดสอบ, en: Demo}
applies_to: estate
levels:
  - {id: L1, rule: {min_dimension_share: 0.6, min_total_share: 0.6}}
  - {id: L2, rule: {min_dimension_share: 1, min_total_share: 1, held_previous_years: 1}}
dimensions:
  - id: a
    name: {th: ก, en: A}
    indicators:
      - {id: A1, name: {th: ก1, en: A1}, kind: metric, unit: percent, points: 3, thresholds: {L1: ">= 5", L2: ">= 10"}, threshold_status: illustrative}
      - {id: A2, name: {th: ก2, en: A2}, kind: checklist, points: 2, thresholds: {L1: true, L2: true}, threshold_status: illustrative}
"""


@pytest.fixture
def files(tmp_path: Path):
    fw = tmp_path / "fw.yaml"
    fw.write_text(FW, encoding="utf-8")
    vals = tmp_path / "v.yaml"
    vals.write_text("A1: 7\nA2: true\nhistory: {L1: [2025]}\n", encoding="utf-8")
    return fw, vals


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_success_json(files, capsys):
    fw, vals = files
    rc, out, err = run(capsys, "--framework", fw, "--values", vals, "--year", 2026, "--format", "json")
    assert rc == 0 and err == ""
    data = json.loads(out)
    # L1: 5/5 pass; L2: A1 7 < 10 fails -> 2/5 = 0.4; held L1 in 2025 ok
    assert data["level"] == "L1"
    assert data["levels"]["L2"]["total_share"] == 0.4
    assert data["gaps"] == [{"indicator": "A1", "level": "L2", "value": 7, "required": ">= 10", "points": 3}]


def test_help(capsys):
    rc, out, err = run(capsys, "--help")
    assert rc == 0 and "--framework" in out and "--values" in out


def test_shipped_ieat_framework_runs(tmp_path, capsys):
    vals = tmp_path / "v.yaml"
    vals.write_text("MGT-ECO-PLAN: true\nENV-GHG-TOTAL: 1000\n", encoding="utf-8")
    rc, out, err = run(capsys, "--framework", shipped_frameworks()["ieat-eit"], "--values", vals,
                       "--year", 2026, "--format", "json")
    assert rc == 0, err
    data = json.loads(out)
    assert data["framework"] == "ieat-eit" and data["level"] is None
    assert [g["level"] for g in data["gaps"]] == ["eco-champion"] * len(data["gaps"])


def test_bad_framework_en_and_th(files, tmp_path, capsys):
    fw, vals = files
    bad = tmp_path / "bad.yaml"
    bad.write_text(FW.replace("L2: true}", "L9: true}").replace("points: 3,", "points: 0,"), encoding="utf-8")
    rc, out, err = run(capsys, "--framework", bad, "--values", vals, "--year", 2026, "--format", "json",
                       "--lang", "en")
    assert rc == 2 and out == ""
    assert err.splitlines() == [
        f"{bad}, line 12, dimensions[0].indicators[0].points: must be > 0 (got 0)",
        f"{bad}, line 13, dimensions[0].indicators[1].thresholds.L9: unknown level id 'L9' (levels: L1, L2)",
    ]
    rc, out, err = run(capsys, "--framework", bad, "--values", vals, "--year", 2026, "--format", "json",
                       "--lang", "th")
    assert rc == 2 and out == ""
    assert err.splitlines() == [
        f"{bad}, บรรทัด 12, dimensions[0].indicators[0].points: ต้องมากกว่า 0 (ได้ 0)",
        f"{bad}, บรรทัด 13, dimensions[0].indicators[1].thresholds.L9: ไม่รู้จักรหัสระดับ 'L9' (ระดับที่มี: L1, L2)",
    ]


def test_bad_values_all_problems(files, tmp_path, capsys):
    fw, _ = files
    vals = tmp_path / "v.yaml"
    vals.write_text("A1: high\nA2: 1\nB: 3\nhistory: {L7: [2025]}\n", encoding="utf-8")
    rc, out, err = run(capsys, "--framework", fw, "--values", vals, "--year", 2026, "--format", "json",
                       "--lang", "en")
    assert rc == 2 and out == ""
    assert err.splitlines() == [
        f"{vals}, line 1, A1: a metric value must be a number (got 'high')",
        f"{vals}, line 2, A2: a checklist value must be true or false (got '1')",
        f"{vals}, line 3, B: unknown indicator id 'B' in framework demo",
        f"{vals}, line 4, history.L7: unknown level id 'L7' (levels: L1, L2)",
    ]


def test_history_reserved_key_in_values_is_not_an_indicator(files, tmp_path, capsys):
    fw, _ = files
    vals = tmp_path / "v.yaml"
    vals.write_text("history: [2025]\n", encoding="utf-8")
    rc, out, err = run(capsys, "--framework", fw, "--values", vals, "--year", 2026, "--lang", "en")
    assert rc == 2 and out == "" and "history: must be a mapping" in err


def test_missing_arguments_and_bad_year(files, capsys):
    fw, vals = files
    rc, out, err = run(capsys, "--framework", fw, "--year", "20x6", "--lang", "en")
    assert rc == 2 and out == ""
    assert err.splitlines() == [
        "--values is required (see ecotown assess --help)",
        "--year must be a year such as 2026 (got '20x6')",
    ]
    rc, out, err = run(capsys, "--framework", fw, "--values", vals, "--year", "2026", "--format", "csv",
                       "--lang", "th")
    assert rc == 2 and err.splitlines() == ["--format ต้องเป็น json (ได้ 'csv')"]


def test_missing_file(tmp_path, files, capsys):
    _, vals = files
    rc, out, err = run(capsys, "--framework", tmp_path / "nope.yaml", "--values", vals, "--year", 2026,
                       "--lang", "en")
    assert rc == 2 and out == "" and err.startswith(f"{tmp_path / 'nope.yaml'}: cannot read the file")


def test_unknown_option(capsys):
    rc, out, err = run(capsys, "--frobnicate", "--lang", "en")
    assert rc == 2 and out == "" and "unrecognized arguments" in err


def test_lang_default_from_locale(files, tmp_path, capsys, monkeypatch):
    fw, _ = files
    vals = tmp_path / "v.yaml"
    vals.write_text("B: 1\n", encoding="utf-8")
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "th_TH.UTF-8")
    rc, out, err = run(capsys, "--framework", fw, "--values", vals, "--year", 2026)
    assert rc == 2 and "ไม่รู้จักรหัสตัวชี้วัด 'B'" in err
