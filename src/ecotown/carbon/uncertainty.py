"""The inventory's uncertainty (ISO 14064-1:2018 §8.3): per line an activity-data uncertainty (by the
record's data source: meter, invoice, estimate, or not stated) and a factor uncertainty (by the factor's
status), both defaults from `ecotown.calc.uncertainty.defaults()` (data/ghg/uncertainty.csv), combined
over the lines of the total (Kyoto gases, location-based) by error propagation."""
from __future__ import annotations

from ecotown.calc import uncertainty as calc

METHOD_TH = ("ISO 14064-1:2018 ข้อ 8.3; IPCC 2006 GL เล่ม 1 บทที่ 3 วิธีที่ 1 (การแพร่กระจายของความคลาดเคลื่อน): "
             "ต่อรายการ sqrt(a² + f²), รวม sqrt(Σ(u·x)²) / |Σx|; ค่าตั้งต้นตามแหล่งข้อมูลกิจกรรมและสถานะค่าสัมประสิทธิ์")
METHOD = ("ISO 14064-1:2018 §8.3; IPCC 2006 GL Vol 1 Ch 3 Approach 1 (error propagation): "
          "per line sqrt(a² + f²), total sqrt(Σ(u·x)²) / |Σx|; defaults by data source and factor status")


def line_pcts(line, table: dict | None = None) -> tuple[float, float]:
    """(activity ± %, factor ± %) of one inventory line: the default for its record's data source
    (`unknown` when none is stated) and for its factor's status (`user` when it has none)."""
    d = table or calc.defaults()
    act, fac = d["activity"], d["factor"]
    src = (getattr(line, "data_source", "") or "").strip() or "unknown"
    status = (getattr(line, "factor_status", "") or "").strip() or "user"
    a = act.get(src, act["unknown"])
    f = fac.get(status, fac["user"])
    return a.half_width_pct, f.half_width_pct


def counts(line) -> bool:
    """Lines that make up the inventory total (Scope 1 + 2 location-based + 3, Kyoto gases)."""
    return line.gas_kind == "kyoto" and line.basis == "location" and bool(line.co2e_t)


def for_lines(lines) -> dict:
    """{"pct", "method", "lines"} for the inventory, {} when nothing counts."""
    table = calc.defaults()
    rows = [(ln.co2e_t, *line_pcts(ln, table)) for ln in lines if counts(ln)]
    pct = calc.combine(rows) if rows else None
    if pct is None:
        return {}
    return {"pct": round(pct, 4), "method": METHOD, "lines": len(rows)}
