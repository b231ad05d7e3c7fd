"""Permission matrix: every role × resource × action through real requests (web pages, htmx
partials, API routes, file downloads), forbidden ones included, checking that a refused request
changed nothing.

The expected outcome comes from the table below, written from the issue's rules — not from
`ecotown.access` — so a wrong rule in the code fails here:
  not visible → 404 (anonymous: redirect to sign-in on pages, 401 on the API);
  visible but not allowed → 403; allowed → 200 (page) / 302 (form post) / 200 (API).
"""
from __future__ import annotations

from ecotown.accounts.roles import role_fits
from ecotown.core.models import ChangeRecord, UploadedFile
from tests.permissions import ACTORS, Action, ApiAction, ApiDetail, ApiList, Create, Detail, List, PermissionMatrix

ORGS = ["A", "E1", "E2", "P", "AF", "F1", "F2", "F3", "F4", "S1", "C1"]
ALL = set(ORGS)
E1_FAMILY = {"E1", "F1", "F2", "S1", "C1"}
P_FAMILY = {"P", "F4"}
FACTORIES = ["F1", "F2", "F3", "F4"]
ESTATES = ["E1", "E2", "P"]

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
SIGNED_IN = set(ACTORS) - {"anonymous"}
ENQUIRY_READERS = {"admin", "officer", "preparer", "approver"}  # staff, the sender (F1's preparer), F1's members
ENQUIRY_HANDLERS = {"admin", "officer"}


def _edit_post(case, actor, key, want):
    """Saving an organisation's page: kinds with a detail form (estate, port, factory) need more fields, so the
    form comes back (200); the others are saved (302)."""
    if want == 302 and actor != "anonymous" and case.objects[key].kind in {"estate", "port", "factory"}:
        return 200
    return want


def _invite(case, actor, key, want):
    """An invitation as factory preparer is sent (302) where the role fits the organisation; elsewhere the
    form says the role is not offered (200)."""
    if want == 302 and actor != "anonymous" and not role_fits("factory_preparer", case.objects[key].kind):
        return 200
    return want


def _listed_factories(case, r):
    ids = {i["id"] for i in r.json()["items"]}
    return {k for k in FACTORIES if case.objects[k].pk in ids}  # (factories added by the matrix are left out)


def _listed_estates_api(case, r):
    ids = {i["id"] for i in r.json()["items"]}
    return {k for k in ESTATES if case.objects[k].pk in ids}


def _shown_factories(case, r):
    html = r.content.decode()
    return {k for k in FACTORIES if case.objects[k].name_en in html or case.objects[k].name_th in html}


def _mapped_estates(case, r):
    ids = {f["properties"]["id"] for f in r.json()["features"]}
    return {k for k in ESTATES if case.objects[k].pk in ids}


def _searched_factories(case, r):
    html = r.content.decode()
    block = html.split('data-testid="search-factories"', 1)
    links = set() if len(block) == 1 else set(block[1].split("</ul>", 1)[0].split('href="')[1:])
    return {k for k in FACTORIES if any(link.startswith(f"/orgs/{case.objects[k].pk}/") for link in links)}


def _suggested_factories(case, r):
    html = r.content.decode()
    return {k for k in FACTORIES if f'href="/orgs/{case.objects[k].pk}/"' in html}


def _public_route(case, actor, key, want):
    return 200 if actor == "anonymous" else want


def _visible_of(kinds):
    return lambda case, actor: {k for k in VISIBLE[actor] if case.objects[k].kind in kinds}


def _answer(case, actor, key, want):
    return want if actor in ENQUIRY_HANDLERS | {"anonymous"} else (403 if actor in ENQUIRY_READERS else 404)


class TestRegistryMatrix(PermissionMatrix):
    see = VISIBLE
    operations = [
        # pages
        Detail("GET detail", "/orgs/{o.pk}/"),
        Detail("GET edit", "/orgs/{o.pk}/edit/", CHANGE),
        Create("POST edit", "/orgs/{o.pk}/edit/", CHANGE, {"name_th": "{o.name_th}", "name_en": "{o.name_en} *"},
               expect=_edit_post),
        Detail("GET add contact", "/orgs/{o.pk}/add/contact/", CHANGE),
        Create("POST add contact", "/orgs/{o.pk}/add/contact/", CHANGE, {"name": "Khun Test", "email": "t@example.test"}),
        Detail("GET members", "/orgs/{o.pk}/members/", MEMBERS),
        Create("POST invite", "/orgs/{o.pk}/members/", MEMBERS, {"email": "x@example.test", "role": "factory_preparer"},
               expect=_invite),
        Create("POST add factory to", "/orgs/{o.pk}/new/factory/", ADD_FACTORY,
               lambda case, o: {"name_th": "ใหม่", "name_en": "New", "diw_number": f"1020000012{o.pk:04d}"}, keys=ESTATES),
        # API
        ApiDetail("API GET factory", "/api/registry/factories/{o.pk}", keys=FACTORIES),
        ApiDetail("API GET estate", "/api/registry/estates/{o.pk}", keys=ESTATES),
        ApiAction("API PATCH", "/api/registry/organisations/{o.pk}", CHANGE, {"name_en": "{o.name_en} api"},
                  method="patch"),
        ApiDetail("API history", "/api/registry/organisations/{o.pk}/history"),
        # lists show exactly what is visible
        ApiList("API factory list", "/api/registry/factories?limit=500", _listed_factories, want=_visible_of({"factory"})),
        ApiList("API estate list", "/api/registry/estates?limit=500", _listed_estates_api,
                want=_visible_of({"estate", "port"})),
        List("htmx factory rows", "/factories/", _shown_factories, want=_visible_of({"factory"}),
             headers={"HTTP_HX_REQUEST": "true"}),
        List("global search", "/search/?q=factory", _searched_factories, want=_visible_of({"factory"}),
             expect=_public_route),
        List("global search suggestions", "/search/suggest/?q=factory", _suggested_factories,
             want=_visible_of({"factory"}), expect=_public_route),
        # the map shows what the user sees and every public estate besides (all three are public here;
        # an estate that is not public: tests/web/test_public_for_members.py)
        List("map data", "/map/estates.geojson", _mapped_estates, want=lambda case, actor: {"E1", "E2", "P"}),
        Detail("estates page", "/estates/", SIGNED_IN),
        Detail("map page", "/map/", SIGNED_IN),
        Detail("notifications", "/notifications/", SIGNED_IN),
        Detail("my tasks", "/tasks/", SIGNED_IN),
        Detail("preferences", "/accounts/preferences/", SIGNED_IN),
        Detail("registrations", "/registrations/", SIGNED_IN),
        Detail("enquiry list", "/enquiries/", SIGNED_IN),
        # file download of F1's file
        Detail("GET file of", "/files/{c.f1_file.pk}/", keys=["F1"]),
        # authority-wide actions
        Create("POST add estate", "/orgs/new/estate/", ADD_ESTATE,
               {"name_th": "นิคมใหม่", "name_en": "New Estate", "code": "NEW", "operator_type": "ieat"}),
        Detail("GET people admin", "/people/", PEOPLE_ADMIN),
        Detail("GET users admin", "/users/", PEOPLE_ADMIN),
        Detail("GET user admin", "/users/{w.users[outsider].pk}/", PEOPLE_ADMIN),
        Create("POST add membership", "/users/{w.users[outsider].pk}/", PEOPLE_ADMIN,
               lambda case, o: {"form": "membership", "m-organisation": case.world.F3.pk, "m-role": "factory_preparer"}),
        # an enquiry sent by factory One's preparer: staff handle it; the sender and F1's members may read it
        Detail("GET enquiry", "/enquiries/{c.enquiry.pk}/", ENQUIRY_READERS, refused=404),
        Create("POST answer enquiry", "/enquiries/{c.enquiry.pk}/answer/", ENQUIRY_HANDLERS, {"answer": "ok"},
               expect=_answer),
    ]

    def setup(self, world):
        settings = self.request_.getfixturevalue("settings")
        settings.MEDIA_ROOT = self.request_.getfixturevalue("tmp_path")
        from ecotown.core.services import store_file
        from ecotown.enquiries.services import submit

        self.f1_file = store_file(world.users["admin"], world.F1, "bill.pdf", b"%PDF-1.4 demo bill")
        self.enquiry = submit(world.users["preparer"], {
            "programme": "ghg_network", "name": "P", "email": "p@example.test", "subject": "Join", "message": "How?",
            "organisation": world.F1})
        return {key: getattr(world, key) for key in ORGS}

    def state(self):
        from ecotown.registry.models import Organisation

        return (ChangeRecord.objects.count(), Organisation.objects.count(),
                tuple(Organisation.objects.order_by("pk").values_list("name_en", flat=True)))

    def extra(self, actor):
        return [] if UploadedFile.objects.count() == 1 else [f"{actor}: {UploadedFile.objects.count()} files"]
