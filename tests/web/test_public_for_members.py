"""A signed-in user never sees less than an anonymous visitor: public estate pages are in the estate list,
on the map and in the navigation of the members of an estate (factories, schools)."""
from __future__ import annotations

import re

import pytest

from ecotown.core import history


def _unpublish(org):
    org.is_public = False
    history.save(None, org)


def _rows(html):
    return re.findall(r'<tr><td><a href="([^"]+)">', html)


def test_a_factory_user_finds_every_public_estate_in_the_list_linked_to_its_public_page(world, client):
    w = world
    _unpublish(w.E2)
    client.logout()
    public = client.get("/public/estates/").content.decode()
    assert f'href="/public/estates/{w.E1.pk}/"' in public and f'href="/public/estates/{w.E2.pk}/"' not in public
    client.force_login(w.users["preparer"])
    html = client.get("/estates/").content.decode()
    assert _rows(html) == [f"/public/estates/{w.E1.pk}/", f"/public/estates/{w.P.pk}/"]
    client.force_login(w.users["estate"])   # sees E1 itself, P only as a public page; E2 not at all
    assert _rows(client.get("/estates/").content.decode()) == [f"/orgs/{w.E1.pk}/", f"/public/estates/{w.P.pk}/"]
    client.force_login(w.users["officer"])  # sees everything, E2 included
    assert _rows(client.get("/estates/").content.decode()) == [f"/orgs/{w.E1.pk}/", f"/orgs/{w.E2.pk}/",
                                                                 f"/orgs/{w.P.pk}/"]


def test_the_map_shows_public_estates_to_a_factory_user(world, client):
    w = world
    _unpublish(w.E2)
    client.force_login(w.users["preparer"])
    points = [f["properties"] for f in client.get("/map/estates.geojson").json()["features"]]
    assert sorted((p["name"], p["url"]) for p in points) == sorted([
        (w.E1.name_th, f"/public/estates/{w.E1.pk}/"), (w.P.name_th, f"/public/estates/{w.P.pk}/")])
    client.force_login(w.users["officer"])
    assert len(client.get("/map/estates.geojson").json()["features"]) == 3


@pytest.mark.parametrize("who, estate", [("preparer", "E1"), ("approver", "E1"), ("preparer2", "E1"), ("school", "E1")])
def test_members_of_an_estate_reach_its_public_profile_from_the_navigation(world, client, who, estate):
    client.force_login(world.users[who])
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    e = getattr(world, estate)
    assert f'<a class="nav-link" href="/public/estates/{e.pk}/" data-testid="own-estate">My estate</a>' in html
    assert f"Your estate: {e.name_en}" in html
    page = client.get(f"/public/estates/{e.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and e.name_en in page.content.decode()


def test_the_link_is_the_estates_own_page_for_those_who_see_it_and_absent_when_nothing_is_public(world, client):
    w = world
    client.force_login(w.users["estate"])   # an estate manager's organisation is the estate: no "my estate" link
    assert 'data-testid="own-estate"' not in client.get("/").content.decode()
    client.force_login(w.users["admin"])
    assert 'data-testid="own-estate"' not in client.get("/").content.decode()
    _unpublish(w.E1)
    client.force_login(w.users["preparer"])
    assert 'data-testid="own-estate"' not in client.get("/").content.decode()
