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
                "reason": {"en": self.reason_en, "th": self.reason_th}}


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
            context=tuple(k.get("context") or ()))
    return out


def library_edition() -> str:
    return str(_document().get("edition", ""))


for _cache in (_document, library):
    reference.on_clear(_cache.cache_clear)


def definition(kpi_id: str) -> KpiDefinition:
    try:
        return library()[kpi_id]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi_id!r}") from None


def compute(kpi_id: str, inputs: Mapping[str, Any]) -> KpiValue:
    """Apply the KPI's formula to `inputs` ({input name: number or None}).

    * total: the single input;  ratio: a / b;  share_pct: 100 · a / b;
      change_pct: 100 · (a − b) / b  (a = this year, b = base year).
    A missing input, or a zero denominator, gives no value (with the reason)."""
    d = definition(kpi_id)
    used = {name: inputs.get(name) for name in d.inputs}
    used.update({k: v for k, v in inputs.items() if k not in used})  # context, e.g. the base year
    if not d.computed:
        return KpiValue(d.id, None, d.unit, used, tuple(d.inputs),
                        "no stored data for this KPI yet: enter the value by hand with evidence",
                        "ยังไม่มีข้อมูลในระบบสำหรับตัวชี้วัดนี้ กรุณากรอกค่าพร้อมหลักฐาน")
    missing = tuple(n for n in d.inputs if used[n] is None)
    if missing:
        return KpiValue(d.id, None, d.unit, used, missing,
                        "no data for: " + ", ".join(missing),
                        "ไม่มีข้อมูล: " + ", ".join(missing))
    nums = [Fraction(used[n]) if hasattr(used[n], "as_tuple") else to_fraction(used[n]) for n in d.inputs]
    if d.formula == "total":
        return KpiValue(d.id, nums[0], d.unit, used)
    a, b = nums[0], nums[1]
    if b == 0:
        return KpiValue(d.id, None, d.unit, used, (d.inputs[1],),
                        f"{d.inputs[1]} is zero: the KPI is undefined",
                        f"{d.inputs[1]} เป็นศูนย์ จึงคำนวณตัวชี้วัดไม่ได้")
    if d.formula == "ratio":
        value = a / b
    elif d.formula == "share_pct":
        value = 100 * a / b
    else:  # change_pct
        value = 100 * (a - b) / b
    return KpiValue(d.id, value, d.unit, used)


def framework_metric_ids(framework) -> set[str]:
    """The KPI ids a framework binds (`metric:` of its indicators)."""
    return {ind.metric for _, ind in framework.indicators() if ind.metric}
