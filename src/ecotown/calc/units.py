"""EcoTown's single pint unit registry and cached unit conversions (no Django import).

Definitions beyond pint's defaults live in the data file ``ecotown/data/units.txt``.
Ambiguous unit names (a bare ``ton``, ``gal`` or ``barrel``) are refused: say ``t`` (tonne),
``short_ton`` or ``long_ton``; ``gallon`` (US liquid) or ``imperial_gallon``; ``bbl`` (the petroleum
barrel of 42 US gallons, 158.987 L — pint's own ``bbl`` is 31.5 gallons and is redefined in
``units.txt``).

pint is imported only when a unit must really be worked out: its results (is a unit valid, its
dimension, a conversion factor, the engine's chain multipliers) are kept in a small persistent cache
(``results``), exactly the numbers pint gave, in a file named by pint's version and the contents of
``units.txt`` and of the modules that compute the results (this one, ``ghg``): a new pint, a changed
``units.txt`` or changed code start a new file. Set ``ECOTOWN_PINT_CACHE=`` (empty) to disable it together with pint's own cache.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ecotown.calc.errors import CalcError, UnitProblem

if TYPE_CHECKING:  # pint is imported on first use only (start-up time)
    import pint

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
    import pint

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
    return results("dimstr", str(text), lambda: str(parse_unit(text).dimensionality))


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


# --------------------------------------------------------------------------------------------
# Persistent cache of pint's results
# --------------------------------------------------------------------------------------------
_CACHE_FORMAT = "ecotown-units-results 1"
_CACHE_MAX = 200_000  # entries; a larger store starts again empty
_results: dict | None = None
_dirty = False
#: the modules whose code turns pint's answers into cached results (their source is in the file name)
_SOURCES: list[Path] = [Path(__file__).resolve()]


def cache_source(path: str | Path) -> None:
    """Name the results file also by this module's source (a module that caches results through
    `results`), so that changed code never reads results stored by the old code."""
    p = Path(path).resolve()
    if p not in _SOURCES:
        _SOURCES.append(p)


@lru_cache(maxsize=8)
def dist_version(module: str, dist: str) -> str:
    """The installed version of distribution `dist` (top-level module `module`) and its folder,
    without importing it or importlib.metadata (both cost start-up time)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return "?"
    pkg = Path(spec.origin).parent
    prefix = dist.replace("-", "_").lower() + "-"
    try:
        for name in os.listdir(pkg.parent):
            if name.lower().replace("-", "_").startswith(prefix) and name.endswith((".dist-info", ".egg-info")):
                return name[len(prefix):].rsplit(".", 1)[0] + "@" + str(pkg)
    except OSError:
        pass
    from importlib.metadata import version

    return version(dist) + "@" + str(pkg)


def _cache_file() -> Path | None:
    folder = os.environ.get("ECOTOWN_PINT_CACHE", ":auto:")
    if not folder:
        return None
    if folder == ":auto:":
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ecotown"
    h = hashlib.sha256()
    for part in (_CACHE_FORMAT, dist_version("pint", "pint"), repr(sorted(_AMBIGUOUS)), repr(_ALIASES)):
        h.update(part.encode() + b"\0")
    h.update(UNITS_FILE.read_bytes())
    for src in _SOURCES:
        h.update(src.read_bytes())
    return Path(folder) / f"units-{h.hexdigest()[:24]}.json"


def _store() -> dict:
    global _results
    if _results is None:
        _results = {}
        try:
            path = _cache_file()
            if path is not None and path.exists():
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if isinstance(data, dict) and data.get("format") == _CACHE_FORMAT:
                    _results = data.get("results", {})
        except (OSError, ValueError):
            _results = {}
    return _results


def results(kind: str, key: str, compute: Callable[[], object]):
    """pint's result for (kind, key): from the persistent cache, or `compute()` (which runs pint and
    returns plain JSON values) stored for the next process. An exception from `compute` is not cached."""
    global _dirty
    store = _store()
    k = kind + "\x1f" + key
    if k in store:
        return store[k]
    value = compute()
    if len(store) >= _CACHE_MAX:
        store.clear()
    store[k] = value
    _dirty = True
    return value


@atexit.register
def save_results() -> None:
    """Write new results (atomically: another process may be reading or writing the same file)."""
    global _dirty
    if not _dirty or _results is None:
        return
    _dirty = False
    try:
        path = _cache_file()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": _CACHE_FORMAT, "results": _results}, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def _dims_of(text: str) -> dict:
    return {k: v for k, v in parse_unit(text).dimensionality.items()}


def check_unit(text: str) -> dict:
    """Raise UnitProblem like `parse_unit` for a bad unit; else its dimension as
    {"[mass]": 1, "[length]": -3, ...} (pint's dimensionality), without pint when cached."""
    if text is None or not str(text).strip():
        parse_unit(text)  # raises
    return results("dims", str(text), lambda: _dims_of(text))


def dimension_key(text: str) -> tuple:
    """A hashable form of the unit's dimension (for grouping units of the same dimension)."""
    return tuple(sorted(check_unit(text).items()))


def factor_cached(from_unit: str, to_unit: str) -> float:
    """`factor` through the persistent cache (exactly pint's number)."""
    return results("factor", f"{from_unit}\x1f{to_unit}", lambda: factor(from_unit, to_unit))


#: unit spellings users commonly write (energy, volume, gas volume, mass, transport, area); the GHG
#: engine prices every factor activity in these and the factors' own units before its scan
COMMON_UNITS = (
    "Wh", "kWh", "MWh", "GWh", "J", "kJ", "MJ", "GJ", "TJ", "kcal", "Mcal", "Gcal", "mmBtu", "MMBtu", "therm",
    "mL", "L", "kL", "m3", "gallon", "imperial_gallon", "bbl",
    "Nm3", "scf", "Mscf", "MMscf",
    "mg", "g", "kg", "t", "Mt", "Gg", "lb", "short_ton", "long_ton",
    "km", "tkm", "pkm",
)
