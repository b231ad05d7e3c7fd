"""Permission matrix of the assessment capability, through real requests (pages, exports, API).

Expected outcomes are written from the issue's rules, not derived from ecotown.access:
  assessments — estate manager: its estate's (and the organisations in it); factory users: their
  factory's; authority: all; auditor: assigned (read only); public: none.
  frameworks — the authority admin uploads, edits, publishes; every signed-in user reads published
  versions; drafts are seen by authority staff only.
not visible → 404 (anonymous: redirect to sign-in / 401 on the API); visible but not allowed → 403.
"""
from __future__ import annotations

import pytest

from ecotown.assessment import services
from ecotown.assessment.models import Assessment, AssessmentResult, FrameworkVersion
from ecotown.core.models import ChangeRecord

ACTORS = ["anonymous", "outsider", "admin", "officer", "auditor", "estate", "port", "preparer", "approver",
          "preparer2", "school"]
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


@pytest.fixture
def setup(world, frameworks):
    admin = world.users["admin"]
    out = {}
    for key, org, code in [("E1", world.E1, "ieat-eit"), ("F1", world.F1, "green-industry"),
                           ("F3", world.F3, "green-industry"), ("F4", world.F4, "green-industry")]:
        a = services.start_assessment(admin, org, frameworks[code], 2026)
        services.compute_result(admin, a)
        out[key] = a
    draft = services.edit_framework(admin, frameworks["green-industry"], {}, "draft-1")
    return out, frameworks["green-industry"], draft


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


def _state():
    return (ChangeRecord.objects.count(), Assessment.objects.count(), AssessmentResult.objects.count(),
            FrameworkVersion.objects.count())


def _want(actor, key, allowed, *, ok=200, api=False):
    if actor == "anonymous":
        return 401 if api else 302
    if key not in SEE[actor]:
        return 404
    return ok if key in allowed.get(actor, set()) else 403


@pytest.mark.parametrize("actor", ACTORS)
def test_assessment_matrix(client, world, setup, actor):
    assessments, published, draft = setup
    headers = {}
    if actor != "anonymous":
        client.force_login(world.users[actor])
        from ecotown.accounts.services import issue_token

        headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}
    failures = []

    def check(label, resp, want, before=None):
        if resp.status_code != want:
            failures.append(f"{actor} {label}: got {resp.status_code}, want {want}")
        if before is not None and want not in (200, 201, 302) and _state() != before:
            failures.append(f"{actor} {label}: refused but state changed")

    for key, a in assessments.items():
        view_allowed = {act: SEE[act] for act in SEE}
        check(f"page {key}", client.get(f"/assessment/{a.pk}/"), _want(actor, key, view_allowed))
        check(f"result {key}", client.get(f"/assessment/{a.pk}/result/"), _want(actor, key, view_allowed))
        check(f"xlsx {key}", client.get(f"/assessment/{a.pk}/result.xlsx"), _want(actor, key, view_allowed))
        check(f"values {key}", client.get(f"/assessment/{a.pk}/values.yaml"), _want(actor, key, view_allowed))
        check(f"api get {key}", client.get(f"/api/assessment/assessments/{a.pk}/result", **headers),
              _want(actor, key, view_allowed, api=True))
        before = _state()
        check(f"compute {key}", client.post(f"/assessment/{a.pk}/compute/"), _want(actor, key, CHANGE, ok=302), before)
        before = _state()
        check(f"api answer {key}", client.post(f"/api/assessment/assessments/{a.pk}/answers", {"values": {}},
                                                content_type="application/json", **headers),
              _want(actor, key, CHANGE, api=True), before)
    # lists show exactly the visible ones
    if actor != "anonymous":
        r = client.get("/api/assessment/assessments", **headers)
        got = {a for a, obj in assessments.items() if obj.pk in {i["id"] for i in r.json()["items"]}}
        if got != SEE[actor]:
            failures.append(f"{actor} list: got {sorted(got)}, want {sorted(SEE[actor])}")
    # frameworks: read published, drafts for staff, admin changes
    want_pub = 302 if actor == "anonymous" else 200
    check("framework page", client.get(f"/assessment/frameworks/{published.pk}/"), want_pub)
    want_draft = 302 if actor == "anonymous" else (200 if actor in SEE_DRAFTS else 404)
    check("draft page", client.get(f"/assessment/frameworks/{draft.pk}/"), want_draft)
    before = _state()
    want_edit = 302 if actor == "anonymous" else (302 if actor in FRAMEWORK_ADMIN else 403)
    check("edit published", client.post(f"/assessment/frameworks/{published.pk}/edit/", edit_form(published, new_version=f"x-{actor}")),
          want_edit, before)
    before = _state()
    want_pub_api = 401 if actor == "anonymous" else (200 if actor in FRAMEWORK_ADMIN else (403 if actor in SEE_DRAFTS else 404))
    check("publish draft (API)", client.post(f"/api/assessment/frameworks/{draft.pk}/publish", **headers),
          want_pub_api, before)
    assert not failures, "\n".join(failures)


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
