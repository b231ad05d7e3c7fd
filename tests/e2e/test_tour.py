"""The README tour, followed in Chromium in Thai and then in English, at 1366 px and at 360 px
(issue 10, "Done when"): every page of the tour opens (HTTP 200, a heading, content), shows no
untranslated string, no internal code, no raw float, no UTC timestamp, and fits the screen (no
sideways scroll). Screenshots of every step go to test-artifacts/tour-<lang>-<width>-<step>.png.

The checks read the page as a user does (`innerText` of the body), leaving out the language switch
(it names the other language on purpose), passages marked with another `lang` (a source's own
title, cited in its language) and identifiers marked `translate="no"` (a framework version)."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

# (user or None for a visitor, step name, path or a callable(page, server) -> path)
TOUR = [
    (None, "public-home", "/"),
    (None, "public-estates", "/public/estates/"),
    (None, "enquiry", "/enquiry/"),
    (None, "enquiry-status", "/enquiry/status/"),
    ("authority", "home", "/"),
    ("authority", "map", "/map/"),
    ("authority", "estates", "/estates/?q=แหลมฉบัง"),
    ("authority", "estate", "estate:"),
    ("authority", "completeness", "/reporting/completeness/"),
    ("authority", "completeness-matrix", "/reporting/completeness/matrix/"),
    ("authority", "calendar", "/reporting/calendar/"),
    ("authority", "national-ghg", "/carbon/authority/"),
    ("authority", "frameworks", "/assessment/frameworks/"),
    ("estate-manager", "home", "/"),
    ("estate-manager", "my-tasks", "/tasks/"),
    ("estate-manager", "search", "/search/?search=แหลมฉบัง"),
    ("estate-manager", "factories", "/factories/"),
    ("estate-manager", "estate-ghg", "estate-ghg:"),
    ("estate-manager", "assessment", "/assessment/"),
    ("estate-manager", "assessment-result", "assessment-result:"),
    ("factory-a", "reporting", "/reporting/"),
    ("factory-a", "reporting-factory", "reporting-factory:"),
    ("factory-a", "uploads", "uploads:"),
    ("approver-a", "my-tasks", "/tasks/"),
    ("approver-a", "inventories", "/carbon/"),
    ("approver-a", "inventory", "inventory:"),
    ("factory-b", "factories", "/factories/"),
    ("factory-b", "factor-library", "/carbon/factors/"),
    (None, "api-docs", "/api/docs"),
]

RAW_FLOAT = re.compile(r"(?<![\d.])\d+\.\d{5,}(?![\d.])")
SNAKE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LEVEL_CODE = re.compile(r"\beco-(?:champion|excellence|world-class)\b")
ENGLISH_RUN = re.compile(r"\b[a-z]{2,}(?: [a-z]{2,}){2,}\b")  # three lower-case English words: UI text
VERSION_ID = re.compile(r"\b\d{4}(?:\.\d+)?-[a-z][a-z-]*\b")  # a framework version ("2026.1-illustrative"): an identifier
STATUS_CODE = re.compile(r"\b(?:illustrative|official|draft|submitted|verified|locked)\b")  # on Thai pages
UTC = re.compile(r"\bUTC\b|\d{4}-\d\d-\d\dT\d\d:\d\d|\+00:00")
THAI = re.compile(r"[\u0E00-\u0E7F]")


@lru_cache(maxsize=1)
def catalogue_phrases() -> tuple[str, ...]:
    """English UI phrases of the Thai catalogue (three words or more, no placeholders): on a Thai
    page none of them may show untranslated."""
    text = resources.files("ecotown").joinpath("locale/th/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    out = []
    for block in text.split("\n\n"):
        if "msgctxt" in block or "msgid_plural" in block:
            continue
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if not m:
            continue
        msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', m.group(2)))
        if not msgstr or msgid == msgstr or not THAI.search(msgstr):
            continue
        if re.search(r"[%{}<>\\]", msgid) or len(msgid.split()) < 3 or not msgid.isascii():
            continue
        out.append(msgid)
    return tuple(sorted(set(out), key=len, reverse=True))


def problems(text: str, lang: str) -> list[str]:
    found = []
    for m in RAW_FLOAT.finditer(text):
        found.append(f"raw float {m.group()!r}")
    for m in SNAKE_CODE.finditer(text):
        found.append(f"internal code {m.group()!r}")
    for m in LEVEL_CODE.finditer(text):
        found.append(f"internal code {m.group()!r}")
    for m in UTC.finditer(text):
        found.append(f"UTC / ISO timestamp {m.group()!r}")
    if lang == "th":
        text = VERSION_ID.sub("", text)
        for m in ENGLISH_RUN.finditer(text):
            found.append(f"English on a Thai page {m.group()!r}")
        for m in STATUS_CODE.finditer(text):
            found.append(f"untranslated status {m.group()!r} in {text[max(0, m.start() - 40):m.end() + 20]!r}")
        for phrase in catalogue_phrases():
            if phrase in text:
                found.append(f"untranslated {phrase!r}")
    else:
        # a DIW registration number ends in the province's Thai abbreviation (3-92-9002/69ชบ): not UI text
        text = re.sub(r"\d+/\d+[\u0E01-\u0E2E]{1,3}\b", "", text)
        # a line wholly in Thai is a label or a name left untranslated; Thai inside an English line is
        # what a person wrote (an enquiry's subject), quoted in the language it was written in
        for cell in re.split(r"[\n\t]", text):
            if THAI.search(cell) and not re.search(r"[A-Za-z]", cell):
                found.append(f"Thai on an English page: {cell.strip()[:80]!r}")
    return found


def _first_href(page, pattern: str) -> str:
    """The first link on the page whose path matches `pattern` (a JavaScript regular expression)."""
    href = page.evaluate("""(p) => { const r = new RegExp(p);
        const a = [...document.querySelectorAll('a[href]')].find(a => r.test(a.getAttribute('href')));
        return a ? a.getAttribute('href') : null; }""", pattern)
    assert href, f"no link matching {pattern} on {page.url}"
    return href


def _resolve(page, server, target: str) -> str:
    """Tour steps that follow a link a user would click."""
    if not target.endswith(":"):
        return target
    kind = target[:-1]
    if kind == "estate":
        page.goto(server + "/estates/?q=แหลมฉบัง")
        return _first_href(page, r"^/orgs/\d+/$")
    if kind == "estate-ghg":
        page.goto(server + "/carbon/")
        return page.locator("[data-testid=estate-wide-link]").first.get_attribute("href")
    if kind == "assessment-result":
        page.goto(server + "/assessment/")
        return _first_href(page, r"^/assessment/\d+/result/$")
    if kind in ("reporting-factory", "uploads"):
        page.goto(server + "/reporting/")  # a user of one factory lands on its page
        org = page.url[len(server):]
        if not re.fullmatch(r"/reporting/org/\d+/", org):
            org = _first_href(page, r"^/reporting/org/\d+/$")
        if kind == "reporting-factory":
            return org
        page.goto(server + org)
        link = page.locator("a[href^='/reporting/imports/']").first
        return link.get_attribute("href") if link.count() else org
    if kind == "inventory":
        page.goto(server + "/carbon/")
        return _first_href(page, r"^/carbon/inventory/\d+/$")
    raise AssertionError(kind)


def _sign_in(page, server, user: str, lang: str) -> None:
    page.goto(server + "/accounts/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", "demo")
    page.locator("form button.btn-success").click()
    page.wait_for_url(server + "/")
    _set_lang(page, lang)


def _set_lang(page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        toggler = page.locator(".navbar-toggler")
        if toggler.count() and toggler.first.is_visible():  # a phone: the switch is in the menu
            toggler.first.click()
        page.locator("[data-testid=language-switch] button").first.click()
        expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("width", [1366, 360])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_readme_tour(browser, server, lang, width):
    failures: list[str] = []
    current = object()
    context = None
    for n, (user, step, target) in enumerate(TOUR, 1):
        if user != current:
            if context is not None:
                context.close()
            context = browser.new_context(locale="th-TH" if lang == "th" else "en-GB",
                                          viewport={"width": width, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20000)
            if user:
                _sign_in(page, server, user, lang)
            else:
                page.goto(server + "/")
                _set_lang(page, lang)
            current = user
        path = _resolve(page, server, target)
        resp = page.goto(server + path if path.startswith("/") else path)
        name = f"{n:02d}-{user or 'visitor'}-{step}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"tour-{lang}-{width}-{name}.png"), full_page=True)
        if resp is None or resp.status != 200:
            failures.append(f"{name}: HTTP {resp.status if resp else None} at {path}")
            continue
        if step == "api-docs":
            try:  # Swagger UI draws the operations from /api/openapi.json, served from here
                expect(page.locator(".opblock").first).to_be_visible(timeout=10000)
            except AssertionError:
                failures.append(f"{name}: the API documentation shows no operations")
            continue
        heading = page.locator("h1").first
        if not heading.count() or not heading.inner_text().strip():
            failures.append(f"{name}: no heading at {path}")
        # the page as read, without the language switch and without passages marked as another
        # language on purpose (<cite lang="en"> for a source's own title); the screenshot is taken
        text = page.evaluate("""() => {
            const lang = document.documentElement.lang;
            document.querySelectorAll('[data-testid=language-switch]').forEach(e => e.remove());
            document.querySelectorAll('body [lang]').forEach(e => { if (e.lang !== lang) e.remove(); });
            document.querySelectorAll('[translate=no]').forEach(e => e.remove());  // identifiers (a version)
            return document.body.innerText;
        }""")
        if len(text.strip()) < 40:
            failures.append(f"{name}: blank page at {path}")
        failures += [f"{name}: {p}" for p in problems(text, lang)]
        sw = page.evaluate("document.documentElement.scrollWidth")
        if sw > width:
            failures.append(f"{name}: {sw} px wide at {width} px ({path})")
    if context is not None:
        context.close()
    assert not failures, "\n".join(failures)
