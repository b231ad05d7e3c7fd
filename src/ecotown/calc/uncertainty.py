"""Inventory uncertainty by error propagation (ISO 14064-1:2018 §8.3; IPCC 2006 GL Vol 1 Ch 3,
Approach 1). Pure: no Django.

- `defaults()`: the default uncertainties (± %, 95 % interval) from data/ghg/uncertainty.csv:
  {"activity": {data source: pct}, "factor": {factor status: pct}} ("" = not stated);
- `combine(lines)`: lines (co2e_t, activity_pct, factor_pct); per line u = sqrt(a² + f²) (a product),
  total = sqrt(Σ (u_i · x_i)²) / |Σ x_i| (a sum). None when the lines sum to zero.
"""
from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

from .errors import CalcError, InputError, Problem

FILE = Path(__file__).resolve().parent.parent / "data" / "ghg" / "uncertainty.csv"
KINDS = ("activity", "factor")


@lru_cache(maxsize=4)
def _read(path: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {k: {} for k in KINDS}
    with open(path, newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            kind, key = (row.get("kind") or "").strip(), (row.get("key") or "").strip()
            try:
                pct = float(row["pct"])
            except (KeyError, TypeError, ValueError):
                raise InputError([Problem(f"not a number: {row.get('pct')!r}", f"ไม่ใช่ตัวเลข: {row.get('pct')!r}",
                                          file=path, line=i, column="pct", value=row.get("pct"),
                                          code=CalcError.NOT_A_NUMBER.value)]) from None
            if kind not in KINDS:
                raise InputError([Problem(f"kind must be activity or factor, not {kind!r}",
                                          f"kind ต้องเป็น activity หรือ factor ไม่ใช่ {kind!r}", file=path, line=i,
                                          column="kind", value=kind, code=CalcError.NOT_A_CHOICE.value)])
            if pct < 0:
                raise InputError([Problem("a negative uncertainty", "ค่าความไม่แน่นอนติดลบ", file=path, line=i,
                                          column="pct", value=pct, code=CalcError.NEGATIVE_VALUE.value)])
            out[kind][key] = pct
    return out


def defaults(path: str | Path | None = None) -> dict[str, dict[str, float]]:
    """{"activity": {"meter": 2.0, "invoice": 5.0, "estimate": 30.0, "": 10.0}, "factor": {status: pct}}."""
    d = _read(str(path or FILE))
    return {k: dict(v) for k, v in d.items()}


def line_pct(activity_pct: float, factor_pct: float) -> float:
    """± % of one line (quantity × factor): sqrt(a² + f²)."""
    return math.hypot(activity_pct, factor_pct)


def combine(lines) -> float | None:
    """± % of a sum of lines (co2e_t, activity_pct, factor_pct): sqrt(Σ (u_i·x_i)²) / |Σ x_i|."""
    total, acc = 0.0, 0.0
    for x, a, f in lines:
        total += x
        acc += (line_pct(a, f) * x) ** 2
    if total == 0:
        return None
    return math.sqrt(acc) / abs(total)
