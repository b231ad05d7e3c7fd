"""What a verifier reads (issue 9, "Disclosure"): per-gas figures with CO2e apart, both Scope 2 totals,
exclusions, memo gases, pending corrections, coverage, completeness, uncertainty, factor statuses and
lines that reproduce by hand — on the page (Thai and English), in the Excel and in the PDF.

The inventory (F1, 2025), worked by hand:
- grid electricity, one bill 15 Dec 2025 – 14 Jan 2026, 1,000 kWh: 17 of its 31 days fall in 2025,
  1000 × 17/31 = 548.387097 kWh × 0.4999 kg/kWh (ET-F0003, secondary_verify) = 0.274139 t CO2e;
- diesel, 1,000 L in March: × 2.7078 kg/L (ET-F0013, published as CO2e, secondary_verify) = 2.7078 t;
- anthracite, 1,000 kg in May, F1's supplier-specific set published per gas: CO2 2.5 kg/kg → 2.5 t,
  CH4 0.001 kg/kg → 0.001 t × 28 = 0.028 t CO2e, N2O 0.0001 kg/kg → 0.0001 t × 265 = 0.0265 t CO2e;
- R-22 top-up 2 kg in April: HCFC-22 0.002 t (memo, × 1760 = 3.52 t CO2e, not in the total);
- water 100 m3 in February: no factor → excluded.
"""
from __future__ import annotations

import io
import math
import subprocess
import types

import re

import pytest
from django.utils import translation

from ecotown.carbon import disclosure, exports, services
from ecotown.carbon import uncertainty as carbon_uncertainty
from ecotown.carbon.models import Inventory, InventoryLine

from .factories import record

GRID_T = 1000 * 17 / 31 * 0.4999 / 1000
SUPPLIER_CSV = (b"activity,gas,value,unit,scope,source,edition\n"
                b"anthracite,CO2,2.5,kg/kg,1,Supplier test,2025\n"
                b"anthracite,CH4,0.001,kg/kg,1,Supplier test,2025\n"
                b"anthracite,N2O,0.0001,kg/kg,1,Supplier test,2025\n")


@pytest.fixture
def inv(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.sync_builtin_library(None)
    services.upload_factor_set(world.users["approver"], data=SUPPLIER_CSV, file_name="own.csv", name="Own coal",
                               source="Supplier test", edition="2025", status="supplier", organisation=world.F1)
    F1 = world.F1
    record(F1, "grid_electricity", 1000, "kWh", "2025-12-15", "2026-01-14", meter="M-1")
    record(F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    record(F1, "anthracite", 1000, "kg", "2025-05-01", "2025-05-31")
    record(F1, "refrigerant_r22", 2, "kg", "2025-04-01", "2025-04-30")
    record(F1, "water", 100, "m3", "2025-02-01", "2025-02-28")
    return services.compute_inventory(F1, 2025)


def test_the_inventory_keeps_exclusions_and_uncertainty(inv):
    # before: compute_inventory computed the exclusion and dropped it (only a warning text); now it is kept
    assert inv.excluded == [{"activity": "water", "records": 1, "quantity": 100.0, "unit": "m3"}]
    assert inv.totals["co2e_t"] == round(GRID_T + 2.7078 + 2.5 + 0.028 + 0.0265, 6) == 5.536439
    assert inv.memo == {"HCFC-22": {"mass_t": 0.002, "co2e_t": 3.52}}
    # before: no uncertainty at all; now ISO 14064-1 §8.3 error propagation over the 5 lines of the total:
    # defaults of data/ghg/uncertainty.csv: grid and diesel: no data source stated (±25 %), secondary_verify
    # factor (±10 %) → ±26.925824 %; anthracite (3 gases): supplier factor (±5 %) → ±25.495098 %
    u1, u2 = math.hypot(25, 10), math.hypot(25, 5)
    xs = [(GRID_T, u1), (2.7078, u1), (2.5, u2), (0.028, u2), (0.0265, u2)]
    want = math.sqrt(sum((u * x) ** 2 for x, u in xs)) / sum(x for x, _u in xs)
    assert round(want, 4) == 17.5433
    assert inv.uncertainty["pct"] == 17.5433 and inv.uncertainty["lines"] == 5
    assert "§8.3" in inv.uncertainty["method"]


def test_line_uncertainty_defaults_follow_data_source_and_factor_status():
    # the line's data source (InventoryLine.data_source) and factor status choose the defaults
    ln = types.SimpleNamespace(data_source="meter", factor_status="official")
    assert carbon_uncertainty.line_pcts(ln) == (2.5, 5.0)
    assert carbon_uncertainty.line_pcts(types.SimpleNamespace(factor_status="illustrative")) == (25.0, 30.0)
    assert carbon_uncertainty.line_pcts(types.SimpleNamespace(data_source="estimate", factor_status="")) == (20.0, 10.0)


def test_lines_reproduce_by_hand(inv):
    grid = InventoryLine.objects.get(inventory=inv, activity="grid_electricity", scope=2)
    # before: the line showed the record's 1,000 kWh and period_share 1.0 (× 0.4999 = 0.4999 t ≠ its mass);
    # now the part counted in 2025: 17 of 31 days = 548.387097 kWh, × 0.4999 = its mass
    c = disclosure.line_counted(grid, 2025)
    assert (c["days"], c["record_days"], round(c["quantity"], 6)) == (17, 31, 548.387097)
    assert round(c["quantity"] * grid.factor_value / 1000, 6) == round(grid.mass_t, 6) == 0.274139
    assert c["text"] == {"th": "17 วัน จาก 31 วัน: 548.4 จาก 1,000 kWh", "en": "17 of 31 days: 548.4 of 1,000 kWh"}
    # the same bill in 2026: 14 of 31 days = 451.612903 kWh
    c26 = disclosure.counted(grid.period_start, grid.period_end, 1000.0, 2026)
    assert (c26["days"], round(c26["quantity"], 6)) == (14, 451.612903)


def test_scope2_market_equals_location_when_no_instrument_and_fallbacks_are_named(inv):
    s2 = disclosure.scope2(inv)
    # before: the page and PDF showed "—" and the Excel an empty cell (totals.scope2_market_t is None)
    assert inv.totals["scope2_market_t"] is None
    assert (s2["location_t"], s2["market_t"], s2["no_instruments"]) == (0.274139, 0.274139, True)
    assert s2["statement"]["en"] == "no contractual instruments: market-based equals location-based"
    fake = Inventory(totals={"scope2_location_t": 10.0, "scope2_market_t": 6.0},
                     warnings=[{"kind": "market_fallback", "activity": "grid_electricity"}])
    s2 = disclosure.scope2(fake)
    assert (s2["market_t"], [f["activity"] for f in s2["fallbacks"]]) == (6.0, ["grid_electricity"])
    assert s2["statement"] == {"th": "ค่าแบบอิงตลาด: ไม่มีค่าแบบตลาดสำหรับ ไฟฟ้าจากระบบสายส่ง จึงใช้ค่าแบบอิงสถานที่แทน",
                               "en": "market-based: no market factor for Grid electricity; its location-based factor is used"}


def test_coverage_and_completeness(inv):
    cov = {(c["activity"], c["meter"]): c for c in disclosure.coverage(inv)}
    assert cov[("grid_electricity", "M-1")]["text"] == {"th": "ธ.ค. (1/12)", "en": "Dec (1/12)"}
    assert cov[("diesel", "")]["months"] == [3]
    assert disclosure.months_text(range(1, 13), "th") == "ม.ค.–ธ.ค. (12/12)"
    assert disclosure.months_text([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "en") == "Jan–Oct (10/12)"
    assert disclosure.months_text([1, 2, 3, 5, 6], "en") == "Jan–Mar, May–Jun (5/12)"
    text = disclosure.completeness(inv)
    assert "Excluded (no emission factor in the library): " in text["en"] and ", 1 records, 100 m3" in text["en"]
    assert "Scope 3 categories" not in text["en"] and "No Scope 3 category is reported." in text["en"]
    assert "HCFC-22" in text["en"] and "No correction is pending verification." in text["en"]
    assert "Months missing: " in text["en"] and "Diesel" in text["en"]
    assert "แหล่งที่ไม่นับรวม (ไม่มีค่าสัมประสิทธิ์การปล่อยในคลังข้อมูล)" in text["th"]
    assert "ไม่ได้รายงานขอบเขตที่ 3" in text["th"]


def test_pending_corrections_are_disclosed_when_present(inv, tmp_path):
    inv.pending_corrections = {"n": 2, "co2e_delta_t": 142.6, "scope1_delta_t": 0.0, "scope2_location_delta_t": 142.6,
                               "scope3_delta_t": 0.0, "records": [
                                   {"series": "s1", "counted_id": 1, "pending_id": 2, "state": "draft",
                                    "activity": "grid_electricity", "period_start": "2025-03-01",
                                    "period_end": "2025-03-31", "co2e_delta_t": 142.6}]}
    text = disclosure.completeness(inv)
    assert "2 corrections pending verification (142.6 t CO2e) are not yet counted" in text["en"]
    assert "มีการแก้ไขที่รอการตรวจสอบ 2 รายการ (142.6 t CO2e)" in text["th"]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(exports.inventory_workbook(inv)))
    rows = list(wb["Disclosure"].iter_rows(values_only=True))
    i = [r[0] for r in rows].index("จำนวน / Count")
    assert ("จำนวน / Count", 2, "t CO2e", 142.6) == rows[i][:4]
    assert rows[i + 2][:5] == ("ไฟฟ้าจากระบบสายส่ง / Grid electricity", "2025-03-01", "2025-03-31", "ฉบับร่าง / draft", 142.6)
    text = _pdf_text(inv, tmp_path)
    assert "2 รายการ / corrections: 142.600 t CO2e" in text and "1 มี.ค. 2568 – 31 มี.ค. 2568" in text
    assert "1 Mar 2025 – 31 Mar 2025" in text and "2 corrections pending verification" in text


def _xlsx_rows(inv, sheet):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(exports.inventory_workbook(inv)))
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def test_excel_per_gas_columns_never_put_co2e_under_co2(inv):
    rows = _xlsx_rows(inv, "ISO 14064-1")
    header = next(r for r in rows if r[0] == "ประเภท / Category")
    col = {h: i for i, h in enumerate(header) if h}
    assert [h for h in header[3:11]] == ["CO2 (t)", "CO2 (t CO2e)", "CH4 (t)", "CH4 (t CO2e)", "N2O (t)",
                                         "N2O (t CO2e)", "CO2e (แหล่งที่มาไม่แยกก๊าซ / not split by gas in the source) (t CO2e)",
                                         "t CO2e"]
    diesel = next(r for r in rows if r[1] == "น้ำมันดีเซล (เผาไหม้อยู่กับที่) / Diesel (stationary combustion)")
    # before: column "CO2 (t)" held diesel's CO2e (2.7078, a factor published as CO2e); now 0 there and
    # 2.7078 in the CO2e (not split) column
    assert diesel[col["CO2 (t)"]] == 0.0
    assert diesel[col["CO2e (แหล่งที่มาไม่แยกก๊าซ / not split by gas in the source) (t CO2e)"]] == 2.7078
    coal = next(r for r in rows if r[1] and "nthracite" in str(r[1]))
    assert (coal[col["CO2 (t)"]], coal[col["CH4 (t)"]], coal[col["CH4 (t CO2e)"]], coal[col["N2O (t)"]],
            coal[col["N2O (t CO2e)"]], coal[col["t CO2e"]]) == (2.5, 0.001, 0.028, 0.0001, 0.0265, 2.5545)
    assert diesel[-1] == ("ET-F0013: แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ / secondary source: verify · "
                         "TGO CFO EF list (via secondary code transcription) · 'Updated April 2022'")
    mkt = next(r for r in rows if r[0] == "ขอบเขตที่ 2 (แบบอิงตลาด / market-based)")
    # before: None (an empty cell); now = location-based with the statement beside it
    assert mkt[col["t CO2e"]] == 0.274139 and "no contractual instruments: market-based equals location-based" in mkt[col["t CO2e"] + 1]
    unc = next(r for r in rows if r[0] == "ความไม่แน่นอน / Uncertainty (± %)")
    assert unc[col["t CO2e"]] == 17.5433


def test_excel_disclosure_and_lines_sheets(inv):
    rows = _xlsx_rows(inv, "Disclosure")
    first = [r[0] for r in rows]
    gas = {r[0]: r[1:3] for r in rows[first.index("ก๊าซ / Gas") + 1:first.index("ก๊าซ / Gas") + 5]}
    assert gas == {"CO2": [2.5, 2.5], "CH4": [0.001, 0.028], "N2O": [0.0001, 0.0265],
                   "CO2e (แหล่งที่มาไม่แยกก๊าซ / not split by gas in the source)": [None, round(GRID_T + 2.7078, 6)]}
    ex = rows[first.index("กิจกรรม / Activity") + 1]
    assert ex[1:5] == [1, 100.0, "m3", "ไม่มีค่าสัมประสิทธิ์การปล่อย / no emission factor"] and ex[0] == "น้ำประปา / Tap water"
    memo = rows[[i for i, r in enumerate(rows) if r[0] == "ก๊าซ / Gas"][1] + 1]
    assert memo[:3] == ["HCFC-22", 0.002, 3.52]
    cov = next(r for r in rows if r[1] == "M-1")
    assert cov[2:5] == ["ธ.ค. (1/12)", "Dec (1/12)", 1]
    assert next(r for r in rows if r[0] == "English")[1] == disclosure.completeness(inv)["en"]
    lines = _xlsx_rows(inv, "Lines")
    h = lines[0]
    grid = next(r for r in lines[1:] if r[h.index("activity")] == "grid_electricity" and r[h.index("scope")] == 2)
    assert (grid[h.index("quantity")], grid[h.index("counted_days")], grid[h.index("record_days")],
            grid[h.index("counted_quantity")], grid[h.index("factor_status_en")], grid[h.index("factor_status_th")],
            grid[h.index("activity_uncertainty_pct")], grid[h.index("factor_uncertainty_pct")]) == (
        1000.0, 17, 31, 548.387097, "secondary source: verify", "แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ", 25.0, 10.0)
    factors = _xlsx_rows(inv, "Factors")
    f13 = next(r for r in factors if r[0] == "ET-F0013")
    assert f13[-2:] == ["แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ", "secondary source: verify"]


def _pdf_text(inv, tmp_path):
    p = tmp_path / "r.pdf"
    p.write_bytes(exports.inventory_pdf(inv))
    return " ".join(subprocess.run(["pdftotext", "-raw", str(p), "-"], capture_output=True, text=True).stdout.split())


def test_pdf_lists_exclusions_memo_coverage_completeness_uncertainty(inv, tmp_path):
    text = _pdf_text(inv, tmp_path)
    for s in ("แหล่งที่ไม่นับรวม / Excluded sources", "no emission factor", "Memo gases (not in the total)", "HCFC-22",
              "Coverage (months reported per source)", "Dec (1/12)", "Completeness statement",
              "No correction is pending verification.", "±17.5% (95% confidence, 5 lines)",
              "no contractual instruments: market-based equals location-based",
              "CO2e (not split by gas in the source)", "secondary source: verify"):
        assert s in text, s
    assert "ถ้อยแถลงความครบถ้วน" in text and "ความไม่แน่นอน" in text


def test_inventory_page_in_thai_and_english(world, client, inv):
    client.force_login(world.users["approver"])
    with translation.override("en"):
        en = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        lines = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="scope2-market">0.274<' in en  # before: "—"
    assert "no contractual instruments: market-based equals location-based" in en
    assert "±17.5% (95% confidence, 5 lines)" in en and "Dec (1/12)" in en and "Completeness statement" in en
    assert "CO2e (not split by gas in the source)" in en and "Excluded sources" in en
    assert ">secondary source: verify<" in en  # the status label, not the code
    sets = re.search(r'data-testid="factor-sets">(.*?)</p>', en, re.S).group(1)
    # before: "… (2026 (same decision), secondary_verify); … (2019R, secondary_verify)" — internal codes
    assert "secondary_verify" not in sets and "secondary source: verify" in sets and "supplier-specific" in sets
    assert "17 of 31 days: 548.4 of 1,000 kWh" in lines
    # the status in words, then the source and edition quoted as published (English citation)
    assert ('data-testid="line-factor-status">secondary source: verify</span> <span class="small" lang="en">'
            "TGO (via secondary code transcription) · &#x27;Updated April 2022&#x27;</span>") in lines
    with translation.override("th"):
        th = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
        lines_th = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=2", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ไม่มีเครื่องมือตามสัญญา: ค่าแบบอิงตลาด (market-based) เท่ากับค่าแบบอิงสถานที่ (location-based)" in th
    assert "±17.5% (ช่วงความเชื่อมั่น 95%, 5 รายการ)" in th and "ธ.ค. (1/12)" in th
    # the method in the reader's language (before: the English method text on the Thai page)
    assert "วิธีที่ 1 (การแพร่กระจายของความคลาดเคลื่อน)" in th and "Approach 1 (error propagation)" not in th
    assert "CO2e (แหล่งที่มาไม่แยกก๊าซ)" in th and ">แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ<" in th
    assert "17 วัน จาก 31 วัน: 548.4 จาก 1,000 kWh" in lines_th and "ปริมาณที่นับในปี" in lines_th
    for s in ("ถ้อยแถลงความครบถ้วน", "แหล่งที่ไม่นับรวม", "ความครอบคลุม (เดือนที่รายงานต่อแหล่งปล่อย)", "ตันของก๊าซ",
              "การแก้ไขที่รอการตรวจสอบ", "ไม่มีค่าสัมประสิทธิ์การปล่อย"):
        assert s in th, s


def test_demo_pdf_lists_exclusions_memo_coverage_completeness_uncertainty(db, tmp_path):
    from ecotown.core import demo
    from ecotown.registry.models import Organisation

    demo.load(factories=20)
    a = Organisation.objects.get(name_en="Demo Auto Parts A Co., Ltd. (synthetic)")
    inv = Inventory.objects.filter(organisation=a).order_by("year").first()  # the previous year (restated)
    # the synthetic R-22 top-up (3.5 kg, entered, submitted and verified through reporting's services)
    assert inv.memo["HCFC-22"]["mass_t"] == 0.0035
    # factory-a's tap water: 12 monthly records, no factor in the library
    assert [(e["activity"], e["records"]) for e in inv.excluded] == [("water", 12)]
    assert inv.uncertainty["pct"] > 0 and inv.uncertainty["lines"] > 0
    text = _pdf_text(inv, tmp_path)
    for s in ("Excluded sources", "Tap water", "Memo gases (not in the total)", "HCFC-22",
              "Coverage (months reported per source)", "Jan–Dec (12/12)", "Completeness statement",
              "Uncertainty (ISO 14064-1 §8.3)", "95% confidence"):
        assert s in text, s


def test_library_and_factor_pages_show_status_labels_not_codes(world, client, inv):
    """Factor statuses show beside the factor everywhere in the reader's language (before: the library
    listed "secondary_verify" / "official" and the factor page added the code in brackets)."""
    from ecotown.carbon.models import Factor

    client.force_login(world.users["approver"])
    f = Factor.objects.get(factor_id="ET-F0013")
    with translation.override("en"):
        lib = client.get("/carbon/factors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        page = client.get(f"/carbon/factor/{f.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td data-status="secondary_verify">secondary source: verify</td>' in lib
    assert ">secondary_verify<" not in lib
    assert '<strong data-status="secondary_verify">secondary source: verify</strong>' in page
    assert "(secondary_verify)" not in page
    with translation.override("th"):
        lib_th = client.get("/carbon/factors/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert '<td data-status="secondary_verify">แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ</td>' in lib_th


def test_api_gives_the_disclosure(world, client, inv, token_for):
    """The API carries what the page shows (before: excluded and uncertainty were page/Excel/PDF only)."""
    body = client.get(f"/api/carbon/inventories/{inv.pk}", headers=token_for(world.users["approver"])).json()
    assert body["excluded"] == [{"activity": "water", "records": 1, "quantity": 100.0, "unit": "m3"}]
    assert (body["uncertainty"]["pct"], body["uncertainty"]["lines"]) == (17.5433, 5)
    lines = client.get(f"/api/carbon/inventories/{inv.pk}/lines?scope=2",
                       headers=token_for(world.users["approver"])).json()["items"]
    grid = [ln for ln in lines if ln["activity"] == "grid_electricity"]
    assert [(ln["data_source"], ln["factor"]["gwp_set"], ln["factor"]["status"]) for ln in grid] == [
        ("", "AR5", "secondary_verify")]


def test_gases_not_split_by_the_source_are_not_shown_as_zero(world, settings, tmp_path):
    """Only CO2e factors (diesel, TGO): before, the page listed "CO2 0.0000 t" above the CO2e total —
    a verifier would read no CO2; now CO2, CH4 and N2O show "–" (not reported separately)."""
    services.sync_builtin_library(None)
    record(world.F2, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    inv = services.compute_inventory(world.F2, 2025)
    pg = disclosure.per_gas(inv)
    assert [(g["gas"], g["mass_t"], g["co2e_t"]) for g in pg["gases"]] == [
        ("CO2", None, None), ("CH4", None, None), ("N2O", None, None)]
    assert pg["co2e"]["co2e_t"] == 2.7078


def test_one_pending_correction_reads_in_the_singular(inv):
    """“1 corrections … are” was the English of one pending correction."""
    inv.pending_corrections = {"n": 1, "co2e_delta_t": 10.288, "records": []}
    text = disclosure.completeness(inv)
    assert ("1 correction pending verification (10.288 t CO2e) is not yet counted: the last verified version is used."
            in text["en"])
