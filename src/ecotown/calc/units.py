"""EcoTown's single pint unit registry and cached unit conversions (no Django import).

Definitions beyond pint's defaults live in the data file ``ecotown/data/units.txt``.
Ambiguous unit names (a bare ``ton``, ``gal`` or ``barrel``) are refused: say ``t`` (tonne),
``short_ton`` or ``long_ton``; ``gallon`` (US liquid) or ``imperial_gallon``; ``bbl`` (the petroleum
barrel of 42 US gallons, 158.987 L — pint's own ``bbl`` is 31.5 gallons and is redefined in
``units.txt``).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pint

from ecotown.calc.errors import CalcError, UnitProblem

_AMBIGUOUS = {
    "ton": ("ambiguous unit 'ton': write t (metric tonne), short_ton or long_ton",
            "หน่วย 'ton' กำกวม: ใช้ t (ตันเมตริก) short_ton หรือ long_ton"),
    "tons": ("ambiguous unit 'tons': write t (metric tonne), short_ton or long_ton",
             "หน่วย 'tons' กำกวม: ใช้ t (ตันเมตริก) short_ton หรือ long_ton"),
    "gal": ("ambiguous unit 'gal': write gallon (US liquid) or imperial_gallon",
            "หน่วย 'gal' กำกวม: ใช้ gallon (แกลลอนสหรัฐ) หรือ imperial_gallon"),
    "gals": ("ambiguous unit 'gals': write gallon (US liquid) or imperial_gallon",
             "หน่วย 'gals' กำกวม: ใช้ gallon (แกลลอนสหรัฐ) หรือ imperial_gallon"),
    "barrel": ("ambiguous unit 'barrel': write bbl (petroleum barrel, 42 US gallons) or a volume in L or m3",
               "หน่วย 'barrel' กำกวม: ใช้ bbl (บาร์เรลน้ำมัน 42 แกลลอนสหรัฐ) หรือปริมาตรเป็น L หรือ m3"),
    "barrels": ("ambiguous unit 'barrels': write bbl (petroleum barrel, 42 US gallons) or a volume in L or m3",
                "หน่วย 'barrels' กำกวม: ใช้ bbl (บาร์เรลน้ำมัน 42 แกลลอนสหรัฐ) หรือปริมาตรเป็น L หรือ m3"),
}
# Written forms that pint would read as arithmetic.
_ALIASES = {"tonne-km": "tkm", "tonne_km": "tkm", "t-km": "tkm", "t.km": "tkm",
            "passenger-km": "pkm", "p-km": "pkm", "Nm³": "Nm3", "m³": "m3"}
UNITS_FILE = Path(__file__).resolve().parent.parent / "data" / "units.txt"
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The one registry: pint defaults plus ``ecotown/data/units.txt``."""
    # pint's parsed-definitions cache (in the user's cache folder) halves start-up time; set
    # ECOTOWN_PINT_CACHE= (empty) to disable it.
    cache = os.environ.get("ECOTOWN_PINT_CACHE", ":auto:") or None
    # units.txt redefines pint's `bbl` on purpose (the 42-gallon petroleum barrel): no warning on stderr
    try:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=cache, on_redefinition="ignore")
    except Exception:  # unwritable cache folder and the like
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, on_redefinition="ignore")
    ureg.load_definitions(str(UNITS_FILE))
    return ureg


def _normalise(text: str) -> str:
    t = str(text).strip()
    for k, v in _ALIASES.items():
        t = t.replace(k, v)
    return t


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string; raise UnitProblem for empty, ambiguous or unknown units."""
    if text is None or not str(text).strip():
        raise UnitProblem("empty unit", "ไม่ได้ระบุหน่วย", str(text), CalcError.EMPTY_UNIT)
    t = _normalise(text)
    for tok in _TOKEN.findall(t):
        if tok in _AMBIGUOUS:
            en, th = _AMBIGUOUS[tok]
            raise UnitProblem(en, th, text, CalcError.AMBIGUOUS_UNIT)
    try:
        unit = registry().parse_units(t)
    except Exception:
        raise UnitProblem(f"unknown unit {text!r}", f"ไม่รู้จักหน่วย {text!r}", text, CalcError.UNKNOWN_UNIT) from None
    return unit


def dimensionality(text: str) -> str:
    """A stable text form of the unit's dimension, e.g. '[mass]' or '[length] ** 3'."""
    return str(parse_unit(text).dimensionality)


def same_dimension(a: str, b: str) -> bool:
    return parse_unit(a).dimensionality == parse_unit(b).dimensionality


@lru_cache(maxsize=4096)
def factor(from_unit: str, to_unit: str) -> float:
    """Multiplier m with x [from_unit] = x*m [to_unit]; UnitProblem if dimensions differ."""
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a.dimensionality != b.dimensionality:
        raise UnitProblem(
            f"unit {from_unit!r} ({a.dimensionality}) cannot be converted to {to_unit!r} ({b.dimensionality})",
            f"แปลงหน่วย {from_unit!r} ({a.dimensionality}) เป็น {to_unit!r} ({b.dimensionality}) ไม่ได้",
            from_unit,
            CalcError.UNIT_DIMENSION,
        )
    ureg = registry()
    return float(ureg.Quantity(1.0, a).to(b).magnitude)


def quantity(value: float, unit: str):
    """A pint Quantity in the EcoTown registry."""
    return registry().Quantity(value, parse_unit(unit))
