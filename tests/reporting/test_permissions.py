"""Permission matrix of reporting: every role × factory × action through real requests (pages, form
posts, file download, API), refused ones included, checking that a refused request changed nothing.

Expected outcomes come from the issue's rules written out below — not from `ecotown.access`:
- who sees a factory's reporting: as the registry (authority staff all; estate manager its estate's
  factories; factory users their factory; an auditor the factory of an assignment in force);
- who reports (form, upload, template, API rows): the factory's preparer and approver, and authority
  staff (bulk loads) — not the estate manager, not the auditor;
- who submits: the factory approver only;
- who verifies: the estate (or port) manager of the factory's estate, and authority staff;
- who sets the calendar and locks the year: the authority administrator;
- who sees completeness: estate managers and authority staff.
Not visible → 404 (anonymous: sign-in redirect, 401 on the API); visible but not allowed → 403.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest

from ecotown.core.models import ChangeRecord
from ecotown.reporting.models import ActivityRecord, ImportBatch, ReportingCalendar

from .conftest import csv_bytes

FACTORIES = ["F1", "F2", "F3", "F4"]
ALL = set(FACTORIES)
VISIBLE = {
    "anonymous": set(), "outsider": set(), "school": set(),
    "admin": ALL, "officer": ALL,
    "auditor": {"F3"},
    "estate": {"F1", "F2"}, "port": {"F4"},
    "preparer": {"F1"}, "approver": {"F1"}, "preparer2": {"F2"},
}
REPORT = {"admin": ALL, "officer": ALL, "preparer": {"F1"}, "approver": {"F1"}, "preparer2": {"F2"}}
SUBMIT = {"approver": {"F1"}}
VERIFY = {"admin": ALL, "officer": ALL, "estate": {"F1", "F2"}, "port": {"F4"}}
CALENDAR = {"admin"}
COMPLETENESS = {"admin", "officer", "estate", "port"}
ACTORS = list(VISIBLE)


def expect(actor, allowed: dict, key, ok=200, api=False):
    if actor == "anonymous":
        return 401 if api else 302
    if key not in VISIBLE[actor]:
        return 404
    return ok if key in allowed.get(actor, set()) else 403


def _state():
    return (ActivityRecord.objects.count(), ImportBatch.objects.count(), ChangeRecord.objects.count(),
            tuple(ActivityRecord.objects.order_by("pk").values_list("state", flat=True)),
            ReportingCalendar.objects.count())


@pytest.mark.parametrize("actor", ACTORS)
def test_matrix(actor, world, client, django_capture_on_commit_callbacks):
    from ecotown.reporting import services

    draft, submitted = {}, {}
    for key in FACTORIES:
        org = getattr(world, key)
        recs = services.import_activities(None, org, csv_bytes([["2025-01-01", "", "water", "10", "m3", ""],
                                                                ["2025-02-01", "", "water", "11", "m3", ""]]),
                                          name=f"{key}.csv").records
        draft[key] = recs[0]
        submitted[key] = recs[1]
        recs[1].state = "submitted"
        from ecotown.core import history

        history.save(None, recs[1], validate=False)
    headers = {}
    if actor != "anonymous":
        client.force_login(world.users[actor])
        from ecotown.accounts.services import issue_token

        headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}
    failures = []

    def check(label, response, want, before=None):
        if response.status_code != want:
            failures.append(f"{actor:9} {label}: got {response.status_code}, want {want}")
        if before is not None and want not in (200, 201, 302):
            after = _state()
            if after != before:
                failures.append(f"{actor:9} {label}: refused but state changed {before} → {after}")

    for key in FACTORIES:
        org = getattr(world, key)
        check(f"GET page {key}", client.get(f"/reporting/org/{org.pk}/?year=2025"), expect(actor, {a: ALL for a in VISIBLE}, key))
        check(f"GET record {key}", client.get(f"/reporting/records/{draft[key].pk}/"), expect(actor, {a: ALL for a in VISIBLE}, key))
        check(f"GET template {key}", client.get(f"/reporting/org/{org.pk}/template.xlsx"), expect(actor, REPORT, key))
        before = _state()
        r = client.post(f"/reporting/org/{org.pk}/new/", {"activity": "water", "quantity": "5", "unit": "m3",
                                                          "period_start": "2025-03-01"})
        check(f"POST new record {key}", r, expect(actor, REPORT, key, ok=302), before)
        before = _state()
        f = io.BytesIO(csv_bytes([["2025-04-01", "", "water", "5", "m3", ""]]))
        f.name = "x.csv"
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(f"/reporting/org/{org.pk}/upload/", {"file": f})
        check(f"POST upload {key}", r, expect(actor, REPORT, key, ok=302), before)
        before = _state()
        r = client.post(f"/reporting/records/{draft[key].pk}/submit/")
        check(f"POST submit {key}", r, expect(actor, SUBMIT, key, ok=302), before)
        if r.status_code == 302 and actor != "anonymous":
            draft[key].refresh_from_db()
            if draft[key].state != "submitted":
                failures.append(f"{actor} submit {key}: state {draft[key].state}")
        before = _state()
        r = client.post(f"/reporting/records/{submitted[key].pk}/verify/")
        check(f"POST verify {key}", r, expect(actor, VERIFY, key, ok=302), before)
        if r.status_code == 302 and actor != "anonymous":
            submitted[key].refresh_from_db()
            if submitted[key].state != "verified":
                failures.append(f"{actor} verify {key}: state {submitted[key].state}")
        # API
        before = _state()
        r = client.post("/api/reporting/activities", {"organisation": org.pk, "rows": [
            {"period_start": "2025-05-01", "activity": "water", "quantity": "1", "unit": "m3"}]},
            content_type="application/json", **headers)
        check(f"API POST rows {key}", r, expect(actor, REPORT, key, ok=201, api=True), before)
        check(f"API GET record {key}", client.get(f"/api/reporting/activities/{draft[key].pk}", **headers),
              expect(actor, {a: ALL for a in VISIBLE}, key, api=True))
    # lists show exactly what is visible
    if actor != "anonymous":
        r = client.get("/api/reporting/activities?limit=500", **headers)
        got = {i["organisation"] for i in r.json()["items"]}
        want = {getattr(world, k).pk for k in VISIBLE[actor]}
        if got != want:
            failures.append(f"{actor} API list organisations {sorted(got)} != {sorted(want)}")
    else:
        check("API list", client.get("/api/reporting/activities"), 401)
    # the reporting year
    want = 302 if actor == "anonymous" else (200 if actor in COMPLETENESS else 403)
    check("GET completeness", client.get("/reporting/completeness/?year=2025&month=1"), want)
    want = 302 if actor == "anonymous" else (200 if actor in COMPLETENESS else 403)
    check("API completeness", client.get("/api/reporting/completeness?year=2025&month=1", **headers),
          401 if actor == "anonymous" else want)
    check("GET calendar", client.get("/reporting/calendar/?year=2025"), 302 if actor == "anonymous" else 200)
    before = _state()
    data = {"year": 2025, "remind_days_before": 5, "escalate_days_after": 14}
    data.update({f"m{m}": dt.date(2025 + (m == 12), m % 12 + 1, 15).isoformat() for m in range(1, 13)})
    r = client.post("/reporting/calendar/", data)
    check("POST calendar", r, 302 if actor == "anonymous" or actor in CALENDAR else 403, before)
    before = _state()
    r = client.post("/reporting/calendar/", {"year": 2025, "lock": "1"})
    check("POST lock year", r, 302 if actor == "anonymous" or actor in CALENDAR else 403, before)
    assert not failures, "\n" + "\n".join(failures)
