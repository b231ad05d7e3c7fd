"""A big export prepared in the background (the download page, the file, the notification) and Make final
after its confirmation page — in the browser, Thai then English, 1366 px and 360 px."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import shot, sign_in
from .test_pages import PHONE, WIDE, _english, _no_sideways_scroll


def test_the_authority_s_export_of_every_factory_is_prepared_in_the_background(page, server, tmp_path):
    last_year = dt.date.today().year - 1
    sign_in(page, server, "officer")
    page.set_viewport_size(WIDE)
    page.goto(server + f"/reporting/completeness/matrix/?year={last_year}")
    expect(page.locator("[data-testid=export-background]")).to_contain_text("จัดเตรียมไฟล์เบื้องหลัง")
    count = int(re.search(r"([\d,]+)", page.locator("[data-testid=matrix-count]").inner_text()).group(1).replace(",", ""))
    assert count > 60
    page.locator("[data-testid=matrix-export]").click()
    page.wait_for_url(re.compile(r"/downloads/[0-9a-f-]{36}/$"))
    expect(page.locator("[data-testid=download-ready]")).to_contain_text("ไฟล์พร้อมแล้ว")
    expect(page.locator("[data-testid=download-ready]")).to_contain_text(f"{count} แถว")
    shot(page, "download-ready-1366-th")
    with page.expect_download() as d:
        page.locator("[data-testid=download-file]").click()
    assert d.value.suggested_filename == f"ecotown-completeness-{last_year + 543}.xlsx"
    path = tmp_path / "matrix.xlsx"
    d.value.save_as(path)
    ws = load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    assert ws.max_row == count + 1 and ws["B1"].value == "โรงงาน"
    # the notification links back to the download
    page.goto(server + "/notifications/")
    note = page.get_by_role("link", name=re.compile(r"^ไฟล์พร้อมดาวน์โหลดแล้ว: ความครบถ้วนของการรายงาน"))
    expect(note.first).to_be_visible()
    note.first.click()
    page.wait_for_url(re.compile(r"/downloads/[0-9a-f-]{36}/$"))
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    shot(page, "download-ready-360-th")
    _english(page)
    expect(page.locator("[data-testid=download-ready]")).to_contain_text(f"The file is ready. {count} rows")
    _no_sideways_scroll(page)
    shot(page, "download-ready-360-en")
    page.goto(server + "/downloads/")
    expect(page.locator("h1")).to_have_text("My downloads")
    expect(page.locator("[data-testid=download-item]").first).to_contain_text(f"{count} factories")
    _no_sideways_scroll(page)
    shot(page, "downloads-360-en")


def test_make_final_shows_what_becomes_final_first(page, server):
    sign_in(page, server, "approver-a")
    page.set_viewport_size(WIDE)
    page.goto(server + "/carbon/")
    page.locator("table tbody tr a").first.click()
    button = page.locator("[data-testid=finalise]")
    if button.count() == 0:   # this year's inventory already final: last year's (restated in the demo)
        page.goto(server + "/carbon/")
        page.locator("table tbody tr").nth(1).locator("a").first.click()
    total = page.locator("[data-testid=totals] .fs-5").first.inner_text()
    page.locator("[data-testid=finalise]").click()
    expect(page.locator("h1")).to_have_text("ยืนยันบัญชีก๊าซเรือนกระจกเป็นฉบับสมบูรณ์")
    expect(page.locator("[data-testid=final-figures]")).to_contain_text(f"{total} t CO2e")
    shot(page, "finalise-confirm-1366-th")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    shot(page, "finalise-confirm-360-th")
    _english(page)
    expect(page.locator("h1")).to_have_text("Make the inventory final")
    expect(page.locator("[data-testid=summary]")).to_contain_text("becomes final with the figures below")
    _no_sideways_scroll(page)
    shot(page, "finalise-confirm-360-en")
    page.locator("[data-testid=confirm]").click()
    expect(page.locator("[data-testid=inventory-status]")).to_have_text("final")
    expect(page.locator("[data-testid=finalise]")).to_have_count(0)
