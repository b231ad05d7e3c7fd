"""The global search: factories by Thai or English name or DIW number, estates and ports, a factory's
reported month — only what the user may see (ecotown.access)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecotown.core import history
from ecotown.web import search


@pytest.mark.parametrize("text, want", [
    ("Factory One มี.ค. 2568", ((2025, 3), "Factory One")),
    ("โรงงาน มีนาคม 2569", ((2026, 3), "โรงงาน")),
    ("Factory 2026-03", ((2026, 3), "Factory")),
    ("3/2569 Factory", ((2026, 3), "Factory")),
    ("Factory Mar 2025", ((2025, 3), "Factory")),
    ("march 2025 Factory", ((2025, 3), "Factory")),
    ("3-105-1/45ชบ", (None, "3-105-1/45ชบ")),        # a DIW number is not a month
    ("10200000125456", (None, "10200000125456")),
    ("Factory 13/2025", (None, "Factory 13/2025")),
])
def test_a_month_in_the_text_is_found_in_thai_or_english_and_in_b_e_or_c_e(text, want):
    assert search.parse_month(text) == want


def _links(html, testid):
    block = html.split(f'data-testid="{testid}"', 1)
    if len(block) == 1:
        return []
    return re.findall(r'<a href="([^"]+)"', block[1].split("</ul>", 1)[0])


def test_each_role_finds_only_the_factories_it_may_see(world, client):
    w = world
    want = {"admin": {"F1", "F2", "F3", "F4"}, "officer": {"F1", "F2", "F3", "F4"}, "estate": {"F1", "F2"},
            "port": {"F4"}, "preparer": {"F1"}, "preparer2": {"F2"}, "auditor": {"F3"}, "school": set(),
            "outsider": set()}
    urls = {f"/orgs/{getattr(w, k).pk}/": k for k in ("F1", "F2", "F3", "F4")}
    for who, keys in want.items():
        client.force_login(w.users[who])
        html = client.get("/search/?q=factory", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert {urls[u] for u in _links(html, "search-factories")} == keys, who
    client.logout()
    html = client.get("/search/?q=factory", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _links(html, "search-factories") == []


def test_thai_substrings_and_diw_numbers_find_the_factory(world, client):
    w = world
    client.force_login(w.users["admin"])
    f1 = f"/orgs/{w.F1.pk}/"
    for q in ("One (ไทย", "ไทย", "factory one", "3-105-1/45ชบ", "3-105-1/45 ชบ", "45ชบ"):
        links = _links(client.get("/search/", {"q": q}).content.decode(), "search-factories")
        assert f1 in links, q
    assert _links(client.get("/search/", {"q": "10200000125456"}).content.decode(), "search-factories") == [
        f"/orgs/{w.F2.pk}/"]


def test_estates_the_user_does_not_see_link_to_their_public_page(world, client):
    w = world
    client.force_login(w.users["preparer"])   # sees F1 only; the estates are public
    links = _links(client.get("/search/?q=estate").content.decode(), "search-estates")
    assert links == [f"/public/estates/{w.E1.pk}/", f"/public/estates/{w.E2.pk}/"]
    client.force_login(w.users["estate"])
    links = _links(client.get("/search/?q=estate").content.decode(), "search-estates")
    assert links == [f"/orgs/{w.E1.pk}/", f"/public/estates/{w.E2.pk}/"]
    history.save(None, _unpublish(w.E2))
    client.logout()
    assert _links(client.get("/search/?q=estate").content.decode(), "search-estates") == [f"/public/estates/{w.E1.pk}/"]


def _unpublish(org):
    org.is_public = False
    return org


def test_a_factory_and_a_month_find_the_reported_month(world, client):
    from ecotown.reporting.models import ActivityRecord

    w = world
    history.bulk_create(None, [ActivityRecord(organisation=w.F1, activity="diesel", quantity=Decimal(5), unit="L",
                                              period_start=dt.date(2025, 3, 1), period_end=dt.date(2025, 3, 31),
                                              state="verified", is_counted=True)])
    client.force_login(w.users["estate"])
    html = client.get("/search/", {"q": "Factory มี.ค. 2568"}, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    months = html.split('data-testid="search-months"')[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]+)" class="me-auto">([^<]+)</a>', months) == [
        (f"/reporting/org/{w.F1.pk}/?year=2025#month-3", "Factory One (ไทย) · มี.ค. 2568"),
        (f"/reporting/org/{w.F2.pk}/?year=2025#month-3", "Factory Two (ไทย) · มี.ค. 2568"),
    ]
    assert re.findall(r'et-cell-(\w+)">', months) == ["verified", "late"]
    client.force_login(w.users["preparer2"])  # F2 only
    html = client.get("/search/", {"q": "Factory 2025-03"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    months = html.split('data-testid="search-months"')[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]+)" class="me-auto">([^<]+)</a>', months) == [
        (f"/reporting/org/{w.F2.pk}/?year=2025#month-3", "Factory Two · Mar 2025")]


def test_suggestions_are_a_short_htmx_list_with_a_link_to_every_result(world, client):
    client.force_login(world.users["admin"])
    r = client.get("/search/suggest/?q=fac", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert len(re.findall(r'class="list-group-item list-group-item-action py-1"', html)) == 4   # F1..F4 (+ no estate)
    assert 'href="/search/?q=fac"' in html and "All results" in html
    assert client.get("/search/suggest/?q=f").content.decode().strip() == ""   # too short: nothing
    nothing = client.get("/search/suggest/?q=zzzz", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing found that you may see." in nothing


def test_the_search_box_is_on_every_page(world, client):
    for url in ("/", "/public/estates/", "/enquiry/"):
        assert 'data-testid="global-search"' in client.get(url).content.decode(), url
    client.force_login(world.users["preparer"])
    for url in ("/", "/factories/", f"/reporting/org/{world.F1.pk}/"):
        assert 'data-testid="global-search"' in client.get(url).content.decode(), url


def test_a_search_costs_a_fixed_number_of_queries(world, client):
    from tests.web.test_query_counts import add_factories

    client.force_login(world.users["officer"])
    url = "/search/?q=factory+2025-03"

    def n():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = n()
    add_factories(world.E1, 80, 5000)
    assert n() == small


def test_the_navigation_box_sends_its_own_parameter_so_a_pages_filter_box_keeps_q(world, client):
    client.force_login(world.users["admin"])
    html = client.get("/factories/?q=two").content.decode()
    assert html.count('name="q"') == 1                      # the page's own filter only
    assert 'name="search" value=""' in html                 # the navigation box, empty
    found = client.get("/search/?search=factory+two").content.decode()
    assert _links(found, "search-factories") == [f"/orgs/{world.F2.pk}/"]
    assert 'name="search" value="factory two"' in found
    assert "Factory Two" in client.get("/search/suggest/?search=factory+two", HTTP_ACCEPT_LANGUAGE="en").content.decode()
