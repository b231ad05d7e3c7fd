"""Browser journeys of the carbon capability, against the real server with demo data (80 factories):
the estate manager drills down from the estate-wide total to a line, its factor and its evidence;
the factory-a user reads its inventory in Thai then English and downloads the Excel and the PDF (also
at 360 px, the width factory staff use on a phone); the authority sees the roll-up map coloured by
emissions. Screenshots go to test-artifacts/carbon-*.png."""
from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from .conftest import shot, sign_in


def _no_horizontal_overflow(page) -> None:
    """Nothing on the page is wider than the viewport (tables scroll inside .table-responsive)."""
    over = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert over <= 1, f"page overflows the viewport by {over} px"


def test_estate_manager_drills_down_from_the_estate_total_to_a_line_its_factor_and_evidence(page, server):
    sign_in(page, server, "estate-manager")
    page.goto(server + "/carbon/")
    expect(page.locator("h1")).to_contain_text("บัญชีก๊าซเรือนกระจก")
    page.locator("[data-testid=estate-wide-link]").first.click()
    wide = page.locator("[data-testid=estate-wide]")
    expect(wide).to_contain_text("การปล่อยก๊าซเรือนกระจกระดับนิคมอุตสาหกรรม")
    total = page.locator("[data-testid=estate-total]")
    expect(total).to_have_text(re.compile(r"[1-9][\d,]*\.\d\d"))
    expect(page.locator("[data-testid=energy-sales]")).to_contain_text("พลังงานที่จำหน่ายภายในนิคมอุตสาหกรรม")
    expect(page.locator("[data-testid=estate-gwp]")).to_contain_text("คำนวณด้วยค่า GWP ชุด AR5")
    shot(page, "carbon-estate-wide-th")
    # the page where the estate manager declares the energy sold inside the estate (only Scope 2 activities)
    page.locator("[data-testid=energy-sales] a").click()
    form = page.locator("[data-testid=energy-sales-form]")
    expect(form).to_contain_text("ผู้จำหน่าย")
    expect(form.locator("select[name=activity] option")).to_have_count(3)
    expect(form.locator("select[name=activity] option").first).to_have_text(re.compile("ไฟฟ้า|ไอน้ำ"))
    shot(page, "carbon-energy-sales-th")
    page.go_back()
    # from the total to the organisation with the largest Scope 1, then its Scope 1 lines
    orgs = page.locator("[data-testid=estate-orgs] tbody tr")
    assert orgs.count() >= 10
    orgs.locator("a").first.click()
    expect(page.locator("[data-testid=inventory-status]")).to_be_visible()
    page.locator("[data-testid=scope1]").click()
    lines = page.locator("[data-testid=line]")
    expect(lines.first).to_be_visible()
    expect(page.locator("[data-testid=lines]")).to_contain_text("CO2")
    shot(page, "carbon-lines-th")
    # the line's evidence column (files attached to the record, or a dash) and its factor
    evidence = lines.first.locator("td").last
    expect(evidence).to_have_text(re.compile(r"\S"))
    code = lines.first.locator("[data-testid=factor-link]").inner_text()
    lines.first.locator("[data-testid=factor-link]").click()
    expect(page.locator("h1")).to_contain_text(code)
    status = page.locator("[data-testid=factor-status]")
    expect(status).to_contain_text("สถานะ")
    # the status in words (ค่าทางการ, แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ …), never its code
    expect(status.locator("strong")).to_have_text(re.compile(r"^(ค่าทางการ|แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ|ค่าตัวอย่างเบื้องต้น|ค่าเฉพาะของผู้จำหน่าย|อัปโหลดโดยผู้ใช้)$"))
    expect(status).not_to_contain_text(re.compile(r"official|secondary_verify|illustrative|supplier|user"))
    expect(page.locator("[data-testid=factor-value]")).to_have_text(re.compile(r"\d"))
    shot(page, "carbon-factor-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=factor-status]")).to_contain_text("Status")
    shot(page, "carbon-factor-en")


def test_factory_reads_its_inventory_in_thai_then_english_and_downloads_excel_and_pdf(page, server, tmp_path):
    from openpyxl import load_workbook

    sign_in(page, server, "factory-a")
    page.goto(server + "/carbon/")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("บัญชีก๊าซเรือนกระจก")
    expect(page.locator("[data-testid=totals]")).to_contain_text("รวม")
    expect(page.get_by_text("แยกตามประเภทของ ISO 14064-1")).to_be_visible()
    shot(page, "carbon-inventory-th")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    _no_horizontal_overflow(page)
    shot(page, "carbon-inventory-th-360")
    page.locator("[data-testid=scope1]").click()
    expect(page.locator("[data-testid=line]").first).to_be_visible()
    _no_horizontal_overflow(page)
    shot(page, "carbon-lines-th-360")
    page.go_back()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("GHG inventory")
    expect(page.get_by_text("By ISO 14064-1 category")).to_be_visible()
    _no_horizontal_overflow(page)  # at 1280 px in English (before: the user menu pushed the page 12-27 px wider)
    shot(page, "carbon-inventory-en")
    with page.expect_download() as dl:
        page.locator("[data-testid=xlsx]").click()
    path = tmp_path / "inventory.xlsx"
    dl.value.save_as(path)
    wb = load_workbook(io.BytesIO(path.read_bytes()))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(cells)
    for n in range(1, 7):  # ISO 14064-1 categories 1–6, each in the layout
        assert re.search(rf"(Category|หมวด(หมู่)?(ที่)?) ?{n}\b", text), f"category {n} missing"
    assert "t CO2e" in text or "tCO2e" in text
    with page.expect_download() as dl:
        page.locator("[data-testid=pdf]").click()
    pdf = tmp_path / "inventory.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_authority_sees_the_rollup_map_coloured_by_emissions(page, server):
    sign_in(page, server, "authority")
    page.goto(server + "/carbon/")
    page.locator("[data-testid=rollup-link]").click()
    expect(page.locator("h1")).to_contain_text("ภาพรวมโครงการ")
    expect(page.locator("[data-testid=rollup-totals]")).to_contain_text("t CO2e")
    markers = page.locator("[data-testid=emissions-map] path.emissions-marker")
    expect(markers.first).to_be_visible()
    fills = set(page.eval_on_selector_all("[data-testid=emissions-map] path.emissions-marker",
                                          "els => els.map(e => e.getAttribute('fill'))"))
    assert len(fills) >= 2, f"markers are not coloured by emissions: {fills}"
    expect(page.locator("[data-testid=map-legend] .swatch")).to_have_count(5)
    rows = page.locator("[data-testid=rollup-table] tbody tr")
    assert rows.count() >= 2
    shot(page, "carbon-rollup-map-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("h1")).to_contain_text("Programme roll-up")
    expect(page.locator("[data-testid=emissions-map] path.emissions-marker").first).to_be_visible()
    shot(page, "carbon-rollup-map-en")
