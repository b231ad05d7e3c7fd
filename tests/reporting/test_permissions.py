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
from types import SimpleNamespace

from ecotown.core.models import ChangeRecord
from ecotown.reporting.models import ActivityRecord, ImportBatch, ImportJob, QualityFlag, ReportingCalendar

from tests.permissions import (ACTORS, Action, ApiAction, ApiCreate, ApiDetail, ApiList, Create, Detail, Import, List,
                           PermissionMatrix)
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
SIGNED_IN = set(ACTORS) - {"anonymous"}
JOB_OWNER = {"preparer"}  # a background import is followed by the user who started it only
OWN_PAGE = {"preparer", "approver", "preparer2", "school"}  # factory and school users go to their own page


def _index(case, actor, key, want):
    return 302 if actor in OWN_PAGE else want


def _state_is(attr, want):
    """After an allowed request: the record `attr` of the object is now in state `want`."""
    def after(case, actor, key, r):
        if r.status_code in (200, 302) and actor != "anonymous":
            rec = getattr(case.objects[key], attr)
            rec.refresh_from_db()
            if rec.state != want:
                return f"state {rec.state}, want {want}"
        return None
    return after


def _to_review(case, actor, key, r):
    """The old one-record verify route only leads to the review page: the record is still submitted."""
    if actor == "anonymous" or r.status_code not in (200, 302):
        return None
    o = case.objects[key]
    o.submitted.refresh_from_db()
    want = f"/reporting/org/{o.org.pk}/verify/?year={o.submitted.period_start.year}&record={o.submitted.pk}"
    if r.status_code != 302 or r["Location"] != want or o.submitted.state != "submitted":
        return f"{r.status_code} {r.get('Location')} state {o.submitted.state}, want 302 {want} submitted"
    return None


def _csv_file(case, o):
    f = io.BytesIO(csv_bytes([["2025-09-01", "", "water", "5", "m3", ""]]))
    f.name = "x.csv"
    return f


def _listed_orgs(case, r):
    orgs = {i["organisation"] for i in r.json()["items"]}
    return {k for k, o in case.objects.items() if o.org.pk in orgs}


def _matrix_rows(case, r):
    import re

    shown = set(re.findall(r'<tr data-org="(\d+)">', r.content.decode()))
    return {k for k, o in case.objects.items() if str(o.org.pk) in shown}


def _matrix_sheet_rows(case, r):
    import openpyxl

    names = {row[1].value for row in openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0].iter_rows(min_row=2)}
    return {k for k, o in case.objects.items() if o.org.name_th in names or o.org.name_en in names}


def _calendar_data(case, o):
    data = {"year": 2025, "remind_days_before": 5, "escalate_days_after": 14}
    data.update({f"m{m}": dt.date(2025 + (m == 12), m % 12 + 1, 15).isoformat() for m in range(1, 13)})
    return data


class TestReportingMatrix(PermissionMatrix):
    see = VISIBLE
    extra_fixtures = ("django_capture_on_commit_callbacks",)
    operations = [
        Detail("GET page", "/reporting/org/{o.org.pk}/?year=2025"),
        Detail("GET record", "/reporting/records/{o.draft.pk}/"),
        Detail("GET export", "/reporting/org/{o.org.pk}/export.xlsx?year=2025"),
        Detail("GET batch", "/reporting/imports/{o.batch.pk}/"),
        Detail("GET template", "/reporting/org/{o.org.pk}/template.xlsx", REPORT),
        Detail("GET edit record", "/reporting/records/{o.draft.pk}/edit/", REPORT),
        Create("POST new record", "/reporting/org/{o.org.pk}/new/", REPORT,
               {"activity": "water", "quantity": "5", "unit": "m3", "period_start": "2025-08-01"}),
        Import("POST upload", "/reporting/org/{o.org.pk}/upload/", REPORT, _csv_file, on_commit=True),
        Action("POST acknowledge flag", "/reporting/flags/{o.flag.pk}/ack/", REPORT, {"note": "checked"}),
        Action("POST submit", "/reporting/records/{o.draft.pk}/submit/", SUBMIT, after=_state_is("draft", "submitted")),
        Action("POST verify one: leads to the review page, verifies nothing", "/reporting/records/{o.submitted.pk}/verify/",
               VERIFY, after=_to_review),
        Detail("GET submit all: the confirmation page", "/reporting/org/{o.org.pk}/submit/?year=2025", SUBMIT),
        Detail("GET verify all: the review page", "/reporting/org/{o.org.pk}/verify/?year=2025", VERIFY),
        Action("POST submit all (2024: none)", "/reporting/org/{o.org.pk}/submit/?year=2024", SUBMIT, {"confirm": "yes"}),
        Action("POST verify all (2024: none)", "/reporting/org/{o.org.pk}/verify/?year=2024", VERIFY, {"confirm": "yes"}),
        ApiCreate("API POST rows", "/api/reporting/activities", REPORT, lambda case, o: {
            "organisation": o.org.pk, "rows": [{"period_start": "2025-05-01", "activity": "water", "quantity": "1",
                                                "unit": "m3"}]}),
        ApiCreate("API POST rows of a kind (employees)", "/api/reporting/employees", REPORT, lambda case, o: {
            "organisation": o.org.pk, "rows": [{"month": "2025-05", "employees": "120"}]}),
        ApiDetail("API GET record", "/api/reporting/activities/{o.draft.pk}"),
        ApiAction("API submit", "/api/reporting/activities/{o.api_draft.pk}/submit", SUBMIT,
                  after=_state_is("api_draft", "submitted")),
        ApiAction("API verify", "/api/reporting/activities/{o.api_submitted.pk}/verify", VERIFY,
                  after=_state_is("api_submitted", "verified")),
        ApiList("API list", "/api/reporting/activities?limit=500", _listed_orgs),
        # object-less
        Detail("GET index", "/reporting/", SIGNED_IN, expect=_index),
        Detail("GET units", "/reporting/units/?activity=water", SIGNED_IN),
        Detail("GET job page", "/reporting/jobs/{c.job.pk}/", JOB_OWNER, refused=404),
        Detail("GET job progress", "/reporting/jobs/{c.job.pk}/progress/", JOB_OWNER, refused=404),
        # the reporting year
        Detail("GET completeness", "/reporting/completeness/?year=2025&month=1", COMPLETENESS),
        # the matrix lists exactly the factories the actor sees (its own for a factory user), the export too
        List("GET completeness matrix", "/reporting/completeness/matrix/?year=2025", _matrix_rows),
        List("GET completeness matrix export", "/reporting/completeness/matrix.xlsx?year=2025", _matrix_sheet_rows),
        ApiDetail("API completeness", "/api/reporting/completeness?year=2025&month=1", COMPLETENESS),
        Detail("GET calendar", "/reporting/calendar/?year=2025", SIGNED_IN),
        Create("POST calendar", "/reporting/calendar/", CALENDAR, _calendar_data),
        Create("POST lock year", "/reporting/calendar/", CALENDAR, {"year": 2025, "lock": "1"}),
    ]

    def setup(self, world):
        from ecotown.core import history
        from ecotown.reporting import services

        out = {}
        for key in FACTORIES:
            org = getattr(world, key)
            result = services.import_activities(None, org, csv_bytes([
                ["2025-01-01", "", "water", "10", "m3", ""], ["2025-02-01", "", "water", "11", "m3", ""],
                ["2025-03-01", "", "water", "12", "m3", ""], ["2025-04-01", "", "water", "13", "m3", ""]]),
                name=f"{key}.csv")
            recs = result.records
            for r in (recs[1], recs[3]):
                r.state = "submitted"
                history.save(None, r, validate=False)
            flag = history.save(None, QualityFlag(organisation=org, record=recs[0], kind=QualityFlag.Kind.PEERS,
                                                  message_th="ผิดปกติ", message_en="unusual"))
            out[key] = SimpleNamespace(org=org, draft=recs[0], submitted=recs[1], api_draft=recs[2],
                                       api_submitted=recs[3], batch=result.batch, flag=flag)
        self.job = ImportJob.objects.create(organisation=world.F1, user=world.users["preparer"], status="queued")
        return out

    def state(self):
        return (ActivityRecord.objects.count(), ImportBatch.objects.count(), ChangeRecord.objects.count(),
                tuple(ActivityRecord.objects.order_by("pk").values_list("state", flat=True)),
                ReportingCalendar.objects.count(),
                tuple(QualityFlag.objects.order_by("pk").values_list("acknowledged_at", flat=True)))
