"""Reporting journey in the browser: factory-a downloads the template, fills it (openpyxl), uploads a file
with a bad row, gets the marked workbook back, fixes it and uploads again; approver-a submits; the estate
manager verifies; the authority sees completeness for the estate — Thai first, then English."""
from __future__ import annotations

import datetime as dt
import re

import openpyxl
from playwright.sync_api import expect

from .conftest import shot, sign_in


def _year_and_months():
    today = dt.date.today()
    if today.month == 1:
        return today.year - 1, list(range(1, 13))
    return today.year, list(range(1, today.month))


def _sign_in_thai(page, server, username):
    """Sign in and make sure the page is in Thai (a language chosen in another journey is remembered per user)."""
    sign_in(page, server, username)
    if page.locator("html").get_attribute("lang") != "th":
        page.locator("[data-testid=language-switch] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "th")


def test_factory_reports_a_year_and_the_authority_sees_completeness(page, server, tmp_path):
    year, months = _year_and_months()
    _sign_in_thai(page, server, "factory-a")
    page.goto(server + "/reporting/")
    page.wait_for_url(re.compile(r"/reporting/org/\d+/"))
    org_url = page.url.split("?")[0]
    expect(page.get_by_role("heading", name="รายงานด้วย Excel")).to_be_visible()
    page.goto(f"{org_url}?year={year}")
    shot(page, "reporting-factory-a-th")
    with page.expect_download() as d:
        page.locator("[data-testid=template-link]").click()
    template = tmp_path / "template.xlsx"
    d.value.save_as(template)
    # fill a year of purchased steam in the template, one row wrong
    wb = openpyxl.load_workbook(template)
    ws = wb["data"]
    assert ws["A1"].value == "วันเริ่มต้นงวด\nPeriod start"   # names, Thai first, no column code
    for i, m in enumerate(months):
        row = 2 + i  # (the example row is overwritten)
        ws.cell(row=row, column=1, value=dt.datetime(year, m, 1))
        ws.cell(row=row, column=2).value = None
        ws.cell(row=row, column=3, value="steam | ไอน้ำที่ซื้อ | Purchased steam")
        ws.cell(row=row, column=4, value=-40 if i == 1 else 400 + i)
        ws.cell(row=row, column=5, value="GJ")
        ws.cell(row=row, column=6, value="BOILER-HOUSE")
        ws.cell(row=row, column=7).value = None
    wb.save(tmp_path / "year.xlsx")
    page.locator("[data-testid=upload-form] input[type=file]").set_input_files(str(tmp_path / "year.xlsx"))
    page.locator("[data-testid=upload-form] button").click()
    expect(page.locator("[data-testid=import-rejected]")).to_contain_text("ไม่มีข้อมูลใดถูกบันทึก")
    expect(page.locator("[data-testid=problems]")).to_contain_text("ปริมาณต้องไม่ติดลบ")
    expect(page.locator("[data-testid=problems]")).to_contain_text("D3")
    shot(page, "reporting-upload-rejected-th")
    with page.expect_download() as d:
        page.locator("[data-testid=marked-link]").click()
    marked = tmp_path / "marked.xlsx"
    d.value.save_as(marked)
    wb = openpyxl.load_workbook(marked)
    ws = wb["data"]
    assert ws["D3"].comment.text == "ปริมาณต้องไม่ติดลบ"
    ws["D3"] = 410
    ws["D3"].comment = None
    wb.save(tmp_path / "fixed.xlsx")
    page.goto(f"{org_url}?year={year}")
    page.locator("[data-testid=upload-form] input[type=file]").set_input_files(str(tmp_path / "fixed.xlsx"))
    page.locator("[data-testid=upload-form] button").click()
    expect(page.locator("[data-testid=import-accepted]")).to_contain_text(f"{len(months)}")
    shot(page, "reporting-upload-accepted-th")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{org_url}?year={year}")
    expect(page.locator("[data-testid=records]")).to_contain_text("ไอน้ำที่ซื้อ")
    shot(page, "reporting-factory-a-360px")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()

    # the approver is told (a notification and a task on the home page), reviews what will go, submits
    _sign_in_thai(page, server, "approver-a")
    expect(page.locator("[data-testid=home-tasks]")).to_contain_text("ตรวจทานและส่งข้อมูล")
    page.goto(server + "/notifications/")
    expect(page.locator(".list-group")).to_contain_text(f"บันทึกเป็นฉบับร่างแล้ว {len(months)} รายการ")
    page.goto(f"{org_url}?year={year}")
    expect(page.locator(f"#month-{months[0]} [data-testid=month-waiting]")).to_have_text("รอท่านดำเนินการ")
    page.locator("[data-testid=submit-all]").click()
    expect(page.locator("h1")).to_have_text("ยืนยันการส่งข้อมูล")
    expect(page.locator("[data-testid=review-row]")).to_have_count(len(months))
    shot(page, "reporting-submit-confirm-th-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "reporting-submit-confirm-th-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("[data-testid=confirm]").click()
    expect(page.locator(".alert-success")).to_contain_text(f"ส่งแล้ว {len(months)} รายการ")
    expect(page.locator(f"#month-{months[0]} [data-testid=month-waiting]")).to_have_text("รอนิคมอุตสาหกรรมของท่านตรวจสอบ")
    shot(page, "reporting-approver-submitted-th")
    page.context.clear_cookies()

    # the estate is told, reviews the records and their values, then verifies
    _sign_in_thai(page, server, "estate-manager")
    page.goto(server + "/notifications/")
    expect(page.locator(".list-group")).to_contain_text(f"ส่งข้อมูลแล้ว {len(months)} รายการ")
    page.goto(f"{org_url}?year={year}")
    page.locator("[data-testid=verify-all]").click()
    expect(page.locator("h1")).to_have_text("ตรวจทานก่อนยืนยันการตรวจสอบ")
    expect(page.locator("[data-testid=review-row]")).to_have_count(len(months))
    expect(page.locator("[data-testid=review-value]").first).to_contain_text("GJ")
    page.locator("[data-testid=confirm]").click()
    expect(page.locator(".alert-success")).to_contain_text("ตรวจสอบแล้ว")
    expect(page.locator("[data-testid=records]")).to_contain_text("ตรวจสอบแล้ว")
    shot(page, "reporting-estate-verified-th")
    page.context.clear_cookies()

    # the authority sees completeness for the demo estate
    _sign_in_thai(page, server, "authority")
    month = months[0]
    page.goto(f"{server}/reporting/completeness/?year={year}&month={month}")
    page.locator("select[name=estate]").select_option(label="นิคมอุตสาหกรรมแหลมฉบัง")
    page.get_by_role("button", name="แสดง").click()
    expect(page.get_by_role("heading", name=re.compile("ความครบถ้วนของการรายงาน"))).to_be_visible()
    expect(page.locator("[data-testid=reported]")).to_have_text(re.compile(r"^\d+ / \d+$"))
    expect(page.locator("[data-testid=missing]")).not_to_contain_text("ตัวอย่างชิ้นส่วนยานยนต์ เอ")
    shot(page, "reporting-completeness-authority-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.get_by_role("heading", name="Factories that have not reported this month")).to_be_visible()
    expect(page.locator("[data-testid=escalation]")).to_be_visible()
    shot(page, "reporting-completeness-authority-en")
    page.locator("[data-testid=language-switch] button").click()  # back to Thai for the other journeys
    expect(page.locator("html")).to_have_attribute("lang", "th")


def test_factory_imports_production_from_the_thai_template(page, server, tmp_path):
    """A preparer downloads the production template in Thai, fills three months with openpyxl, uploads it as
    production data and sees the records — also on a 360 px wide screen."""
    year = dt.date.today().year - 1
    _sign_in_thai(page, server, "factory-a")
    page.goto(server + "/reporting/")
    page.wait_for_url(re.compile(r"/reporting/org/\d+/"))
    org_url = page.url.split("?")[0]
    page.goto(f"{org_url}?year={year}")
    link = page.locator("[data-testid=template-link-production]")
    expect(link).to_contain_text("ดาวน์โหลดแม่แบบ Excel: ปริมาณการผลิต")
    with page.expect_download() as d:
        link.click()
    template = tmp_path / "production.xlsx"
    d.value.save_as(template)
    wb = openpyxl.load_workbook(template)
    ws = wb["data"]
    assert ws["C1"].value == "ผลิตภัณฑ์\nProduct"
    assert list(wb["_ecotown"].iter_rows(values_only=True))[5] == ("kind", "production")
    product = wb["lists"]["A2"].value  # the drop-down's first product: "ID | Thai name (unit)"
    name_th = product.split(" | ", 1)[1].rsplit(" (", 1)[0]
    for i, m in enumerate((1, 2, 3)):
        ws.cell(row=2 + i, column=1, value=dt.datetime(year, m, 1))
        ws.cell(row=2 + i, column=2).value = None
        ws.cell(row=2 + i, column=3, value=product)
        ws.cell(row=2 + i, column=4, value=1000 + i)
        ws.cell(row=2 + i, column=5).value = None
    wb.save(tmp_path / "filled.xlsx")
    page.locator("[data-testid=upload-kind]").select_option("production")
    page.locator("[data-testid=upload-form] input[type=file]").set_input_files(str(tmp_path / "filled.xlsx"))
    page.locator("[data-testid=upload-form] button").click()
    expect(page.locator("[data-testid=import-accepted]")).to_contain_text("3")
    expect(page.locator("[data-testid=job-kind]")).to_contain_text("ปริมาณการผลิต")
    shot(page, "reporting-production-accepted-th")
    page.goto(f"{org_url}?year={year}")
    expect(page.locator("[data-testid=production]")).to_contain_text(name_th)
    expect(page.locator("[data-testid=production]")).to_contain_text("1,002")
    expect(page.locator("[data-testid=batch-kind]").first).to_have_text("ปริมาณการผลิต")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{org_url}?year={year}")
    expect(page.locator("[data-testid=production]")).to_contain_text(name_th)
    expect(page.locator("[data-testid=template-link-production]")).to_be_visible()
    shot(page, "reporting-production-360px")
    page.set_viewport_size({"width": 1280, "height": 900})
