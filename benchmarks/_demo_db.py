"""Shared by the page benchmarks (registry_scale.py, completeness.py): a fresh demo database of N
factories in its own folder, and a measuring script run against it in a separate process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def _env(data: Path) -> dict:
    env = dict(os.environ, ECOTOWN_DATA_DIR=str(data), ECOTOWN_ALLOWED_HOSTS="127.0.0.1")
    env.pop("DATABASE_URL", None)  # never the test or demo database: a fresh SQLite file in `data`
    return env


def run_demo(n: int, data: Path) -> float:
    """`ecotown demo --factories n` into `data`; -> seconds."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ecotown.cli", "demo", "--factories", str(n)], env=_env(data), check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(data: Path, script: str, pages, repeat: int) -> dict:
    """Run `script` (argv: the pages as JSON, the repeat count) on the database in `data`; -> the JSON it
    prints last."""
    out = subprocess.run([sys.executable, "-c", script, json.dumps(pages), str(repeat)], env=_env(data),
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])
