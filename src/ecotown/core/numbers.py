"""Numbers formatted by kind, one way on pages, in workbooks and in PDFs.

| kind | page / PDF | Excel number format |
|---|---|---|
| t CO₂e (`tco2e`) | 1,411.957 (3 decimals: to the kilogram) | ``#,##0.000`` |
| percentage (`pct`) | 12.5 % (1 decimal) | ``0.0`` (a number of percent) |
| quantity (`quantity`) | 411,058.2 (at most 3 decimals, no trailing zeros; small values 4 significant digits) | ``#,##0.###`` |
| emission factor (`factor`) | 0.4999 (as published, at most 6 significant digits) | ``0.0000##`` |
| count (`count`) | 1,234 | ``#,##0`` |
| yes / no (`yes_no`) | ใช่ / ไม่ใช่ · Yes / No | text |

Units are typeset through `unit()`: m3 → m³, tCO2e → t CO₂e.
"""
from __future__ import annotations

import math
import re

from django.utils.translation import gettext

DASH = "–"

TCO2E_FORMAT = "#,##0.000"
PCT_FORMAT = "0.0"
QUANTITY_FORMAT = "#,##0.###"
FACTOR_FORMAT = "0.0000##"
COUNT_FORMAT = "#,##0"


def _float(value):
    if value in (None, ""):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def fixed(value, digits: int = 0) -> str:
    x = _float(value)
    if x is None:
        return DASH if value in (None, "") else str(value)
    text = f"{x:,.{int(digits)}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def tco2e(value) -> str:
    return fixed(value, 3)


def pct(value, digits: int = 1) -> str:
    """A number of percent (12.54 → "12.5 %")."""
    x = _float(value)
    return DASH if x is None else f"{fixed(x, digits)} %"


def quantity(value) -> str:
    """411058.2 → "411,058.2"; 0.00351 → "0.00351"; never trailing zeros, never more than 3 decimals for 1 or
    more."""
    x = _float(value)
    if x is None:
        return DASH if value in (None, "") else str(value)
    if x != 0 and abs(x) < 1:
        text = f"{x:.4g}"
        if "e" in text:
            text = f"{x:.10f}".rstrip("0")
        return text
    text = f"{x:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def factor(value) -> str:
    """An emission factor as published (0.4999, 2.7078), at most 6 significant digits."""
    x = _float(value)
    if x is None:
        return DASH
    text = f"{x:.6g}"
    if "e" in text:
        text = f"{x:.10f}".rstrip("0").rstrip(".")
    if "." in text:
        whole, dec = text.split(".")
        return f"{int(whole):,}.{dec}" if whole not in ("-0",) else text
    return f"{int(float(text)):,}"


def count(value) -> str:
    return fixed(value, 0)


def yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def coordinate(value) -> str:
    """A latitude or longitude in degrees, 4 decimals (about 10 m)."""
    x = _float(value)
    return DASH if x is None else f"{x:.4f}°"


_UNITS = [(re.compile(r"^percent$"), "%"), (re.compile(r"\bm3\b"), "m³"), (re.compile(r"\bm2\b"), "m²"), (re.compile(r"\bkm2\b"), "km²"),
          (re.compile(r"\btCO2e\b"), "t CO₂e"), (re.compile(r"\bCO2e\b"), "CO₂e"), (re.compile(r"\bCO2\b"), "CO₂"),
          (re.compile(r"\bCH4\b"), "CH₄"), (re.compile(r"\bN2O\b"), "N₂O")]


def unit(text) -> str:
    """Units typeset: m3 → m³, tCO2e → t CO₂e, CO2 → CO₂."""
    if not text:
        return ""
    out = str(text)
    for pat, repl in _UNITS:
        out = pat.sub(repl, out)
    return out


_OPS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def rule_text(written) -> str:
    """A framework threshold as written (">= 10", "<= -5", True) in words and signs: "≥ 10", "ใช่"."""
    if written is None or written == "":
        return ""
    if isinstance(written, bool) or str(written).lower() in ("true", "false"):
        return yes_no(written is True or str(written).lower() == "true")
    text = str(written).strip()
    m = re.fullmatch(r"(>=|<=|==|!=|>|<)\s*(-?[\d.]+)\s*(.*)", text)
    if not m:
        return text
    number = m.group(2)
    shown = fixed(float(number), len(number.split(".")[1]) if "." in number else 0).replace("-", "−")
    return f"{_OPS[m.group(1)]} {shown}{(' ' + unit(m.group(3))) if m.group(3) else ''}"


def level_label(level, lang: str) -> str:
    """A framework level by its name (Level.name {th, en}); its id tidied only when it has none."""
    if isinstance(level, str):
        known = {"eco-champion": "Eco-Champion", "eco-excellence": "Eco-Excellence", "eco-world-class": "Eco-World Class"}
        if level in known:
            return known[level]
    name = getattr(level, "name", None)
    if name:
        return (name.get(lang) if hasattr(name, "get") else None) or str(name)
    ident = str(getattr(level, "id", level) or "")
    return " ".join(w.capitalize() for w in ident.replace("_", "-").split("-"))


def indicator_kind(kind: str) -> str:
    return {"metric": gettext("measured value"), "checklist": gettext("yes / no"),
            "band": gettext("band (0–5)")}.get(kind, kind)


def excel_formats(wb, *, default: str = TCO2E_FORMAT) -> None:
    """Give every number cell a workbook would show raw (General format, a fraction) a number format:
    Excel keeps the number (sums still work) and the reader sees a fixed number of decimals."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and cell.number_format == "General" and cell.value != round(cell.value, 3):
                    cell.number_format = default
