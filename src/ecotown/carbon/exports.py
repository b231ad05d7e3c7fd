"""Inventory exports: Excel in the ISO 14064-1 category layout, printable PDF (WeasyPrint, Sarabun)."""
from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from ecotown.calc import ghg
from ecotown.calc import uncertainty as calc_uncertainty
from ecotown.core import dates

from . import disclosure
from . import uncertainty as uncertainty_
from .models import Inventory, InventoryLine

ISO_EN = {
    1: "Category 1: Direct GHG emissions and removals",
    2: "Category 2: Indirect GHG emissions from imported energy",
    3: "Category 3: Indirect GHG emissions from transportation",
    4: "Category 4: Indirect GHG emissions from products used by the organisation",
    5: "Category 5: Indirect GHG emissions associated with the use of products from the organisation",
    6: "Category 6: Indirect GHG emissions from other sources",
}
ISO_TH = {
    1: "ประเภทที่ 1: การปล่อยและการดูดกลับก๊าซเรือนกระจกทางตรง",
    2: "ประเภทที่ 2: การปล่อยก๊าซเรือนกระจกทางอ้อมจากพลังงานที่นำเข้า",
    3: "ประเภทที่ 3: การปล่อยก๊าซเรือนกระจกทางอ้อมจากการขนส่ง",
    4: "ประเภทที่ 4: การปล่อยก๊าซเรือนกระจกทางอ้อมจากผลิตภัณฑ์ที่องค์กรใช้",
    5: "ประเภทที่ 5: การปล่อยก๊าซเรือนกระจกทางอ้อมจากการใช้ผลิตภัณฑ์ขององค์กร",
    6: "ประเภทที่ 6: การปล่อยก๊าซเรือนกระจกทางอ้อมจากแหล่งอื่น",
}


def _factor_text(code: str, status: str, source: str, edition: str) -> str:
    lab = disclosure.status_label(status)
    label = f"{lab['th']} / {lab['en']}" if lab["th"] != lab["en"] else lab["en"]
    return " · ".join(x for x in (f"{code}: {label}", source, edition) if x)


def category_table(inv: Inventory) -> list[dict]:
    """ISO 14064-1 categories -> sources (activity) -> gases, location-based, Kyoto gases in t CO2e;
    each source's factors with their status (Thai / English), source and edition."""
    cat = ghg.activity_catalogue()
    rows: dict[int, dict[str, dict]] = {n: {} for n in range(1, 7)}
    for ln in InventoryLine.objects.filter(inventory=inv, basis="location").values(
            "iso_category", "activity", "gas", "gas_kind", "mass_t", "co2e_t", "scope", "factor_code", "factor_status",
            "factor_source", "factor_edition"):
        n = ln["iso_category"] or 1
        a = rows[n].setdefault((ln["activity"], ln["scope"]), {
            "activity": ln["activity"], "scope": ln["scope"], "name_th": cat.get(ln["activity"], {}).get("name_th", ln["activity"]),
            "name_en": cat.get(ln["activity"], {}).get("name_en", ln["activity"]), "gases": {}, "co2e_t": 0.0,
            "biogenic_t": 0.0, "factors": set()})
        a["factors"].add(_factor_text(ln["factor_code"], ln["factor_status"], ln["factor_source"], ln["factor_edition"]))
        if ln["gas_kind"] == "biogenic":
            a["biogenic_t"] += ln["mass_t"]
        elif ln["gas_kind"] == "kyoto":
            g = a["gases"].setdefault(ln["gas"], {"mass_t": 0.0, "co2e_t": 0.0})
            g["mass_t"] += ln["mass_t"]
            g["co2e_t"] += ln["co2e_t"] or 0.0
            a["co2e_t"] += ln["co2e_t"] or 0.0
    out = []
    for n in range(1, 7):
        sources = sorted(rows[n].values(), key=lambda a: -a["co2e_t"])
        for s in sources:
            s["factors"] = "; ".join(sorted(s["factors"]))
        out.append({"n": n, "th": ISO_TH[n], "en": ISO_EN[n], "sources": sources,
                    "co2e_t": sum(s["co2e_t"] for s in sources)})
    return out


def inventory_workbook(inv: Inventory) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    org = inv.organisation
    wb = Workbook()
    ws = wb.active
    ws.title = "ISO 14064-1"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBDF")
    ws.append(["บัญชีก๊าซเรือนกระจกขององค์กร / Organisational GHG inventory (ISO 14064-1)"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["องค์กร / Organisation", f"{org.name_th} / {org.name_en}"])
    ws.append(["ปี / Year", inv.year, "พ.ศ. / B.E.", dates.be_year(inv.year)])
    ws.append(["สถานะ / Status", inv.status, "GWP", inv.gwp_set, "Engine", inv.engine_version])
    if inv.previous_edition:
        ws.append(["หมายเหตุ / Note", "ใช้ค่าไฟฟ้าฉบับก่อนหน้าสำหรับข้อมูลที่สิ้นสุดภายใน 31 มี.ค. 2569 / "
                   "previous grid factor edition used for records ending by 31 March 2026 (TGO transition)"])
    ws.append([])
    disc = disclosure.build(inv)
    # one pair of columns per gas (t of gas, t CO2e); a column named after a gas never holds CO2e:
    # factors published as CO2e have their own column
    gases = [g["gas"] for g in disc["per_gas"]["gases"]]
    header = ["ประเภท / Category", "แหล่งปล่อย / Source", "Scope"]
    for g in gases:
        header += [f"{g} (t)", f"{g} (t CO2e)"]
    header += [f"{disclosure.CO2E_LABEL_BOTH} (t CO2e)", "t CO2e", "CO2 จากชีวมวล / biogenic CO2 (t)",
               "ค่าสัมประสิทธิ์ (สถานะ · แหล่งที่มา · ฉบับ) / Factors (status · source · edition)"]
    total_col = len(header) - 2
    ws.append(header)
    for c in ws[ws.max_row]:
        c.font, c.fill = bold, fill
    for cat in category_table(inv):
        row = [f"{cat['th']} / {cat['en']}"] + [""] * (len(header) - 1)
        row[total_col - 1] = round(cat["co2e_t"], 6)
        ws.append(row)
        for c in ws[ws.max_row]:
            c.font = bold
        for s in cat["sources"]:
            g = s["gases"]
            row = ["", f"{s['name_th']} / {s['name_en']}", s["scope"]]
            for gas in gases:
                row += [round(g.get(gas, {}).get("mass_t", 0.0), 6), round(g.get(gas, {}).get("co2e_t", 0.0), 6)]
            row += [round(g.get("CO2e", {}).get("co2e_t", 0.0), 6), round(s["co2e_t"], 6), round(s["biogenic_t"], 6),
                    s["factors"]]
            ws.append(row)
    t = inv.totals or {}
    s2 = disc["scope2"]
    ws.append([])
    for label, value, note in (
            ("รวม / Total (Scope 1 + 2 location + 3)", t.get("co2e_t"), ""),
            ("Scope 1", t.get("scope1_t"), ""),
            ("ขอบเขตที่ 2 (แบบอิงสถานที่ / location-based)", s2["location_t"], ""),
            ("ขอบเขตที่ 2 (แบบอิงตลาด / market-based)", s2["market_t"], f"{s2['statement']['th']} / {s2['statement']['en']}"),
            ("Scope 3", t.get("scope3_t"), ""),
            ("CO2 จากชีวมวล / biogenic CO2 (reported separately)", t.get("biogenic_co2_t"), ""),
            ("ความไม่แน่นอน / Uncertainty (± %)", disc["uncertainty"].get("pct"),
             f'{disc["uncertainty_method"]["th"]} / {disc["uncertainty_method"]["en"]}' if disc["uncertainty"] else "")):
        row = [label] + [""] * (total_col - 2) + [value, note]
        ws.append(row)
        ws.cell(ws.max_row, 1).font = bold
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 46
    for row in ws.iter_rows():
        for c in row:
            c.alignment = Alignment(wrap_text=False, vertical="top")

    ls = wb.create_sheet("Lines")
    cols = ["source_kind", "source_id", "record_id", "record_version", "activity", "quantity", "unit", "period_start", "period_end", "period_share",
            "edition_from", "edition_to", "gas", "gas_kind", "scope", "basis", "iso_category", "scope3_category",
            "mass_t", "gwp", "co2e_t", "gwp_set", "factor_code", "factor_value", "factor_unit", "factor_source",
            "factor_edition", "factor_status", "conversion"]
    extra = ["factor_status_th", "factor_status_en", "counted_days", "record_days", "counted_quantity",
             "activity_uncertainty_pct", "factor_uncertainty_pct"]
    ls.append(cols + extra)
    for c in ls[1]:
        c.font = bold
    table = calc_uncertainty.defaults()
    for ln in InventoryLine.objects.filter(inventory=inv).order_by("id"):
        lab = disclosure.status_label(ln.factor_status)
        cnt = disclosure.counted(ln.period_start, ln.period_end, ln.quantity, inv.year, ln.edition_from, ln.edition_to)
        ls.append([getattr(ln, k) for k in cols] + [lab["th"], lab["en"], cnt["days"], cnt["record_days"],
                                                    round(cnt["quantity"], 6), *uncertainty_.line_pcts(ln, table)])
    fs = wb.create_sheet("Factors")
    fcols = ["factor_id", "activity", "gas", "scope", "basis", "value", "unit", "source", "edition", "status"]
    fs.append(fcols + ["status_th", "status_en"])
    for f in inv.factors_used:
        lab = disclosure.status_label(f.get("status", ""))
        fs.append([f.get(k) for k in fcols] + [lab["th"], lab["en"]])
    _disclosure_sheet(wb.create_sheet("Disclosure"), inv, disc, bold, fill)
    from ecotown.core import numbers

    numbers.excel_formats(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _disclosure_sheet(ws, inv: Inventory, disc: dict, bold, fill) -> None:
    """What a verifier reads: per gas, Scope 2 both ways, exclusions, memo gases, pending corrections,
    coverage, uncertainty and the completeness statement (Thai and English)."""
    def head(*cells):
        ws.append(list(cells))
        for c in ws[ws.max_row]:
            c.font, c.fill = bold, fill

    def title(text):
        ws.append([])
        ws.append([text])
        ws.cell(ws.max_row, 1).font = bold

    ws.append(["การเปิดเผยข้อมูล / Disclosure (ISO 14064-1 §5.2.3, §8.3, §9.3)"])
    ws["A1"].font = bold
    title("ตามชนิดก๊าซ / By gas")
    head("ก๊าซ / Gas", "ตันของก๊าซ / t of gas", "t CO2e")
    pg = disc["per_gas"]
    for g in pg["gases"]:
        ws.append([g["gas"], None if g["mass_t"] is None else round(g["mass_t"], 6),
                   None if g["co2e_t"] is None else round(g["co2e_t"], 6)])
    ws.append([disclosure.CO2E_LABEL_BOTH, None, round(pg["co2e"]["co2e_t"], 6)])
    ws.append(["CO2 จากชีวมวล / biogenic CO2 (รายงานแยก / reported separately)", round(pg["biogenic_t"], 6), None])
    title("ขอบเขตที่ 2 / Scope 2")
    s2 = disc["scope2"]
    head("", "t CO2e", "หมายเหตุ / Note")
    ws.append(["แบบอิงสถานที่ / location-based", s2["location_t"], ""])
    ws.append(["แบบอิงตลาด / market-based", s2["market_t"], f"{s2['statement']['th']} / {s2['statement']['en']}"])
    for f in s2["fallbacks"]:
        ws.append(["ใช้ค่าแบบอิงสถานที่แทน / location factor used as fallback", f"{f['name']['th']} / {f['name']['en']}",
                   f["activity"]])
    title("แหล่งที่ไม่นับรวม / Excluded sources")
    head("กิจกรรม / Activity", "รายการ / Records", "ปริมาณในปี / Quantity in the year", "หน่วย / Unit",
         "เหตุผล / Reason")
    for e in disc["excluded"]:
        ws.append([f"{e['name']['th']} / {e['name']['en']}", e["records"], e["quantity"], e["unit"],
                   "ไม่มีค่าสัมประสิทธิ์การปล่อย / no emission factor"])
    if not disc["excluded"]:
        ws.append(["ไม่มี / none"])
    title("ก๊าซรายการบันทึก (ไม่รวมในยอดรวม) / Memo gases (not in the total)")
    head("ก๊าซ / Gas", "ตันของก๊าซ / t of gas", "t CO2e")
    for m in disc["memo"]:
        ws.append([m["gas"], m["mass_t"], m["co2e_t"]])
    if not disc["memo"]:
        ws.append(["ไม่มี / none"])
    title("การแก้ไขที่รอการตรวจสอบ / Pending corrections")
    pend = disc["pending"]
    if pend:
        ws.append(["จำนวน / Count", pend.get("n"), "t CO2e", pend.get("co2e_delta_t")])
        head("กิจกรรม / Activity", "เริ่ม / Start", "สิ้นสุด / End", "สถานะ / State", "t CO2e", "counted_id", "pending_id")
        for r in disc["pending_rows"]:
            ws.append([f"{r['name']['th']} / {r['name']['en']}", str(r.get("period_start", "")), str(r.get("period_end", "")),
                       f"{r['state_label']['th']} / {r['state_label']['en']}", r.get("co2e_delta_t"), r.get("counted_id"),
                       r.get("pending_id")])
    else:
        ws.append(["ไม่มี / none"])
    title("ความครอบคลุม (เดือนที่รายงานต่อแหล่ง) / Coverage (months reported per source)")
    head("แหล่งปล่อย / Source", "มิเตอร์ / Meter", "เดือน / Months (th)", "Months (en)", "n / 12")
    for c in disc["coverage"]:
        ws.append([f"{c['name']['th']} / {c['name']['en']}", c["meter"], c["text"]["th"], c["text"]["en"], c["n"]])
    title("ความไม่แน่นอน / Uncertainty (ISO 14064-1 §8.3)")
    u = disc["uncertainty"]
    ws.append(["± %", u.get("pct"), disc["uncertainty_text"]["th"], disc["uncertainty_text"]["en"]])
    ws.append(["วิธี / Method", disc["uncertainty_method"]["th"], disc["uncertainty_method"]["en"]])
    title("ถ้อยแถลงความครบถ้วน / Completeness statement")
    ws.append(["ไทย", disc["completeness"]["th"]])
    ws.append(["English", disc["completeness"]["en"]])
    ws.column_dimensions["A"].width = 50
    ws.column_dimensions["B"].width = 30


FONTS_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "fonts"


def inventory_pdf(inv: Inventory, request=None) -> bytes:
    from weasyprint import HTML

    from .views import activity_name

    cats = category_table(inv)
    html = render_to_string("carbon/report_pdf.html", {
        "inv": inv, "org": inv.organisation, "categories": cats, "fonts_dir": FONTS_DIR.as_uri(),
        "gases": sorted(inv.by_gas.items()), "activity_name": activity_name, "disc": disclosure.build(inv),
        "factors_used": [{**f, "status_label": disclosure.status_label(f.get("status", ""))} for f in inv.factors_used],
        "warnings": [w for w in inv.warnings if w.get("kind") == "factor_status"],
    }, request=request)
    base = str(Path(settings.BASE_DIR)) if hasattr(settings, "BASE_DIR") else None
    return HTML(string=html, base_url=base).write_pdf()
