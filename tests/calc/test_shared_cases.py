"""The worked GHG examples (tests/cases/ghg, a copy of ../shared/cases/ghg) through `ecotown ghg calc`.

Asserts exactly as tests/cases/check_ghg.py does; never special-cases a case.
"""
import filecmp
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases" / "ghg"
SHARED = ROOT.parent / "shared" / "cases"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def dig(obj, path):
    for key in path.split("."):
        assert isinstance(obj, dict) and key in obj, f"{path} missing"
        obj = obj[key]
    return obj


@pytest.mark.parametrize("name", NAMES)
def test_case(name):
    folder = CASES / name
    spec = json.loads((folder / "expected.json").read_text())
    argv = [sys.executable, "-m", "ecotown.cli", "ghg", "calc", "--activities", str(folder / "activities.csv"),
            "--format", "json"]
    if (folder / "factors.csv").exists():
        argv += ["--factors", str(folder / "factors.csv")]
    if (folder / "conversions.csv").exists():
        argv += ["--conversions", str(folder / "conversions.csv")]
    if (folder / "args").exists():
        argv += shlex.split((folder / "args").read_text())
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if spec.get("fails"):
        assert proc.returncode != 0, "expected a non-zero exit for bad input"
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.strip(), "bad input was rejected without a message on stderr"
        return
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for path, (want, tol) in spec["expected"].items():
        got = dig(out, path)
        assert got is not None and abs(float(got) - want) <= tol, f"{path}={got} want {want}±{tol}"


def test_there_are_cases():
    assert len(NAMES) >= 10


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/cases is not beside the repository")
def test_copy_matches_shared():
    def walk(base):
        return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())

    src, dst = SHARED / "ghg", CASES
    assert walk(src) == walk(dst)
    for rel in walk(src):
        assert filecmp.cmp(src / rel, dst / rel, shallow=False), rel
    assert filecmp.cmp(SHARED / "check_ghg.py", ROOT / "tests" / "cases" / "check_ghg.py", shallow=False)
