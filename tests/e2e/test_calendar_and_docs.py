"""The reporting calendar saves in the browser (its date inputs carry ISO values; the reader's B.E. date
beside each), and /api/docs works without internet access (Swagger UI from EcoTown's own files).
Screenshots: test-artifacts/calendar-*.png, api-docs-*.png."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .conftest import shot, sign_in

TH_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
EN_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _fits_360(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide at 360px"


def _deadline_inputs(page):
    return page.locator("[data-testid=calendar-form] input[type=date]")


def test_the_authority_changes_a_deadline_in_the_reporting_calendar(browser, server):
    """The demo's authority administrator ("authority": only the administrator may set the calendar;
    the officer sees it read-only) sees the twelve deadlines, changes one, saves it and finds it kept."""
    year = dt.date.today().year
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, server, "authority")
        page.goto(f"{server}/reporting/calendar/?year={year}")
        inputs = _deadline_inputs(page)
        expect(inputs).to_have_count(12)
        values = [inputs.nth(i).input_value() for i in range(12)]
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), values
        beside = page.locator("[data-testid=calendar-deadline]")
        expect(beside).to_have_count(12)
        for i, v in enumerate(values):   # the B.E. date beside each ISO value
            d = dt.date.fromisoformat(v)
            expect(beside.nth(i)).to_have_text(f"{d.day} {TH_SHORT[d.month - 1]} {d.year + 543}")
        # March's deadline: the 20th of April
        new = dt.date(year, 4, 20)
        inputs.nth(2).fill(new.isoformat())
        shot(page, "calendar-th-1366")
        page.locator("[data-testid=calendar-form] button.btn-success").click()
        expect(page.locator(".alert-success")).to_have_text("บันทึกแล้ว")
        expect(_deadline_inputs(page).nth(2)).to_have_value(new.isoformat())
        expect(page.locator("[data-testid=calendar-deadline]").nth(2)).to_have_text(f"20 เม.ย. {year + 543}")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        expect(_deadline_inputs(page)).to_have_count(12)
        _fits_360(page)
        shot(page, "calendar-th-360")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.locator("[data-testid=language-switch] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("[data-testid=calendar-deadline]").nth(2)).to_have_text(f"20 Apr {year}")
        # in English: May's deadline to the 18th of June
        other = dt.date(year, 6, 18)
        _deadline_inputs(page).nth(4).fill(other.isoformat())
        page.locator("[data-testid=calendar-form] button.btn-success").click()
        expect(page.locator(".alert-success")).to_have_text("Saved.")
        expect(_deadline_inputs(page).nth(4)).to_have_value(other.isoformat())
        expect(page.locator("[data-testid=calendar-deadline]").nth(4)).to_have_text(f"18 {EN_SHORT[5]} {year}")
        expect(_deadline_inputs(page).nth(2)).to_have_value(new.isoformat())
        shot(page, "calendar-en-1366")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        _fits_360(page)
        shot(page, "calendar-en-360")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.locator("[data-testid=language-switch] button").click()   # leave the user in Thai
        expect(page.locator("html")).to_have_attribute("lang", "th")
    finally:
        context.close()


def test_api_docs_work_without_internet_access(browser, server):
    own = urlsplit(server).netloc
    left, served = [], []
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)

    def only_the_server(route):
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).netloc == own:
            served.append(url)
            route.continue_()
        else:
            left.append(url)
            route.abort()

    page.route("**/*", only_the_server)
    try:
        page.goto(server + "/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("EcoTown API")
        expect(page.locator(".opblock-summary-description", has_text="Create Token")).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/api/registry/estates").first).to_be_visible()
        shot(page, "api-docs-1366")
        assert left == []
        assert any(u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in served)
        assert any(u.endswith("/api/openapi.json") for u in served)
    finally:
        context.close()
