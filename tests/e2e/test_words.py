"""The main pages at 360 px and 1366 px, in Thai and English: no sideways scroll on a phone, labels and
B.E. years on Thai pages, month names on the charts' axis. Screenshots: test-artifacts/words-<page>-<lang>-<w>.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in


def _href(page, server, path, selector) -> str:
    page.goto(server + path)
    return page.locator(selector).first.get_attribute("href")


def _pages(page, server) -> dict[str, str]:
    """The main pages of a factory's day (discovered through the links a user follows)."""
    inv = _href(page, server, "/carbon/", "a[href*='/carbon/inventory/']")
    org = _href(page, server, "/reporting/", "a[href*='/reporting/org/']")
    rec = _href(page, server, org, "a[href*='/reporting/records/']")
    asm = _href(page, server, "/assessment/", "[data-testid=assessment-list] a[href$='/result/']")
    return {
        "home": "/", "reporting": org, "record": rec, "inventory": inv, "lines": inv + "lines/",
        "factors": "/carbon/factors/", "assessment": asm.replace("result/", ""), "result": asm,
        "factories": "/factories/", "estates": "/estates/",
    }


def _set_lang(page, server, lang):
    page.context.add_cookies([{"name": "ecotown_language", "value": lang, "url": server}])


@pytest.mark.parametrize("lang", ["th", "en"])
def test_main_pages_fit_a_phone_and_speak_the_readers_language(browser, server, lang):
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, server, "estate-manager")
        if lang == "en":
            page.locator("[data-testid=language-switch] button").click()
            page.wait_for_function("document.documentElement.lang === 'en'")
        pages = _pages(page, server)
        wide = []
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in pages.items():
                page.goto(server + path)
                expect(page.locator("html")).to_have_attribute("lang", lang)
                sw = page.evaluate("document.documentElement.scrollWidth")
                if width == 360 and sw > 360:
                    wide.append(f"{name} ({path}): {sw} px")
                shot(page, f"words-{name}-{lang}-{width}")
        assert wide == []
        # the answer form and the gap table stack on a phone: no table scrolls sideways inside its box either
        for name in ("assessment", "result"):
            page.goto(server + pages[name])
            inner = page.evaluate("Array.from(document.querySelectorAll('table.stack')).map("
                                  "t => t.scrollWidth - t.parentElement.clientWidth)")
            assert inner and max(inner) <= 1, (name, inner)  # 1 px: sub-pixel rounding of the table border
        # the inventory's chart: month names on the axis, series in the reader's language
        page.goto(server + pages["inventory"])
        data = page.evaluate("JSON.parse(document.getElementById('months-data').textContent).map(r => r.label)")
        assert data[:3] == (["ม.ค.", "ก.พ.", "มี.ค."] if lang == "th" else ["Jan", "Feb", "Mar"])
        # the factor library shows activities and dates in words, never codes or ISO dates
        page.goto(server + pages["factors"])
        page.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
        text = "\n".join(page.locator("details table").all_inner_texts())  # the factors (citations are quoted)
        assert "grid_electricity" not in text and not re.search(r"\b20\d\d-\d\d-\d\d\b", text)
        assert ("ไฟฟ้า" in text) if lang == "th" else ("electricity" in text.lower())
        # the history shows field labels, not names
        page.goto(server + pages["record"])
        history = page.locator("[data-testid=history]").first.inner_text()
        assert "submitted_at" not in history and "is_counted" not in history
        if lang == "th":
            assert re.search(r"25[67]\d", history)  # B.E. years
    finally:
        context.close()
