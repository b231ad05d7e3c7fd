"""The KPI library: definitions as data (src/ecotown/data/kpi/kpis.yaml) and pure formulas.

No Django. Each KPI names its inputs (`inputs: [ghg.total_co2e_t, registry.employees]`, in the
formula's order; `context:` names values shown beside it but not used by the formula). The
platform's apps provide named inputs (`ecotown.core.inputs`); the assessment app gathers the ones a
KPI names (ecotown.assessment.kpis) and calls `compute(kpi_id, inputs)`; the result carries the
value AND the inputs it came from. A KPI whose inputs are missing (None) has no value — it is never
silently zero: the indicator bound to it is entered by hand with evidence.

    >>> compute("land.green_area_share_pct", {"registry.area_green_rai": 150, "registry.area_total_rai": 1000}).value
    Fraction(15, 1)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from ecotown.calc import reference
from ecotown.calc.framework import Text, to_fraction

FORMULAS = ("total", "ratio", "share_pct", "change_pct")
MONTHS = 12


@dataclass(frozen=True)
class Note:
    """Something the reader of a KPI must know about its inputs (coverage, annualisation, rows
    left out, where a denominator came from): a stable code and the text in English and Thai."""

    code: str
    en: str
    th: str

    def to_json_dict(self) -> dict:
        return {"code": self.code, "en": self.en, "th": self.th}


def annualise(parts) -> tuple[float | None, bool]:
    """Σ total × 12 / months over `parts` [(total t, months reported 0..12)], and whether any part
    was scaled. A part with no month reported has no data and adds nothing; no part with data → None.

        >>> annualise([(70.0, 7), (120.0, 12)])
        (240.0, True)
    """
    out, scaled, seen = 0.0, False, False
    for total, months in parts:
        if not months or total is None:
            continue
        if not 1 <= months <= MONTHS:
            raise ValueError(f"months reported must be 1..12, not {months!r}")
        seen = True
        out += float(total) * MONTHS / months if months != MONTHS else float(total)
        scaled = scaled or months != MONTHS
    return (round(out, 6) if seen else None), scaled


def annualised_note(year: int, months: int, organisations: int, base_year: int, base_months: int,
                    base_organisations: int, *, th_year=None) -> Note:
    """The note of a change against the base year computed on annualised totals. `th_year(year)` is
    the year a Thai reader sees (the caller passes ecotown.core.dates.be_year; C.E. without it)."""
    th_year = th_year or (lambda y: y)
    def part_en(y, m, n):
        return f"{y}: {m} of {MONTHS * n} {'months' if n == 1 else 'organisation-months'} reported"

    def part_th(y, m, n):
        return f"ปี {th_year(y)}: รายงาน {m} จาก {MONTHS * n} {'เดือน' if n == 1 else 'เดือน-องค์กร'}"

    return Note("annualised",
                "Annualised (× 12 / months reported, per organisation) because the months reported differ "
                f"from a full year — {part_en(year, months, organisations)}; "
                f"{part_en(base_year, base_months, base_organisations)}",
                "ปรับเป็นค่าทั้งปี (× 12 / จำนวนเดือนที่รายงาน รายองค์กร) เพราะจำนวนเดือนที่รายงานไม่ครบปี — "
                f"{part_th(year, months, organisations)}; {part_th(base_year, base_months, base_organisations)}")


def left_out_note(rows) -> Note:
    """Activity rows left out of an energy total because no heating value converts them to energy:
    rows = [(activity, unit, number of records)]."""
    what = ", ".join(f"{a} ({u}): {n}" for a, u, n in rows)
    return Note("not_convertible",
                f"Left out (no heating value to convert them to energy): {what} records",
                f"ไม่ได้นับรวม (ไม่มีค่าความร้อนสำหรับแปลงเป็นพลังงาน): {what} รายการ")


def employees_note(reported: int, registered: int, without: int = 0, *, estate: bool = False) -> Note:
    """Where the employees of the organisations in the numerator came from (an estate: how many
    organisations from which source)."""
    if not estate and reported + registered + without == 1:
        if reported:
            return Note("employees_reported", "Employees: the average of the monthly employee records reported",
                        "จำนวนพนักงาน: ค่าเฉลี่ยของจำนวนพนักงานรายเดือนที่รายงาน")
        if registered:
            return Note("employees_registered", "Employees: the number in the factory registry (none reported)",
                        "จำนวนพนักงาน: ตามทะเบียนโรงงาน (ไม่มีการรายงานรายเดือน)")
    en = (f"Employees of the organisations whose emissions are counted ({reported + registered + without}): "
          f"{reported} from their monthly records, {registered} from the factory registry")
    th = (f"จำนวนพนักงานขององค์กรที่นับการปล่อยก๊าซ {reported + registered + without} แห่ง: "
          f"จากการรายงานรายเดือน {reported} แห่ง จากทะเบียนโรงงาน {registered} แห่ง")
    if without:
        en += f", {without} without a known number (not counted)"
        th += f" ไม่ทราบจำนวน {without} แห่ง (ไม่นับ)"
    return Note("employees_sources", en, th)


@dataclass(frozen=True)
class KpiDefinition:
    id: str
    name: Text
    unit: str
    period: str
    applies_to: tuple[str, ...]
    formula: str
    inputs: tuple[str, ...]
    numerator: Text | None = None
    denominator: Text | None = None
    source: Text | None = None
    computed: bool = True
    context: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every named input to gather: the formula's inputs, then the context."""
        return self.inputs + tuple(n for n in self.context if n not in self.inputs)


@dataclass(frozen=True)
class KpiValue:
    """A computed KPI: `value` (exact Fraction, or None when an input is missing) plus the inputs
    used, the reason when there is no value, and the definition."""

    kpi: str
    value: Fraction | None
    unit: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    reason_en: str = ""
    reason_th: str = ""
    notes: tuple[Note, ...] = ()

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def value_out(self) -> int | float | None:
        """The value as a JSON/YAML number (int when whole)."""
        if self.value is None:
            return None
        return int(self.value) if self.value.denominator == 1 else float(self.value)

    def to_json_dict(self) -> dict:
        return {"kpi": self.kpi, "value": self.value_out(), "unit": self.unit,
                "inputs": {k: _plain(v) for k, v in self.inputs.items()}, "missing": list(self.missing),
                "reason": {"en": self.reason_en, "th": self.reason_th},
                "notes": [n.to_json_dict() for n in self.notes]}


def _plain(v: Any) -> Any:
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    if hasattr(v, "as_tuple"):  # Decimal
        return float(v)
    return v


def _text(d: Any) -> Text | None:
    if not d:
        return None
    return Text(th=str(d["th"]), en=str(d["en"]))


def library_path() -> Path:
    return reference.path("kpi_definitions")


@lru_cache(maxsize=1)
def _document() -> dict:
    return yaml.safe_load(reference.text("kpi_definitions"))


@lru_cache(maxsize=1)
def library() -> dict[str, KpiDefinition]:
    """{kpi id: definition} of the shipped library (order as in the file)."""
    data = _document()
    out: dict[str, KpiDefinition] = {}
    for k in data["kpis"]:
        if k["id"] in out:
            raise ValueError(f"duplicate KPI id {k['id']!r} in {library_path()}")
        if k["formula"] not in FORMULAS:
            raise ValueError(f"KPI {k['id']!r}: unknown formula {k['formula']!r}")
        out[k["id"]] = KpiDefinition(
            id=k["id"], name=_text(k["name"]), unit=k["unit"], period=k["period"],
            applies_to=tuple(k["applies_to"]), formula=k["formula"], inputs=tuple(k["inputs"]),
            numerator=_text(k.get("numerator")), denominator=_text(k.get("denominator")),
            source=_text(k.get("source")), computed=bool(k.get("computed", True)),
            context=tuple(k.get("context") or ()), renamed_from=tuple(k.get("renamed_from") or ()))
    known = set(out)
    for d in list(out.values()):
        for old in d.renamed_from:
            if old in known:
                raise ValueError(f"KPI {d.id!r}: renamed_from {old!r} is a KPI id of the library")
            known.add(old)
    return out


@lru_cache(maxsize=1)
def renamed() -> dict[str, str]:
    """{old KPI id: current id} (`renamed_from:` in the library): framework versions published with
    an old id keep working, and their result says the KPI was renamed."""
    return {old: d.id for d in library().values() for old in d.renamed_from}


def library_edition() -> str:
    return str(_document().get("edition", ""))


for _cache in (_document, library, renamed):
    reference.on_clear(_cache.cache_clear)


def resolve(kpi_id: str) -> str:
    """The current id of `kpi_id` (itself, or the KPI it was renamed to)."""
    return renamed().get(kpi_id, kpi_id)


def knows(kpi_id: str) -> bool:
    """Whether `kpi_id` is a KPI of the library (under its current or a former id)."""
    return resolve(kpi_id) in library()


def definition(kpi_id: str) -> KpiDefinition:
    try:
        return library()[resolve(kpi_id)]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi_id!r}") from None


def compute(kpi_id: str, inputs: Mapping[str, Any], notes=()) -> KpiValue:
    """Apply the KPI's formula to `inputs` ({input name: number or None}); `notes` (Note) about the
    inputs are carried into the result. A former id (`renamed_from`) computes the current KPI, with a
    note saying so.

    * total: the single input;  ratio: a / b;  share_pct: 100 · a / b;
      change_pct: 100 · (a − b) / b  (a = this year, b = base year).
    A missing input, or a zero denominator, gives no value (with the reason)."""
    d = definition(kpi_id)
    notes = tuple(notes)
    if d.id != kpi_id:
        notes = (Note("renamed", f"{kpi_id} is now {d.id}: {d.name.en}", f"{kpi_id} เปลี่ยนเป็น {d.id}: {d.name.th}"),
                 *notes)
    used = {name: inputs.get(name) for name in d.inputs}
    used.update({k: v for k, v in inputs.items() if k not in used})  # context, e.g. the base year
    if not d.computed:
        return KpiValue(d.id, None, d.unit, used, tuple(d.inputs),
                        "no stored data for this KPI yet: enter the value by hand with evidence",
                        "ยังไม่มีข้อมูลในระบบสำหรับตัวชี้วัดนี้ กรุณากรอกค่าพร้อมหลักฐาน", notes)
    missing = tuple(n for n in d.inputs if used[n] is None)
    if missing:
        return KpiValue(d.id, None, d.unit, used, missing,
                        "no data for: " + ", ".join(missing),
                        "ไม่มีข้อมูล: " + ", ".join(missing), notes)
    nums = [Fraction(used[n]) if hasattr(used[n], "as_tuple") else to_fraction(used[n]) for n in d.inputs]
    if d.formula == "total":
        return KpiValue(d.id, nums[0], d.unit, used, notes=notes)
    a, b = nums[0], nums[1]
    if b == 0:
        return KpiValue(d.id, None, d.unit, used, (d.inputs[1],),
                        f"{d.inputs[1]} is zero: the KPI is undefined",
                        f"{d.inputs[1]} เป็นศูนย์ จึงคำนวณตัวชี้วัดไม่ได้", notes)
    if d.formula == "ratio":
        value = a / b
    elif d.formula == "share_pct":
        value = 100 * a / b
    else:  # change_pct
        value = 100 * (a - b) / b
    return KpiValue(d.id, value, d.unit, used, notes=notes)


def framework_metric_ids(framework) -> set[str]:
    """The KPI ids a framework binds (`metric:` of its indicators)."""
    return {ind.metric for _, ind in framework.indicators() if ind.metric}
