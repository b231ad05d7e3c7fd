"""Browser journeys of the assessment capability, against the real server with demo data."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import ROOT, shot, sign_in

BAD = ROOT / "tests" / "cases" / "assess" / "bad-unknown-level" / "framework.yaml"


def test_estate_manager_sees_level_radar_and_gaps_in_thai_then_english_and_downloads_the_pdf(page, server, tmp_path):
    sign_in(page, server, "estate-manager")
    page.goto(server + "/assessment/")
    expect(page.locator("h1")).to_contain_text("การประเมินตนเอง")
    page.locator("[data-testid=assessment-list]").get_by_role("link", name=re.compile("Eco-Champion|eco-champion")).first.click()
    expect(page.locator("[data-testid=level]")).to_contain_text("ระดับที่ได้")
    expect(page.locator("[data-testid=level]")).to_contain_text("Eco-Champion")
    expect(page.locator("[data-testid=radar]")).to_be_visible()
    expect(page.get_by_text("ช่องว่างสู่ระดับถัดไป").first).to_be_visible()
    expect(page.locator("[data-testid=gaps]")).to_contain_text("PHY-GREEN-TRANSPORT")
    expect(page.locator("[data-testid=illustrative-note]").first).to_contain_text("ไม่ใช่เกณฑ์ทางการ")
    shot(page, "assessment-result-th")
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=level]")).to_contain_text("Level reached")
    expect(page.get_by_role("heading", name=re.compile("Gap to the next level"))).to_be_visible()
    shot(page, "assessment-result-en")
    with page.expect_download() as dl:
        page.locator("[data-testid=pdf]").click()
    path = tmp_path / "result.pdf"
    dl.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")


def test_authority_uploads_a_malformed_then_a_new_framework_version(page, server, tmp_path):
    sign_in(page, server, "authority")
    page.goto(server + "/assessment/frameworks/")
    expect(page.locator("[data-testid=framework-list]")).to_contain_text("เมืองอุตสาหกรรมเชิงนิเวศ (กนอ.)")
    page.set_input_files("input[name=file]", str(BAD))
    page.locator("[data-testid=upload-form] button").click()
    problems = page.locator("[data-testid=framework-problems]")
    expect(problems).to_contain_text("dimensions[0].indicators[0].thresholds.platinum")
    expect(problems).to_contain_text("levels[2]")
    shot(page, "assessment-framework-malformed")
    # a new version of the shipped IEAT framework: export it, change the version, upload, publish
    page.goto(server + "/assessment/frameworks/")
    page.locator("[data-testid=framework-list]").get_by_role("link", name=re.compile("เมืองอุตสาหกรรมเชิงนิเวศ")).first.click()
    with page.expect_download() as dl:
        page.get_by_role("link", name="ส่งออก YAML").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    new = tmp_path / "ieat-2027.yaml"
    new.write_text(re.sub(r'^version: .*$', 'version: "2027.1-authority"', text, count=1, flags=re.M), encoding="utf-8")
    page.goto(server + "/assessment/frameworks/")
    page.set_input_files("input[name=file]", str(new))
    page.locator("[data-testid=upload-form] button").click()
    expect(page.locator("h1")).to_contain_text("2027.1-authority")
    page.locator("[data-testid=publish]").click()
    # a confirmation first (what publishing means), then the version is published
    expect(page.locator("h1")).to_have_text("เผยแพร่ฉบับนี้หรือไม่")
    expect(page.locator("[data-testid=publish-summary]")).to_contain_text("2027.1-authority จะแก้ไขไม่ได้อีก")
    shot(page, "assessment-framework-publish-confirm")
    page.locator("[data-testid=confirm]").click()
    expect(page.locator("h1")).to_contain_text("เผยแพร่แล้ว")
    expect(page.locator("[data-testid=indicator-table]")).to_contain_text("ค่าตัวอย่าง")
    shot(page, "assessment-framework-published")
    page.goto(server + "/assessment/overview/")
    expect(page.locator("[data-testid=overview-table]")).to_contain_text("Eco-Champion")
    shot(page, "assessment-overview")
