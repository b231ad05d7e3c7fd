"""Permission matrix of the assessment capability, through real requests (pages, exports, API).

Expected outcomes are written from the issue's rules, not derived from ecotown.access:
  assessments — estate manager: its estate's (and the organisations in it); factory users: their
  factory's; authority: all; auditor: assigned (read only); public: none.
  frameworks — the authority admin uploads, edits, publishes; every signed-in user reads published
  versions; drafts are seen by authority staff only.
not visible → 404 (anonymous: redirect to sign-in / 401 on the API); visible but not allowed → 403.
"""
from __future__ import annotations

from types import SimpleNamespace

from ecotown.assessment import services
from ecotown.assessment.models import Assessment, AssessmentResult, FrameworkVersion
from ecotown.core.models import ChangeRecord
from tests.permissions import ACTORS, Action, ApiAction, ApiDetail, ApiList, Create, Detail, PermissionMatrix

# assessment of: E1 (estate), F1 (factory in E1), F3 (factory in E2; auditor assigned), F4 (factory in port P)
SEE = {
    "admin": {"E1", "F1", "F3", "F4"}, "officer": {"E1", "F1", "F3", "F4"},
    "auditor": {"F3"}, "estate": {"E1", "F1"}, "port": {"F4"},
    "preparer": {"F1"}, "approver": {"F1"}, "preparer2": set(), "school": set(), "outsider": set(),
}
CHANGE = {
    "admin": {"E1", "F1", "F3", "F4"}, "officer": {"E1", "F1", "F3", "F4"},
    "estate": {"E1", "F1"}, "port": {"F4"}, "preparer": {"F1"}, "approver": {"F1"},
}
FRAMEWORK_ADMIN = {"admin"}
SEE_DRAFTS = {"admin", "officer"}
SIGNED_IN = set(ACTORS) - {"anonymous"}


def edit_form(v, **extra) -> dict:
    """The edit page's form as a browser sends it (every current value)."""
    fw = v.parsed()
    data = {"fw_name_th": fw.name.th, "fw_name_en": fw.name.en, **extra}
    for _dim, ind in fw.indicators():
        p = f"i-{ind.id}-"
        data.update({p + "name_th": ind.name.th, p + "name_en": ind.name.en, p + "points": str(ind.points_written),
                     p + "threshold_status": ind.threshold_status})
        for lv in fw.levels:
            t = ind.threshold(lv.id)
            data[p + "t-" + lv.id] = "" if t is None else (str(t.written).lower() if isinstance(t.written, bool) else str(t.written))
    return data


def _listed(case, r):
    ids = {i["id"] for i in r.json()["items"]}
    return {k for k, o in case.objects.items() if o.a.pk in ids}


def _publish_api(case, actor, key, want):
    """Publishing a draft: the admin may; other staff see the draft but may not (403); the rest do not see it."""
    return want if actor in FRAMEWORK_ADMIN | {"anonymous"} else (403 if actor in SEE_DRAFTS else 404)


class TestAssessmentMatrix(PermissionMatrix):
    see = SEE
    extra_fixtures = ("frameworks",)
    operations = [
        Detail("page", "/assessment/{o.a.pk}/"),
        Detail("result", "/assessment/{o.a.pk}/result/"),
        Detail("xlsx", "/assessment/{o.a.pk}/result.xlsx"),
        Detail("values", "/assessment/{o.a.pk}/values.yaml"),
        ApiDetail("api get", "/api/assessment/assessments/{o.a.pk}/result"),
        ApiDetail("api detail", "/api/assessment/assessments/{o.a.pk}"),
        Create("compute", "/assessment/{o.a.pk}/compute/", CHANGE),
        Create("refresh kpis", "/assessment/{o.a.pk}/kpis/", CHANGE),
        Create("evidence (no file)", "/assessment/{o.a.pk}/evidence/", CHANGE, {"indicator": "x"}),
        ApiAction("api answer", "/api/assessment/assessments/{o.a.pk}/answers", CHANGE, {"values": {}}),
        ApiAction("api compute", "/api/assessment/assessments/{o.a.pk}/result", CHANGE),
        Create("reassess", "/assessment/{o.a.pk}/reassess/", CHANGE, {"version": "{c.published.pk}"}),
        Create("start (2027)", "/assessment/start/", CHANGE, lambda case, o: {
            "organisation": o.a.organisation_id, "framework_version": case.published.pk, "year": 2027,
            "scenario": "current"}, keys=["F1", "F3", "F4"],
            expect=lambda case, actor, key, want: 422 if want in (403, 404) else want),  # not offered in the form
        ApiList("api list", "/api/assessment/assessments", _listed),
        # frameworks (object-less): read published, drafts for staff, the admin changes
        Detail("index", "/assessment/", SIGNED_IN),
        Detail("overview", "/assessment/overview/", SIGNED_IN),
        Detail("overview data", "/assessment/overview/data.json", SIGNED_IN),
        Detail("frameworks", "/assessment/frameworks/", SIGNED_IN),
        ApiDetail("api frameworks", "/api/assessment/frameworks", SIGNED_IN),
        Detail("framework page", "/assessment/frameworks/{c.published.pk}/", SIGNED_IN),
        Detail("framework export", "/assessment/frameworks/{c.published.pk}/export.yaml", SIGNED_IN),
        ApiDetail("api framework", "/api/assessment/frameworks/{c.published.pk}", SIGNED_IN),
        ApiDetail("api framework export", "/api/assessment/frameworks/{c.published.pk}/export", SIGNED_IN),
        Detail("draft page", "/assessment/frameworks/{c.draft.pk}/", SEE_DRAFTS, refused=404),
        Create("edit published", "/assessment/frameworks/{c.published.pk}/edit/", FRAMEWORK_ADMIN,
               lambda case, o: edit_form(case.published, new_version=f"x-{case.actor}")),
        ApiAction("publish draft (API)", "/api/assessment/frameworks/{c.draft.pk}/publish", FRAMEWORK_ADMIN,
                  expect=_publish_api),
        Detail("publish draft: the confirmation page", "/assessment/frameworks/{c.draft2.pk}/publish/", FRAMEWORK_ADMIN,
               expect=_publish_api),
        Create("publish draft (page, confirmed)", "/assessment/frameworks/{c.draft2.pk}/publish/", FRAMEWORK_ADMIN,
               {"confirm": "yes"}, expect=_publish_api),
    ]

    def setup(self, world):
        frameworks = self.request_.getfixturevalue("frameworks")
        admin = world.users["admin"]
        out = {}
        for key, org, code in [("E1", world.E1, "ieat-eit"), ("F1", world.F1, "green-industry"),
                               ("F3", world.F3, "green-industry"), ("F4", world.F4, "green-industry")]:
            a = services.start_assessment(admin, org, frameworks[code], 2026)
            services.compute_result(admin, a)
            out[key] = SimpleNamespace(a=a)
        self.published = frameworks["green-industry"]
        self.draft = services.edit_framework(admin, self.published, {}, "draft-1")
        self.draft2 = services.edit_framework(admin, self.published, {}, "draft-2")
        return out

    def state(self):
        return (ChangeRecord.objects.count(), Assessment.objects.count(), AssessmentResult.objects.count(),
                FrameworkVersion.objects.count(),
                tuple(FrameworkVersion.objects.order_by("pk").values_list("status", flat=True)))


def test_starting_an_assessment_follows_the_organisation(client, world, frameworks):
    """Only those who may change an organisation's assessments may start one; nothing is saved otherwise."""
    v = frameworks["green-industry"]
    for actor, status in [("preparer", 201), ("preparer2", 404), ("auditor", 403), ("school", 404), ("estate", 201)]:
        from ecotown.accounts.services import issue_token

        h = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}
        org = world.F3 if actor == "auditor" else world.F1
        before = Assessment.objects.count()
        r = client.post("/api/assessment/assessments", {"organisation": org.pk, "framework_version": v.pk,
                                                        "year": 2026 if actor != "estate" else 2025},
                        content_type="application/json", **h)
        assert r.status_code == status, (actor, r.content)
        assert Assessment.objects.count() == before + (1 if status == 201 else 0)
