"""Run the worked `ecotown assess` examples in this folder through the command line.

Each case folder holds framework.yaml, values.yaml, args (extra CLI arguments) and expected.json:
  {"expected": {"dotted.path": exact JSON value}, "approx": {"dotted.path": [value, abs_tol]}}
or {"fails": true, "stderr_contains": [...]} — a failing case exits 2, prints nothing on stdout.
Path segments that are integers index lists (-1 is the last item).
"""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CASES = sorted(p.name for p in HERE.iterdir() if p.is_dir() and (p / "expected.json").exists())


def dig(obj, path):
    for key in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(key)]
        elif isinstance(obj, dict) and key in obj:
            obj = obj[key]
        else:
            raise KeyError(path)
    return obj


def run(folder: Path):
    argv = [sys.executable, "-m", "ecotown.cli", "assess", "--framework", str(folder / "framework.yaml"),
            "--values", str(folder / "values.yaml"), "--format", "json", "--lang", "en"]
    if (folder / "args").exists():
        argv += shlex.split((folder / "args").read_text())
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", CASES)
def test_case(name):
    folder = HERE / name
    spec = json.loads((folder / "expected.json").read_text())
    proc = run(folder)
    if spec.get("fails"):
        assert proc.returncode == 2, proc.stdout
        assert proc.stdout == ""
        for needle in spec.get("stderr_contains", []):
            assert needle in proc.stderr, proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for path, want in spec.get("expected", {}).items():
        assert dig(out, path) == want, path
    for path, (want, tol) in spec.get("approx", {}).items():
        got = dig(out, path)
        assert got is not None and abs(got - want) <= tol, (path, got, want)
