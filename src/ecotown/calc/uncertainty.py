"""Default uncertainties and their combination (ISO 14064-1 §8.3; IPCC 2006 Vol 1 Ch 3, Approach 1).

Pure computation (no Django import). Uncertainties are 95 % confidence half-widths in percent of
the value (±u %).

- `defaults()` reads ``data/ghg/uncertainty.csv`` (listed in ``data/editions.yaml``): default
  uncertainty of activity data by data source (``meter``, ``invoice``, ``estimate``,
  ``unknown``) and of factors by status or source type (``official``, ``secondary_verify``,
  ``illustrative``, ``supplier``, ``user``), each row with its source and status.
- `line_pct(activity_pct, factor_pct)`: a line's emissions are activity x factor, a product, so
  the relative uncertainties add in quadrature: ``sqrt(a² + f²)`` (IPCC 2006 Vol 1 Eq. 3.1).
- `combine(lines)`: lines are ``(co2e_t, activity_pct, factor_pct)``; the inventory total is a
  sum, so absolute uncertainties add in quadrature: ``sqrt(Σ (u_i·x_i)²) / |Σ x_i|`` in percent
  (IPCC 2006 Vol 1 Eq. 3.2), with ``u_i`` the line's combined percent. Lines are taken as
  independent (no correlation between lines sharing a factor: Approach 1).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ecotown.calc import reference
from ecotown.calc.errors import CalcError, InputError, Problem

KINDS = {
    "activity": ("meter", "invoice", "estimate", "unknown"),
    "factor": ("official", "secondary_verify", "illustrative", "supplier", "user"),
}
FILE = "uncertainty.csv (built-in)"


@dataclass(frozen=True)
class Default:
    kind: str  # "activity" | "factor"
    key: str  # data source (activity) or factor status / source type (factor)
    half_width_pct: float
    status: str
    source: str
    url: str = ""


def _problem(en: str, th: str, line: int | None, column: str | None, value=None, code=CalcError.NOT_A_CHOICE):
    return Problem(message_en=en, message_th=th, file=FILE, line=line, column=column, value=value, code=code)


def parse(text: str) -> dict[str, dict[str, Default]]:
    """{kind: {key: Default}} from the CSV text; InputError naming the line and column of every
    problem (unknown kind or key, a value that is not a number >= 0, a duplicate, a key missing)."""
    problems: list[Problem] = []
    out: dict[str, dict[str, Default]] = {k: {} for k in KINDS}
    for n, r in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        kind, key = (r.get("kind") or "").strip(), (r.get("key") or "").strip()
        if kind not in KINDS:
            problems.append(_problem(f"kind must be activity or factor, not {kind!r}",
                                     f"kind ต้องเป็น activity หรือ factor ไม่ใช่ {kind!r}", n, "kind", kind))
            continue
        if key not in KINDS[kind]:
            problems.append(_problem(f"unknown {kind} key {key!r} (use {', '.join(KINDS[kind])})",
                                     f"ไม่รู้จัก key {key!r} ของ {kind} (ใช้ {', '.join(KINDS[kind])})", n, "key", key))
            continue
        raw = (r.get("half_width_pct") or "").strip()
        try:
            pct = float(raw)
        except ValueError:
            pct = float("nan")
        if not math.isfinite(pct) or pct < 0:
            problems.append(_problem(f"half_width_pct must be a number >= 0, not {raw!r}",
                                     f"half_width_pct ต้องเป็นตัวเลขที่ไม่น้อยกว่า 0 ไม่ใช่ {raw!r}", n, "half_width_pct",
                                     raw, CalcError.NOT_A_NUMBER))
            continue
        status = (r.get("status") or "").strip()
        if status not in reference.STATUSES:
            problems.append(_problem(f"status must be one of {', '.join(reference.STATUSES)}, not {status!r}",
                                     f"status ต้องเป็นหนึ่งใน {', '.join(reference.STATUSES)} ไม่ใช่ {status!r}", n,
                                     "status", status))
            continue
        if key in out[kind]:
            problems.append(_problem(f"duplicate {kind} key {key!r}", f"key {key!r} ของ {kind} ซ้ำ", n, "key", key,
                                     CalcError.DUPLICATE_KEY))
            continue
        out[kind][key] = Default(kind, key, pct, status, (r.get("source") or "").strip(), (r.get("url") or "").strip())
    for kind, keys in KINDS.items():
        for key in keys:
            if key not in out[kind] and not any(p.value == key for p in problems):
                problems.append(_problem(f"no default for {kind} {key!r}", f"ไม่มีค่าตั้งต้นสำหรับ {kind} {key!r}",
                                         None, "key", key, CalcError.EMPTY_VALUE))
    if problems:
        raise InputError(problems)
    return out


@lru_cache(maxsize=1)
def _defaults() -> dict[str, dict[str, Default]]:
    return parse(reference.text("uncertainty"))


reference.on_clear(_defaults.cache_clear)


def defaults() -> dict[str, dict[str, Default]]:
    """The shipped defaults: {"activity": {source: Default}, "factor": {status: Default}}."""
    return {k: dict(v) for k, v in _defaults().items()}


def line_pct(activity_pct: float, factor_pct: float) -> float:
    """Combined uncertainty (percent) of activity x factor: sqrt(a² + f²)."""
    return math.hypot(activity_pct, factor_pct)


def combine(lines: Iterable[tuple[float, float, float]]) -> float | None:
    """Uncertainty (95 % half-width, percent) of the sum of the lines' CO2e.

    Each line is (co2e_t, activity_pct, factor_pct). Returns sqrt(Σ (u_i·x_i)²) / |Σ x_i| x 100 %
    with u_i = sqrt(a_i² + f_i²) / 100, or None when the total is 0 (a percentage of nothing is
    undefined). InputError naming the line (1-based) and field for a value that is not a finite
    number, or a negative percentage."""
    problems: list[Problem] = []
    total = 0.0
    squares = 0.0
    for i, line in enumerate(lines, start=1):
        try:
            x, a, f = (float(v) for v in line)
        except (TypeError, ValueError):
            problems.append(Problem(message_en=f"line {i}: expected (co2e_t, activity_pct, factor_pct), got {line!r}",
                                    message_th=f"บรรทัด {i}: ต้องเป็น (co2e_t, activity_pct, factor_pct) ไม่ใช่ {line!r}",
                                    line=i, column="line", code=CalcError.NOT_A_NUMBER))
            continue
        bad = False
        for name, v in (("co2e_t", x), ("activity_pct", a), ("factor_pct", f)):
            if not math.isfinite(v) or (name != "co2e_t" and v < 0):
                problems.append(Problem(message_en=f"line {i}: {name} must be a finite number"
                                                   + (" >= 0" if name != "co2e_t" else "") + f", not {v!r}",
                                        message_th=f"บรรทัด {i}: {name} ต้องเป็นตัวเลข"
                                                   + ("ที่ไม่น้อยกว่า 0" if name != "co2e_t" else "") + f" ไม่ใช่ {v!r}",
                                        line=i, column=name, value=str(v), code=CalcError.NOT_A_NUMBER))
                bad = True
        if bad:
            continue
        total += x
        squares += (line_pct(a, f) / 100.0 * x) ** 2
    if problems:
        raise InputError(problems)
    if total == 0:
        return None
    return math.sqrt(squares) / abs(total) * 100.0
