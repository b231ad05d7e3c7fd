"""Work flows to the next person, in the browser: "งานของฉัน / My tasks" on the home page and its own page,
a task that opens the month it is about with whom it waits for, the review before verifying (working without
JavaScript's help: a page and a form), notifications that lead to the page to act on, and an inventory line
that leads to its record's versions and files — Thai and English, 1366 px and 360 px.
(The demo's state is left as it was: nothing here is confirmed; the reporting journey confirms.)"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import shot, sign_in


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _english(page):
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_estate_manager_finds_the_work_waiting_and_reviews_before_verifying(page, server):
    sign_in(page, server, "estate-manager")
    home = page.locator("[data-testid=home-tasks]")
    expect(home.get_by_role("heading")).to_contain_text("งานของฉัน")
    n = int(page.locator("[data-testid=n-tasks]").inner_text())
    assert n > 5
    expect(home.locator("[data-testid=task]")).to_have_count(5)  # the first few; the rest on its own page
    expect(home).to_contain_text(f"ดูงานทั้งหมด {n} รายการ")
    expect(home.locator("[data-testid=task]").first).to_contain_text("ตรวจสอบ")
    shot(page, "flow-home-tasks-th-1366")

    page.goto(server + "/tasks/")
    expect(page.locator("h1")).to_have_text("งานของฉัน")
    expect(page.locator("[data-testid=task]")).to_have_count(n)
    expect(page.locator("[data-testid=task-count]").first).to_contain_text("รายการ")
    shot(page, "flow-tasks-th-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    _no_sideways_scroll(page)
    shot(page, "flow-tasks-th-360")
    page.set_viewport_size({"width": 1366, "height": 900})
    _english(page)  # (the language switch is in the navbar, folded away at 360 px)
    expect(page.locator("h1")).to_have_text("My tasks")
    expect(page.locator("[data-testid=task]").first).to_contain_text("Verify")
    shot(page, "flow-tasks-en-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(page)
    shot(page, "flow-tasks-en-360")
    page.set_viewport_size({"width": 1366, "height": 900})

    # a task opens the month it is about: it waits for this user
    first = page.locator("[data-testid=task]").first
    org = first.locator(".small").inner_text().split(" — ")[-1]
    first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/reporting/org/\d+/\?year=\d+#month-\d+"))
    month = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{month} [data-testid=month-waiting]")).to_have_text("waiting for you")
    expect(page.locator("h1")).to_contain_text(org)

    # the review before verifying: every record, its value; a POST needs the confirmation
    page.locator("[data-testid=verify-all]").click()
    expect(page.locator("h1")).to_have_text("Review before verifying")
    rows = page.locator("[data-testid=review-row]")
    assert rows.count() >= 1
    expect(page.locator("[data-testid=summary]")).to_contain_text("submitted record")
    expect(page.locator("[data-testid=confirm]")).to_contain_text("Confirm: verify")
    shot(page, "flow-review-en-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(page)
    shot(page, "flow-review-en-360")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("h1")).to_have_text("ตรวจทานก่อนยืนยันการตรวจสอบ")
    expect(page.locator("[data-testid=confirm]")).to_contain_text("ยืนยันการตรวจสอบ")
    shot(page, "flow-review-th-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(page)
    shot(page, "flow-review-th-360")
    page.get_by_role("link", name="ยกเลิก").click()
    expect(page.locator("[data-testid=verify-all]")).to_be_visible()  # nothing was verified


def test_approver_follows_a_notification_and_an_inventory_line_to_its_evidence(page, server):
    sign_in(page, server, "approver-a")
    expect(page.locator("[data-testid=home-tasks]")).to_contain_text("ตอบตัวชี้วัดและคำนวณผล")
    page.goto(server + "/notifications/")
    note = page.get_by_role("link", name=re.compile("ปรับปรุงบัญชีก๊าซเรือนกระจกแล้ว")).first
    expect(note).to_be_visible()
    shot(page, "flow-notifications-th")
    note.click()
    page.wait_for_url(re.compile(r"/carbon/inventory/\d+/$"))
    page.locator("[data-testid=lines-evidence]").click()
    link = page.locator("[data-testid=record-link]").first
    expect(link).to_have_text(re.compile(r"^#\d+ v\d+$"))
    page.locator("[data-testid=versions-link]").first.click()
    page.wait_for_url(re.compile(r"/reporting/records/\d+/#versions$"))
    expect(page.locator("#versions")).to_be_in_viewport()
    expect(page.locator("[data-testid=version]").first).to_be_visible()
    shot(page, "flow-line-record-versions-th")


def test_authority_confirms_before_publishing_a_framework_version(page, server, tmp_path):
    sign_in(page, server, "authority")
    page.goto(server + "/assessment/frameworks/")
    page.locator("[data-testid=framework-list]").get_by_role("link", name=re.compile("อุตสาหกรรมสีเขียว")).first.click()
    with page.expect_download() as dl:
        page.get_by_role("link", name="ส่งออก YAML").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    new = tmp_path / "green-flow.yaml"
    new.write_text(re.sub(r'^version: .*$', 'version: "2027.9-flow"', text, count=1, flags=re.M), encoding="utf-8")
    page.goto(server + "/assessment/frameworks/")
    page.set_input_files("input[name=file]", str(new))
    page.locator("[data-testid=upload-form] button").click()
    expect(page.locator("h1")).to_contain_text("2027.9-flow")
    page.locator("[data-testid=publish]").click()
    expect(page.locator("h1")).to_have_text("เผยแพร่ฉบับนี้หรือไม่")
    expect(page.locator("[data-testid=publish-summary]")).to_contain_text("2027.9-flow จะแก้ไขไม่ได้อีก")
    shot(page, "flow-publish-confirm-th-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(page)
    shot(page, "flow-publish-confirm-th-360")
    page.set_viewport_size({"width": 1366, "height": 900})
    _english(page)
    expect(page.locator("h1")).to_have_text("Publish this version?")
    expect(page.locator("[data-testid=confirm]")).to_have_text("Confirm: publish")
    shot(page, "flow-publish-confirm-en-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(page)
    shot(page, "flow-publish-confirm-en-360")
    page.get_by_role("link", name="Cancel").click()  # nothing published: still a draft
    expect(page.locator("[data-testid=publish]")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
