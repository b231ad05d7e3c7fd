from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import shot, sign_in


def located_in_demo_data() -> int:
    """Estates with coordinates in the shipped demo file, plus the industrial port."""
    import csv
    from importlib import resources

    with resources.files("ecotown").joinpath("data/registry/demo_estates.csv").open(encoding="utf-8") as f:
        return sum(1 for row in csv.DictReader(f) if row["lat"]) + 1


def test_public_home_in_thai_then_english(page, server):
    page.goto(server + "/")
    expect(page.locator("[data-testid=demo-banner]")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.goto(server + "/public/estates/?q=แหลมฉบัง")
    expect(page.get_by_role("link", name=re.compile(r"^นิคมอุตสาหกรรมแหลมฉบัง ชลบุรี"))).to_be_visible()
    shot(page, "public-estates-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name=re.compile(r"^Laem Chabang Industrial Estate Chon Buri"))).to_be_visible()
    shot(page, "public-estates-en")


def test_sign_in_switch_language_and_open_map(page, server):
    sign_in(page, server, "estate-manager")
    expect(page.locator("[data-testid=user-menu]")).to_contain_text("นิคมอุตสาหกรรมแหลมฉบัง")
    shot(page, "home-estate-manager-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=user-menu]")).to_contain_text("Laem Chabang Industrial Estate")
    expect(page.locator("#nav").get_by_role("link", name="Factories", exact=True)).to_be_visible()
    page.locator("#nav").get_by_role("link", name="Map", exact=True).click()
    expect(page.locator("#map canvas").first).to_be_attached()  # markers drawn on a canvas
    expect(page.locator("#map-count")).to_contain_text("estates and ports with a location")
    page.wait_for_timeout(500)
    shot(page, "map-estate-manager-en")
    # back to Thai
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")


def test_authority_map_shows_every_located_estate(page, server):
    sign_in(page, server, "authority")
    page.goto(server + "/map/")
    expect(page.locator("#map-count")).to_have_text(re.compile(r"^\d+ "))
    count = int(page.locator("#map-count").inner_text().split()[0])
    assert count == located_in_demo_data()
    page.wait_for_timeout(800)
    shot(page, "map-authority-th")


def test_factory_search_with_htmx_and_history(page, server):
    sign_in(page, server, "estate-manager")
    page.goto(server + "/factories/")
    page.fill("input[name=q]", "9001/69")  # factory A's DIW number
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    page.locator("#rows tbody tr a").first.click()
    expect(page.locator("[data-testid=history]").first).to_be_visible()
    expect(page.locator("h1")).to_contain_text("ตัวอย่างชิ้นส่วนยานยนต์ เอ")
    shot(page, "factory-a-detail-th")


def test_factory_user_sees_only_own_factory(page, server):
    sign_in(page, server, "factory-b")
    page.goto(server + "/factories/")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("บี")
    resp = page.goto(server + "/orgs/1/")  # the authority itself: not visible to a factory
    assert resp.status == 404


def test_public_enquiry_on_a_phone(browser, server):
    context = browser.new_context(locale="th-TH", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(server + "/enquiry/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide at 360px"
    page.select_option("#id_programme", "eco_school")
    page.fill("#id_name", "ครูทดสอบ (สมมติ)")
    page.fill("#id_email", "teacher@example.test")
    page.fill("#id_subject", "โรงเรียนของเราอยากเข้าร่วม")
    page.fill("#id_message", "ขอทราบขั้นตอนการสมัคร")
    page.locator("form button.btn-success").click()
    expect(page.locator("h1")).to_be_visible()
    shot(page, "enquiry-sent-phone-th")
    context.close()
