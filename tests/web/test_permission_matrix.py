"""Permission matrix: every role × resource × action through real requests (web pages, htmx
partials, API routes, file downloads), forbidden ones included, checking that a refused request
changed nothing.

The expected outcome comes from the table below, written from the issue's rules — not from
`ecotown.access` — so a wrong rule in the code fails here:
  not visible → 404 (anonymous: redirect to sign-in on pages, 401 on the API);
  visible but not allowed → 403; allowed → 200 (page) / 302 (form post) / 200 (API).
"""
from __future__ import annotations

import pytest

from ecotown.core.models import ChangeRecord, UploadedFile

ORGS = ["A", "E1", "E2", "P", "AF", "F1", "F2", "F3", "F4", "S1", "C1"]
ALL = set(ORGS)
E1_FAMILY = {"E1", "F1", "F2", "S1", "C1"}
P_FAMILY = {"P", "F4"}

# actor -> organisations visible
VISIBLE = {
    "anonymous": set(),
    "outsider": set(),
    "admin": ALL,
    "officer": ALL,
    "auditor": {"AF", "F3"},           # own firm + assignment in force (F2's has expired)
    "estate": E1_FAMILY,
    "port": P_FAMILY,
    "preparer": {"F1"},
    "approver": {"F1"},
    "preparer2": {"F2"},
    "school": {"S1"},
}
# actor -> organisations whose registry record they may change
CHANGE = {
    "admin": ALL, "officer": ALL, "estate": E1_FAMILY, "port": P_FAMILY, "approver": {"F1"}, "school": {"S1"},
}
# actor -> estates/ports they may add a factory to
ADD_FACTORY = {"admin": {"E1", "E2", "P"}, "officer": {"E1", "E2", "P"}, "estate": {"E1"}, "port": {"P"}}
# actor -> organisations whose members they may manage
MEMBERS = {"admin": ALL, "estate": E1_FAMILY, "port": P_FAMILY, "approver": {"F1"}}
ADD_ESTATE = {"admin", "officer"}
PEOPLE_ADMIN = {"admin"}
ACTORS = list(VISIBLE)


def expect(actor: str, allowed: set[str], key: str, *, ok: int = 200, api: bool = False) -> int:
    if actor == "anonymous":
        return 401 if api else 302
    if key not in VISIBLE[actor]:
        return 404
    return ok if key in allowed else 403


class Walk:
    def __init__(self, client, world, actor):
        self.client, self.world, self.actor = client, world, actor
        self.failures: list[str] = []
        self.headers = {}
        if actor != "anonymous":
            client.force_login(world.users[actor])
            from ecotown.accounts.services import issue_token

            self.headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}

    def check(self, label: str, response, want: int, unchanged: tuple | None = None):
        got = response.status_code
        if got != want:
            self.failures.append(f"{self.actor:9} {label}: got {got}, want {want}")
        if unchanged is not None and want not in (200, 201, 302):
            before, after = unchanged
            if before != after:
                self.failures.append(f"{self.actor:9} {label}: refused but state changed {before} → {after}")


def _state(world):
    from ecotown.registry.models import Organisation

    return (ChangeRecord.objects.count(), Organisation.objects.count(),
            tuple(Organisation.objects.order_by("pk").values_list("name_en", flat=True)))


@pytest.mark.parametrize("actor", ACTORS)
def test_matrix(actor, world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from ecotown.core.services import store_file

    f1_file = store_file(world.users["admin"], world.F1, "bill.pdf", b"%PDF-1.4 demo bill")
    from ecotown.enquiries.services import submit

    enquiry = submit(world.users["preparer"], {"programme": "ghg_network", "name": "P", "email": "p@example.test",
                                               "subject": "Join", "message": "How?", "organisation": world.F1})
    w = Walk(client, world, actor)
    anon = actor == "anonymous"
    for key in ORGS:
        org = getattr(world, key)
        # pages
        w.check(f"GET detail {key}", client.get(f"/orgs/{org.pk}/"), expect(actor, ALL, key))
        w.check(f"GET edit {key}", client.get(f"/orgs/{org.pk}/edit/"), expect(actor, CHANGE.get(actor, set()), key))
        before = _state(world)
        r = client.post(f"/orgs/{org.pk}/edit/", {"name_th": org.name_th, "name_en": org.name_en + " *"})
        want = expect(actor, CHANGE.get(actor, set()), key)
        want = 302 if want == 200 and org.kind not in {"estate", "port", "factory"} else (200 if want == 200 else want)
        w.check(f"POST edit {key}", r, want, (before, _state(world)))
        w.check(f"GET add contact {key}", client.get(f"/orgs/{org.pk}/add/contact/"), expect(actor, CHANGE.get(actor, set()), key))
        before = _state(world)
        r = client.post(f"/orgs/{org.pk}/add/contact/", {"name": "Khun Test", "email": "t@example.test"})
        w.check(f"POST add contact {key}", r, expect(actor, CHANGE.get(actor, set()), key, ok=302), (before, _state(world)))
        w.check(f"GET members {key}", client.get(f"/orgs/{org.pk}/members/"), expect(actor, MEMBERS.get(actor, set()), key))
        before = _state(world)
        r = client.post(f"/orgs/{org.pk}/members/", {"email": "x@example.test", "role": "factory_preparer"})
        want = expect(actor, MEMBERS.get(actor, set()), key)
        w.check(f"POST invite {key}", r, want if want != 200 else r.status_code, (before, _state(world)))
        if org.kind in {"estate", "port"}:
            before = _state(world)
            r = client.post(f"/orgs/{org.pk}/new/factory/", {"name_th": "ใหม่", "name_en": "New", "diw_number": f"1020000012{org.pk:04d}"})
            want = expect(actor, ADD_FACTORY.get(actor, set()), key, ok=302)
            w.check(f"POST add factory to {key}", r, want, (before, _state(world)))
        # API
        if org.kind == "factory":
            w.check(f"API GET factory {key}", client.get(f"/api/registry/factories/{org.pk}", **w.headers),
                    expect(actor, ALL, key, api=True))
        before = _state(world)
        r = client.patch(f"/api/registry/organisations/{org.pk}", {"name_en": org.name_en + " api"},
                         content_type="application/json", **w.headers)
        w.check(f"API PATCH {key}", r, expect(actor, CHANGE.get(actor, set()), key, api=True), (before, _state(world)))
        w.check(f"API history {key}", client.get(f"/api/registry/organisations/{org.pk}/history", **w.headers),
                expect(actor, ALL, key, api=True))
    # list endpoints show exactly what is visible
    if not anon:
        r = client.get("/api/registry/factories?limit=500", **w.headers)
        world_factories = {getattr(world, k).pk for k in ["F1", "F2", "F3", "F4"]}
        got = {i["id"] for i in r.json()["items"]} & world_factories  # (factories added above are left out)
        want = {getattr(world, k).pk for k in VISIBLE[actor] if getattr(world, k).kind == "factory"}
        if got != want:
            w.failures.append(f"{actor} API factory list: {sorted(got)} != {sorted(want)}")
        r = client.get("/factories/", HTTP_HX_REQUEST="true")
        for k in ["F1", "F2", "F3", "F4"]:
            shown = getattr(world, k).name_en in r.content.decode() or getattr(world, k).name_th in r.content.decode()
            if shown != (k in VISIBLE[actor]):
                w.failures.append(f"{actor} htmx factory rows: {k} shown={shown}")
        geo = client.get("/map/estates.geojson").json()
        world_estates = {getattr(world, k).pk for k in ["E1", "E2", "P"]}
        ids = {f["properties"]["id"] for f in geo["features"]} & world_estates
        want = {getattr(world, k).pk for k in VISIBLE[actor] if getattr(world, k).kind in {"estate", "port"}}
        if ids != want:
            w.failures.append(f"{actor} map data: {sorted(ids)} != {sorted(want)}")
    else:
        w.check("API list factories", client.get("/api/registry/factories"), 401)
        w.check("GET map data", client.get("/map/estates.geojson"), 302)
    # file download of F1's file
    w.check("GET file of F1", client.get(f"/files/{f1_file.pk}/"), expect(actor, ALL, "F1"))
    # authority-wide actions
    before = _state(world)
    r = client.post("/orgs/new/estate/", {"name_th": "นิคมใหม่", "name_en": "New Estate", "code": "NEW", "operator_type": "ieat"})
    w.check("POST add estate", r, 302 if actor in ADD_ESTATE else (302 if anon else 403), (before, _state(world)))
    w.check("GET people admin", client.get("/people/"), 200 if actor in PEOPLE_ADMIN else (302 if anon else 403))
    w.check("GET users admin", client.get("/users/"), 200 if actor in PEOPLE_ADMIN else (302 if anon else 403))
    before = _state(world)
    r = client.post(f"/users/{world.users['outsider'].pk}/", {"form": "membership", "m-organisation": world.F3.pk,
                                                              "m-role": "factory_preparer"})
    w.check("POST add membership", r, 302 if actor in PEOPLE_ADMIN or anon else 403, (before, _state(world)))
    # an enquiry sent by factory One's preparer: staff handle it; the sender and F1's members may read it
    enquiry_readers = {"admin", "officer", "preparer", "approver"}
    e = enquiry
    want_view = 302 if anon else (200 if actor in enquiry_readers else 404)
    w.check("GET enquiry", client.get(f"/enquiries/{e.pk}/"), want_view)
    before = _state(world)
    r = client.post(f"/enquiries/{e.pk}/answer/", {"answer": "ok"})
    want = 302 if anon or actor in {"admin", "officer"} else (403 if actor in enquiry_readers else 404)
    w.check("POST answer enquiry", r, want, (before, _state(world)))
    assert UploadedFile.objects.count() == 1
    assert not w.failures, "\n" + "\n".join(w.failures)
