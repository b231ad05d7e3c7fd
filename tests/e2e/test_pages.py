"""Pages that fit the people who use them (issue 10), in the browser: the completeness matrix, the global
search, a factory user's estate, the enquiry's PDPA notice and reference number, the start form that says
why there is nothing to start — Thai and English, 1366 px and 360 px, no horizontal scroll on a phone."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from .conftest import shot, sign_in

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 780}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _switch_language(page):
    if page.locator(".navbar-toggler").is_visible():   # on a phone the switch is in the menu
        page.locator(".navbar-toggler").click()
        expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))   # (opened, not still sliding)
    with page.expect_navigation():
        page.locator("[data-testid=language-switch] button").click()


def _english(page):
    _switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _thai(page):
    if page.locator("html").get_attribute("lang") != "th":
        _switch_language(page)
        expect(page.locator("html")).to_have_attribute("lang", "th")


def test_the_completeness_matrix_reads_without_colour_filters_and_opens_a_month(page, server):
    last_year = dt.date.today().year - 1
    sign_in(page, server, "estate-manager")
    page.goto(server + "/reporting/")
    page.locator("[data-testid=matrix-link]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ความครบถ้วนของการรายงานทั้งปี")
    legend = page.locator("[data-testid=matrix-legend]")
    for word in ("ยังไม่รายงาน", "ฉบับร่าง", "ส่งแล้ว", "ตรวจสอบแล้ว", "เลยกำหนดส่ง"):
        expect(legend).to_contain_text(word)
    expect(page.locator("[data-testid=matrix] .et-matrix-estate").first).to_contain_text("นิคมอุตสาหกรรมแหลมฉบัง")
    page.set_viewport_size(WIDE)
    shot(page, "matrix-estate-manager-1366-th")
    # last year: every deadline passed; the factories verified in March
    page.goto(server + f"/reporting/completeness/matrix/?year={last_year}")
    page.select_option("#m-state", "verified")
    page.select_option("#m-month", "3")
    page.locator("[data-testid=matrix-filter] button").click()
    expect(page.locator("[data-testid=matrix-count]")).to_contain_text("โรงงาน")
    first_march = page.locator("[data-testid=matrix] tr[data-org] td:nth-child(4) a").first
    expect(first_march).to_have_attribute("data-state", "verified")
    expect(first_march).to_have_attribute("title", re.compile(r"^มี\.ค\. \d{4}: ตรวจสอบแล้ว$"))
    assert first_march.locator("span[aria-hidden=true]").inner_text() == "✓"   # a sign, not only a colour
    assert first_march.inner_text().strip().endswith("ตรวจสอบแล้ว")             # and words for screen readers
    with page.expect_download() as d:
        page.locator("[data-testid=matrix-export]").click()
    assert d.value.suggested_filename == f"ecotown-completeness-{last_year + 543}.xlsx"
    page.set_viewport_size(PHONE)
    shot(page, "matrix-estate-manager-360-th")
    _no_sideways_scroll(page)
    _english(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Completeness of the year {last_year}")
    shot(page, "matrix-estate-manager-360-en")
    _no_sideways_scroll(page)
    page.set_viewport_size(WIDE)
    shot(page, "matrix-estate-manager-1366-en")
    href = first_march.get_attribute("href")
    first_march.click()
    page.wait_for_url(re.compile(r"/reporting/org/\d+/\?year=\d{4}#month-3$"))
    assert page.url.endswith(href)
    expect(page.locator("#month-3")).to_be_visible()
    _thai(page)


def test_a_factory_user_searches_from_the_navigation_bar_on_a_phone(page, server):
    sign_in(page, server, "factory-a")
    page.set_viewport_size(PHONE)
    box = page.locator("[data-testid=global-search] input")
    expect(box).to_be_visible()                      # not hidden behind the menu button
    box.fill("ชิ้นส่วน")
    suggestions = page.locator("[data-testid=search-suggestions]")
    expect(suggestions).to_contain_text("บริษัท ตัวอย่างชิ้นส่วนยานยนต์ เอ จำกัด (สมมติ)")
    expect(suggestions).not_to_contain_text("อิเล็กทรอนิกส์ บี")      # factory-b is not hers to see
    shot(page, "search-suggest-factory-a-360-th")
    _no_sideways_scroll(page)
    suggestions.get_by_role("link", name=re.compile("ผลการค้นหาทั้งหมด")).click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator("[data-testid=search-factories]")).to_contain_text("3-64(1)-9001/69ชบ")
    # a factory and a month: the reported month, with its state in words
    last_year_be = dt.date.today().year - 1 + 543
    page.goto(server + f"/search/?q=ชิ้นส่วน มี.ค. {last_year_be}")
    expect(page.locator("[data-testid=search-months]")).to_contain_text(f"มี.ค. {last_year_be}")
    shot(page, "search-results-factory-a-360-th")
    _no_sideways_scroll(page)
    _english(page)
    page.goto(server + f"/search/?q=Auto Parts {dt.date.today().year - 1}-03")
    expect(page.locator("[data-testid=search-months]")).to_contain_text(f"Mar {dt.date.today().year - 1}")
    shot(page, "search-results-factory-a-360-en")
    page.set_viewport_size(WIDE)
    shot(page, "search-results-factory-a-1366-en")
    _thai(page)


def test_a_factory_user_reaches_its_estates_public_profile_and_the_map(page, server):
    sign_in(page, server, "factory-b")
    page.set_viewport_size(WIDE)
    page.locator("#nav .dropdown-toggle").first.click()          # in "More" (the menu is full at 1280 px)
    page.locator("#nav [data-testid=own-estate]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("นิคมอุตสาหกรรมแหลมฉบัง")
    shot(page, "own-estate-factory-b-1366-th")
    # the menu with the search row and "My estate" still fits at 1280 px in English
    page.set_viewport_size({"width": 1280, "height": 900})
    _english(page)
    _no_sideways_scroll(page)
    shot(page, "own-estate-factory-b-1280-en")
    _thai(page)
    page.set_viewport_size(WIDE)
    page.goto(server + "/estates/?q=แหลมฉบัง")
    expect(page.get_by_role("link", name="นิคมอุตสาหกรรมแหลมฉบัง", exact=True)).to_have_attribute(
        "href", re.compile(r"^/public/estates/\d+/$"))   # a visitor sees it too
    page.goto(server + "/map/")
    expect(page.locator("#map-count")).to_have_text(re.compile(r"^[1-9]\d* "))
    page.set_viewport_size(PHONE)
    page.goto(server + "/")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#nav .dropdown-toggle").first.click()
    page.locator("#nav [data-testid=own-estate]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("นิคมอุตสาหกรรมแหลมฉบัง")
    shot(page, "own-estate-factory-b-360-th")
    _no_sideways_scroll(page)


def test_an_enquiry_shows_the_pdpa_notice_and_gives_a_reference_to_follow(page, server):
    page.set_viewport_size(PHONE)
    page.goto(server + "/enquiry/")
    notice = page.locator("[data-testid=pdpa-notice]")
    expect(notice).to_contain_text("ข้อมูลส่วนบุคคลของท่าน (PDPA)")
    expect(notice).to_contain_text("ลบข้อมูลส่วนบุคคลเมื่อครบ 730 วัน")
    shot(page, "enquiry-notice-360-th")
    _no_sideways_scroll(page)
    page.select_option("#id_programme", "eco_factory")
    page.fill("#id_name", "ทดสอบ ระบบ (สมมติ)")
    page.fill("#id_email", "e2e@example.test")
    page.fill("#id_subject", "สอบถามเกณฑ์ Eco Factory")
    page.fill("#id_message", "ขอรายละเอียดเกณฑ์")
    page.get_by_role("button", name="ส่ง", exact=True).click()
    ref = page.locator("[data-testid=enquiry-reference]")
    expect(ref).to_have_text(re.compile(r"^EQ-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$"))
    shot(page, "enquiry-reference-360-th")
    page.get_by_role("link", name="ดูสถานะ").click()
    expect(page.locator("[data-testid=enquiry-status-value]")).to_have_text("ใหม่")
    _no_sideways_scroll(page)
    # the demo visitor's answered enquiry, in English, typed loosely
    _english(page)
    page.goto(server + "/enquiry/status/")
    page.fill("#id_reference", "eq demx 2569")
    page.fill("#id_email", "teacher@demo.ecotown.invalid")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("[data-testid=enquiry-status-value]")).to_have_text("answered")
    expect(page.locator("[data-testid=enquiry-status]")).to_contain_text("synthetic demo answer")
    shot(page, "enquiry-status-360-en")
    page.set_viewport_size(WIDE)
    shot(page, "enquiry-status-1366-en")
    _thai(page)


def test_the_school_coordinator_is_told_why_there_is_nothing_to_start(page, server):
    sign_in(page, server, "school")
    page.goto(server + "/assessment/")
    expect(page.locator("[data-testid=start-not-offered]")).to_contain_text("ยังไม่มีกรอบเกณฑ์การประเมินที่ใช้กับโรงเรียน")
    expect(page.locator("[data-testid=start-form]")).to_have_count(0)
    page.set_viewport_size(PHONE)
    shot(page, "assessment-start-school-360-th")
    _no_sideways_scroll(page)


def test_the_authority_picks_one_of_many_factories_by_typing_and_starts_an_assessment(page, server):
    """80 factories and their estates: the start form is a search box (web/pickers.py), not a drop-down."""
    sign_in(page, server, "officer")
    page.set_viewport_size(PHONE)
    page.goto(server + "/assessment/")
    picker = page.locator("[data-testid=picker-organisation]")
    expect(picker).to_be_visible()
    expect(page.locator("select[name=organisation]")).to_have_count(0)
    picker.locator("input[type=search]").press_sequentially("ยานยนต์ เอ", delay=30)   # Thai, as typed
    option = picker.locator(".et-picker-option").first
    expect(picker.locator(".et-picker-option")).to_have_count(1)
    expect(option).to_contain_text("บริษัท ตัวอย่างชิ้นส่วนยานยนต์ เอ จำกัด")
    _no_sideways_scroll(page)
    shot(page, "picker-suggestions-360-th")
    option.click()
    assert picker.locator("input[type=hidden]").input_value() != ""
    expect(picker.locator("input[type=search]")).to_have_value("บริษัท ตัวอย่างชิ้นส่วนยานยนต์ เอ จำกัด (สมมติ) (โรงงาน)")
    expect(picker.locator(".et-picker-option")).to_have_count(0)
    factory_frameworks = page.locator("select[name=framework_version] option", has_text="(โรงงาน)")
    page.select_option("select[name=framework_version]", factory_frameworks.first.get_attribute("value"))
    page.locator("[data-testid=start-form] > button").click()
    page.wait_for_url(re.compile(r"/assessment/\d+/$"))
    expect(page.locator("h1")).to_contain_text("ยานยนต์ เอ")
    shot(page, "picker-started-360-th")
