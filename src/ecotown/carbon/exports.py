"""Inventory exports: Excel in the ISO 14064-1 category layout, printable PDF (WeasyPrint, Sarabun)."""
from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from ecotown.calc import ghg
from ecotown.core import dates

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


def category_table(inv: Inventory) -> list[dict]:
    """ISO 14064-1 categories -> sources (activity) -> gases, location-based, Kyoto gases in t CO2e."""
    cat = ghg.activity_catalogue()
    rows: dict[int, dict[str, dict]] = {n: {} for n in range(1, 7)}
    for ln in InventoryLine.objects.filter(inventory=inv, basis="location").values(
            "iso_category", "activity", "gas", "gas_kind", "mass_t", "co2e_t", "scope", "factor_code", "factor_status"):
        n = ln["iso_category"] or 1
        a = rows[n].setdefault((ln["activity"], ln["scope"]), {
            "activity": ln["activity"], "scope": ln["scope"], "name_th": cat.get(ln["activity"], {}).get("name_th", ln["activity"]),
            "name_en": cat.get(ln["activity"], {}).get("name_en", ln["activity"]), "gases": {}, "co2e_t": 0.0,
            "biogenic_t": 0.0, "factors": set()})
        a["factors"].add(f"{ln['factor_code']} ({ln['factor_status']})")
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
            s["factors"] = ", ".join(sorted(s["factors"]))
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
    header = ["ประเภท / Category", "แหล่งปล่อย / Source", "Scope", "CO2 (t)", "CH4 (t)", "N2O (t)", "HFCs/PFCs/SF6/NF3 (t CO2e)",
              "t CO2e", "CO2 ชีวภาพ / biogenic CO2 (t)", "ค่าสัมประสิทธิ์ / Factors (status)"]
    ws.append(header)
    for c in ws[ws.max_row]:
        c.font, c.fill = bold, fill
    for cat in category_table(inv):
        ws.append([f"{cat['th']} / {cat['en']}", "", "", "", "", "", "", round(cat["co2e_t"], 6)])
        for c in ws[ws.max_row]:
            c.font = bold
        for s in cat["sources"]:
            g = s["gases"]
            other = sum(v["co2e_t"] for k, v in g.items() if k not in {"CO2", "CH4", "N2O", "CO2e"})
            ws.append(["", f"{s['name_th']} / {s['name_en']}", s["scope"],
                       round(g.get("CO2", {}).get("mass_t", 0.0) + g.get("CO2e", {}).get("co2e_t", 0.0), 6),
                       round(g.get("CH4", {}).get("mass_t", 0.0), 6), round(g.get("N2O", {}).get("mass_t", 0.0), 6),
                       round(other, 6), round(s["co2e_t"], 6), round(s["biogenic_t"], 6), s["factors"]])
    t = inv.totals or {}
    ws.append([])
    for label, key in (("รวม / Total (Scope 1 + 2 location + 3)", "co2e_t"), ("Scope 1", "scope1_t"),
                       ("Scope 2 (location-based)", "scope2_location_t"), ("Scope 2 (market-based)", "scope2_market_t"),
                       ("Scope 3", "scope3_t"), ("CO2 ชีวภาพ / biogenic CO2 (reported separately)", "biogenic_co2_t")):
        ws.append([label, "", "", "", "", "", "", t.get(key)])
        ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    ws.append(["CO2e column: factors given as CO2e (gas split not published by the source) count in column CO2."])
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 46
    ws.column_dimensions["J"].width = 40
    for row in ws.iter_rows():
        for c in row:
            c.alignment = Alignment(wrap_text=False, vertical="top")

    ls = wb.create_sheet("Lines")
    cols = ["source_kind", "source_id", "record_id", "record_version", "activity", "quantity", "unit", "period_start", "period_end", "period_share",
            "edition_from", "edition_to", "gas", "gas_kind", "scope", "basis", "iso_category", "scope3_category",
            "mass_t", "gwp", "co2e_t", "gwp_set", "factor_code", "factor_value", "factor_unit", "factor_source",
            "factor_edition", "factor_status", "conversion"]
    ls.append(cols)
    for c in ls[1]:
        c.font = bold
    for row in InventoryLine.objects.filter(inventory=inv).order_by("id").values_list(*cols):
        ls.append(list(row))
    fs = wb.create_sheet("Factors")
    fcols = ["factor_id", "activity", "gas", "scope", "basis", "value", "unit", "source", "edition", "status"]
    fs.append(fcols)
    for f in inv.factors_used:
        fs.append([f.get(k) for k in fcols])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FONTS_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "fonts"


def inventory_pdf(inv: Inventory, request=None) -> bytes:
    from weasyprint import HTML

    from .views import activity_name

    cats = category_table(inv)
    html = render_to_string("carbon/report_pdf.html", {
        "inv": inv, "org": inv.organisation, "categories": cats, "fonts_dir": FONTS_DIR.as_uri(),
        "gases": sorted(inv.by_gas.items()), "activity_name": activity_name,
        "warnings": [w for w in inv.warnings if w.get("kind") == "factor_status"],
    }, request=request)
    base = str(Path(settings.BASE_DIR)) if hasattr(settings, "BASE_DIR") else None
    return HTML(string=html, base_url=base).write_pdf()
