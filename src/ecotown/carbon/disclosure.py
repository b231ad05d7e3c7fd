"""What a verifier reads with an inventory (ISO 14064-1:2018 §5.2.3, §8.3, §9.3; GHG Protocol Scope 2
Guidance): per-gas figures, both Scope 2 totals with the market-based fallback stated, exclusions, memo
gases, pending corrections, coverage (months reported per source), the uncertainty and a generated
completeness statement — each text in Thai and English (`{"th": ..., "en": ...}`), so the page picks the
reader's language and the Excel and PDF print both. Reads stored results only; computes nothing new
except the counted share of a line (date arithmetic on the stored line) and the months covered."""
from __future__ import annotations

import datetime as dt

from django.utils import translation

from ecotown.calc import ghg
from ecotown.core import dates

from . import inputs
from . import uncertainty as uncertainty_
from .models import FactorStatus, Inventory, InventoryLine

KYOTO_ORDER = ("CO2", "CH4", "N2O")
CO2E_LABEL = {"th": "CO2e (แหล่งที่มาไม่แยกก๊าซ)", "en": "CO2e (not split by gas in the source)"}
CO2E_LABEL_BOTH = "CO2e (แหล่งที่มาไม่แยกก๊าซ / not split by gas in the source)"

SCOPE3_CATEGORIES = {
    1: ("สินค้าและบริการที่ซื้อ", "purchased goods and services"),
    2: ("สินค้าทุน", "capital goods"),
    3: ("กิจกรรมที่เกี่ยวข้องกับเชื้อเพลิงและพลังงาน", "fuel- and energy-related activities"),
    4: ("การขนส่งและกระจายสินค้าต้นน้ำ", "upstream transportation and distribution"),
    5: ("ของเสียจากการดำเนินงาน", "waste generated in operations"),
    6: ("การเดินทางเพื่อธุรกิจ", "business travel"),
    7: ("การเดินทางของพนักงาน", "employee commuting"),
    8: ("สินทรัพย์ที่เช่าต้นน้ำ", "upstream leased assets"),
    9: ("การขนส่งและกระจายสินค้าปลายน้ำ", "downstream transportation and distribution"),
    10: ("การแปรรูปผลิตภัณฑ์ที่ขาย", "processing of sold products"),
    11: ("การใช้ผลิตภัณฑ์ที่ขาย", "use of sold products"),
    12: ("การจัดการซากผลิตภัณฑ์ที่ขาย", "end-of-life treatment of sold products"),
    13: ("สินทรัพย์ที่ให้เช่าปลายน้ำ", "downstream leased assets"),
    14: ("แฟรนไชส์", "franchises"),
    15: ("การลงทุน", "investments"),
}
LANGS = ("th", "en")


def _both(th: str, en: str) -> dict:
    return {"th": th, "en": en}


def activity_names(code: str) -> dict:
    c = ghg.activity_catalogue().get(code) or {}
    return _both(c.get("name_th") or code, c.get("name_en") or code)


def status_label(status: str) -> dict:
    """A factor status in Thai and English (the labels of FactorStatus, one catalogue)."""
    return _label_both(FactorStatus.choices, status)


def factor_label(status: str, source: str, edition: str) -> dict:
    """“<status> · <source> · <edition>” in each language (shown beside the factor everywhere)."""
    lab = status_label(status)
    tail = " · ".join(x for x in (source, edition) if x)
    return {lang: f"{lab[lang]} · {tail}" if tail else lab[lang] for lang in LANGS}


def tonnes(x) -> str:
    """t to the kilogram without trailing zeros: 142.6, 0.274 ("—" when unknown)."""
    return "—" if x is None else (f"{x:,.3f}".rstrip("0").rstrip(".") or "0")


def num(x, places: int = 1) -> str:
    """1,000 · 548.4 · 0.3 (a whole number without decimals; "—" when unknown)."""
    if x is None:
        return "—"
    out = f"{x:,.{places}f}"
    return out[: -(places + 1)] if places and out.endswith("." + "0" * places) else out


# --------------------------------------------------------------------------------------------
# Lines reproduce by hand
# --------------------------------------------------------------------------------------------
def counted(period_start: dt.date, period_end: dt.date, quantity: float, year: int,
            edition_from: dt.date | None = None, edition_to: dt.date | None = None) -> dict:
    """The part of a record a line counts: the days inside the year (and the factor edition's dates),
    of the record's days, and that share of its quantity (pro rata by days, as the engine counts it)."""
    s = max(period_start, dt.date(year, 1, 1), edition_from or dt.date.min)
    e = min(period_end, dt.date(year, 12, 31), edition_to or dt.date.max)
    days = max(0, (e - s).days + 1)
    record_days = (period_end - period_start).days + 1
    return {"start": s, "end": e, "days": days, "record_days": record_days, "share": days / record_days,
            "quantity": quantity * days / record_days, "record_quantity": quantity}


def line_counted(line: InventoryLine, year: int) -> dict:
    c = counted(line.period_start, line.period_end, line.quantity, year, line.edition_from, line.edition_to)
    q, tot, u = num(c["quantity"]), num(c["record_quantity"]), line.unit
    c["text"] = _both(f"{c['days']} วัน จาก {c['record_days']} วัน: {q} จาก {tot} {u}",
                      f"{c['days']} of {c['record_days']} days: {q} of {tot} {u}")
    return c


# --------------------------------------------------------------------------------------------
# Per gas, Scope 2
# --------------------------------------------------------------------------------------------
def _gas_key(g: str):
    return (KYOTO_ORDER.index(g) if g in KYOTO_ORDER else len(KYOTO_ORDER), g)


def per_gas(inv: Inventory) -> dict:
    """Kyoto gases by mass (t of gas) and t CO2e; lines whose factor is published as CO2e apart (no
    mass of a gas: the source does not split it); biogenic CO2 reported separately."""
    by = inv.by_gas or {}
    gases = [{"gas": g, "label": _both(g, g), "mass_t": d.get("mass_t"), "co2e_t": d.get("co2e_t")}
             for g, d in sorted(by.items(), key=lambda kv: _gas_key(kv[0]))
             if g not in ("CO2e", "CO2_biogenic") and d.get("co2e_t") is not None]
    # CO2, CH4 and N2O are always listed; one not reported separately is None ("–") when CO2e factors
    # (not split by gas) are in the inventory — it may be inside them — and 0 when there are none
    hidden = bool((by.get("CO2e") or {}).get("co2e_t"))
    for g in KYOTO_ORDER:
        if g not in by:
            gases.append({"gas": g, "label": _both(g, g), "mass_t": None if hidden else 0.0,
                          "co2e_t": None if hidden else 0.0})
    gases.sort(key=lambda r: _gas_key(r["gas"]))
    co2e = by.get("CO2e")
    bio = by.get("CO2_biogenic")
    return {"gases": gases,
            "co2e": {"gas": "CO2e", "label": CO2E_LABEL, "mass_t": None,
                     "co2e_t": co2e.get("co2e_t", 0.0) if co2e else 0.0},
            "biogenic_t": bio.get("mass_t", 0.0) if bio else 0.0}


def scope2(inv: Inventory) -> dict:
    """Both Scope 2 totals; market-based = location-based when no market factor is loaded anywhere, and
    the activities whose location factor stood in for a missing market factor."""
    t = inv.totals or {}
    loc, mkt = t.get("scope2_location_t"), t.get("scope2_market_t")
    fallbacks = sorted({w["activity"] for w in inv.warnings or [] if w.get("kind") == "market_fallback"})
    out = {"location_t": loc, "market_t": mkt if mkt is not None else loc, "no_instruments": mkt is None,
           "fallbacks": [{"activity": a, "name": activity_names(a)} for a in fallbacks]}
    if mkt is None:
        out["statement"] = _both("ไม่มีเครื่องมือตามสัญญา: ค่าแบบอิงตลาด (market-based) เท่ากับค่าแบบอิงสถานที่ (location-based)",
                                 "no contractual instruments: market-based equals location-based")
    elif fallbacks:
        th = ", ".join(activity_names(a)["th"] for a in fallbacks)
        en = ", ".join(activity_names(a)["en"] for a in fallbacks)
        out["statement"] = _both(f"ค่าแบบอิงตลาด: ไม่มีค่าแบบตลาดสำหรับ {th} จึงใช้ค่าแบบอิงสถานที่แทน",
                                 f"market-based: no market factor for {en}; its location-based factor is used")
    else:
        out["statement"] = _both("ค่าแบบอิงตลาดใช้ค่าจากเครื่องมือตามสัญญาหรือค่าของผู้จำหน่ายทุกแหล่ง",
                                 "market-based uses contractual-instrument or supplier factors for every source")
    return out


# --------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------
def months_text(months, lang: str) -> str:
    """Runs of months, e.g. “ม.ค.–ธ.ค. (12/12)”, “Jan–Mar, May–Oct (9/12)”, “— (0/12)”."""
    names = dates.TH_MONTHS_SHORT if lang == "th" else dates.EN_MONTHS_SHORT
    ms = sorted(set(months))
    runs, i = [], 0
    while i < len(ms):
        j = i
        while j + 1 < len(ms) and ms[j + 1] == ms[j] + 1:
            j += 1
        runs.append(names[ms[i] - 1] if i == j else f"{names[ms[i] - 1]}–{names[ms[j] - 1]}")
        i = j + 1
    return f"{', '.join(runs) or '—'} ({len(ms)}/12)"


def _months_of(s: dt.date, e: dt.date, year: int) -> set[int]:
    s, e = max(s, dt.date(year, 1, 1)), min(e, dt.date(year, 12, 31))
    if s > e:
        return set()
    return set(range(s.month, e.month + 1))


def coverage(inv: Inventory) -> list[dict]:
    """Per source (activity and meter): which of the 12 months of the year have counted records."""
    recs = {}
    for rid, act, s, e in InventoryLine.objects.filter(inventory=inv).values_list(
            "record_id", "activity", "period_start", "period_end").distinct():
        recs[rid] = (act, s, e)
    meters = dict(inputs.record_model().objects.filter(pk__in=list(recs)).values_list("pk", "meter")) if recs else {}
    by: dict[tuple[str, str], set[int]] = {}
    for rid, (act, s, e) in recs.items():
        by.setdefault((act, meters.get(rid) or ""), set()).update(_months_of(s, e, inv.year))
    out = []
    for (act, meter), months in sorted(by.items()):
        missing = [m for m in range(1, 13) if m not in months]
        out.append({"activity": act, "meter": meter, "name": activity_names(act), "months": sorted(months),
                    "n": len(months), "missing": missing,
                    "text": {lang: months_text(months, lang) for lang in LANGS},
                    "missing_text": {lang: ", ".join((dates.TH_MONTHS_SHORT if lang == "th" else dates.EN_MONTHS_SHORT)[m - 1]
                                                     for m in missing) for lang in LANGS}})
    return out


# --------------------------------------------------------------------------------------------
# Completeness
# --------------------------------------------------------------------------------------------
def pending_corrections(inv: Inventory) -> dict:
    return getattr(inv, "pending_corrections", None) or {}


def _source_name(c: dict, lang: str) -> str:
    return c["name"][lang] + (f" ({c['meter']})" if c["meter"] else "")


def completeness(inv: Inventory, cov: list[dict] | None = None) -> dict:
    """The completeness statement (ISO 14064-1 §5.2.3, §9.3), generated in Thai and English."""
    cov = coverage(inv) if cov is None else cov
    pend = pending_corrections(inv)
    th, en = [], []
    be = dates.be_year(inv.year)
    th.append(f"บัญชีก๊าซเรือนกระจกปี พ.ศ. {be} ครอบคลุมแหล่งปล่อยจากบันทึกที่ผ่านการตรวจสอบแล้ว ภายใต้ขอบเขตการควบคุมการดำเนินงาน")
    en.append(f"The {inv.year} inventory covers the sources of the verified records within the operational-control boundary.")
    if cov:
        th.append("แหล่งที่รวม: " + "; ".join(f"{_source_name(c, 'th')} {c['text']['th']}" for c in cov) + ".")
        en.append("Sources included: " + "; ".join(f"{_source_name(c, 'en')} {c['text']['en']}" for c in cov) + ".")
    else:
        th.append("ไม่มีแหล่งปล่อยที่รวมในบัญชี")
        en.append("No source is included.")
    gaps = [c for c in cov if c["missing"]]
    if gaps:
        th.append("เดือนที่ไม่มีข้อมูล: " + "; ".join(f"{_source_name(c, 'th')}: {c['missing_text']['th']}" for c in gaps)
                  + " (ไม่ได้ประมาณค่าแทน)")
        en.append("Months missing: " + "; ".join(f"{_source_name(c, 'en')}: {c['missing_text']['en']}" for c in gaps)
                  + " (not estimated).")
    elif cov:
        th.append("ทุกแหล่งมีข้อมูลครบ 12 เดือน")
        en.append("Every source has all 12 months.")
    if inv.excluded:
        th.append("แหล่งที่ไม่นับรวม (ไม่มีค่าสัมประสิทธิ์การปล่อยในคลังข้อมูล): " + "; ".join(
            f"{activity_names(e['activity'])['th']} {e['records']} รายการ, {num(e['quantity'])} {e['unit']}" for e in inv.excluded))
        en.append("Excluded (no emission factor in the library): " + "; ".join(
            f"{activity_names(e['activity'])['en']}, {e['records']} records, {num(e['quantity'])} {e['unit']}"
            for e in inv.excluded) + ".")
    else:
        th.append("ไม่มีแหล่งที่ไม่นับรวม")
        en.append("No source is excluded.")
    s3 = sorted(int(k) for k in (inv.by_scope3_category or {}))
    if s3:
        th.append("ขอบเขตที่ 3 รายงานประเภท " + ", ".join(f"{n} ({SCOPE3_CATEGORIES[n][0]})" for n in s3)
                  + "; ประเภทอื่นไม่ได้รายงาน")
        en.append("Scope 3 categories reported: " + ", ".join(f"{n} ({SCOPE3_CATEGORIES[n][1]})" for n in s3)
                  + "; the other categories are not reported.")
    else:
        th.append("ไม่ได้รายงานขอบเขตที่ 3")
        en.append("No Scope 3 category is reported.")
    if inv.memo:
        gases = ", ".join(sorted(inv.memo))
        th.append(f"ก๊าซนอกพิธีสารเกียวโต ({gases}) แสดงเป็นรายการบันทึก ไม่รวมในยอดรวม")
        en.append(f"Gases outside the Kyoto basket ({gases}) are shown as memo items, not in the total.")
    if pend:
        th.append(f"มีการแก้ไขที่รอการตรวจสอบ {pend.get('n', 0)} รายการ ({tonnes(pend.get('co2e_delta_t'))} t CO2e) "
                  "ยังไม่รวมในบัญชีนี้: ใช้ฉบับที่ตรวจสอบล่าสุด")
        n = pend.get("n", 0)
        en.append(f"{n} correction{'' if n == 1 else 's'} pending verification ({tonnes(pend.get('co2e_delta_t'))} t CO2e) "
                  f"{'is' if n == 1 else 'are'} not yet counted: the last verified version{'' if n == 1 else 's'} "
                  f"{'is' if n == 1 else 'are'} used.")
    else:
        th.append("ไม่มีการแก้ไขที่รอการตรวจสอบ")
        en.append("No correction is pending verification.")
    return {"th": " ".join(th), "en": " ".join(en)}


def uncertainty_text(inv: Inventory) -> dict:
    u = inv.uncertainty or {}
    if u.get("pct") is None:
        return _both("ไม่มีข้อมูล", "not available")
    return _both(f"±{u['pct']:.1f}% (ช่วงความเชื่อมั่น 95%, {u['lines']} รายการ)",
                 f"±{u['pct']:.1f}% (95% confidence, {u['lines']} lines)")


def _label_both(choices, code: str) -> dict:
    label = dict(choices).get(code)
    if label is None:
        return _both(code or "—", code or "—")
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = str(label)
    return out


def _date_both(value) -> dict:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return _both(value, value)
    if value is None:
        return _both("—", "—")
    return {lang: dates.format_date(value, lang) for lang in LANGS}


def pending_row(r: dict) -> dict:
    """One pending correction for a reader: the activity's name, its period (B.E. in Thai), its state."""
    from ecotown.reporting.models import State

    s, e = _date_both(r.get("period_start")), _date_both(r.get("period_end"))
    return {**r, "name": activity_names(r.get("activity", "")), "state_label": _label_both(State.choices, r.get("state", "")),
            "period": {lang: f"{s[lang]} – {e[lang]}" for lang in LANGS}}


def build(inv: Inventory) -> dict:
    """Everything the page, the Excel and the PDF disclose, in both languages."""
    cov = coverage(inv)
    pend = pending_corrections(inv)
    pend_rows = [pending_row(r) for r in pend.get("records", [])]
    return {
        "per_gas": per_gas(inv),
        "scope2": scope2(inv),
        "excluded": [{**e, "name": activity_names(e["activity"])} for e in inv.excluded or []],
        "memo": [{"gas": g, "mass_t": d.get("mass_t"), "co2e_t": d.get("co2e_t")} for g, d in sorted((inv.memo or {}).items())],
        "pending": pend, "pending_rows": pend_rows,
        "coverage": cov,
        "completeness": completeness(inv, cov),
        "uncertainty": inv.uncertainty or {}, "uncertainty_text": uncertainty_text(inv),
        "uncertainty_method": _both(uncertainty_.METHOD_TH, uncertainty_.METHOD) if inv.uncertainty else _both("", ""),
    }


def in_lang(value, lang: str):
    """`value` with every {"th", "en"} text replaced by the reader's language (for the page)."""
    if isinstance(value, dict):
        if set(value) == set(LANGS):
            return value["en" if (lang or "th").startswith("en") else "th"]
        return {k: in_lang(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [in_lang(v, lang) for v in value]
    return value
