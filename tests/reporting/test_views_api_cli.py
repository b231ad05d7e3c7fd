"""Pages, htmx partials, the API and the command — the same pipeline and the same answers."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl

from ecotown.reporting import imports, kinds
from ecotown.reporting.models import ActivityRecord, ImportBatch, ImportJob

from .conftest import counts, csv_bytes, xlsx_bytes

GOOD = [["2025-01-01", "2025-01-31", "grid_electricity", "125,000", "kWh", "MDB-1"],
        ["1/2/2568", "", "diesel", "800", "L", ""]]
BAD = GOOD + [["2025-03-01", "2025-03-31", "grid_electricity", "-3", "kWh", "MDB-1"]]


def test_template_download(world, login):
    c = login(world.users["preparer"])
    r = c.get(f"/reporting/org/{world.F1.pk}/template.xlsx?year=2569")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Content-Disposition"] == f'attachment; filename="ecotown-activities-{world.F1.pk}-2026.xlsx"'
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb["_ecotown"]["B2"].value == kinds.get("activities").template_version and wb["_ecotown"]["B3"].value == world.F1.pk


def test_upload_rejected_then_fixed(world, login, django_capture_on_commit_callbacks):
    c = login(world.users["preparer"])
    upload = io.BytesIO(xlsx_bytes(BAD))
    upload.name = "year.xlsx"
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):   # the job is queued once the upload is committed
        r = c.post(f"/reporting/org/{world.F1.pk}/upload/", {"file": upload})
    assert r.status_code == 302
    job = ImportJob.objects.get()
    assert r["Location"] == f"/reporting/jobs/{job.pk}/"
    assert counts()[0] == before[0]
    page = c.get(r["Location"]).content.decode()
    assert "data-testid=\"import-rejected\"" in page
    assert "ปริมาณต้องไม่ติดลบ" in page            # Thai by default
    batch = ImportBatch.objects.get(status="rejected")
    assert f"/files/{batch.marked_file.pk}/" in page
    marked = c.get(f"/files/{batch.marked_file.pk}/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(marked.streaming_content)))
    assert wb.worksheets[0]["D4"].comment.text == "ปริมาณต้องไม่ติดลบ"
    # other users cannot see the job page
    c2 = login(world.users["preparer2"])
    assert c2.get(f"/reporting/jobs/{job.pk}/").status_code == 404
    c = login(world.users["preparer"])
    upload = io.BytesIO(xlsx_bytes(GOOD))
    upload.name = "year.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/reporting/org/{world.F1.pk}/upload/", {"file": upload})
    page = c.get(r["Location"]).content.decode()
    assert 'data-testid="import-accepted"' in page
    assert ActivityRecord.objects.count() == 2
    progress = c.get(r["Location"] + "progress/").content.decode()
    assert "hx-trigger" not in progress  # finished: no more polling


def test_org_page_shows_records_and_both_year_totals(world, login):
    from ecotown.reporting import services

    services.import_activities(world.users["preparer"], world.F1, csv_bytes(GOOD), name="a.csv")
    c = login(world.users["preparer"])
    page = c.get(f"/reporting/org/{world.F1.pk}/?year=2025").content.decode()
    assert "ไฟฟ้าจากระบบสายส่ง" in page and "125,000" in page
    assert "ปีปฏิทิน" in page or "calendar year" in page
    c.post("/i18n/setlang/", {"language": "en"})
    page = c.get(f"/reporting/org/{world.F1.pk}/?year=2025").content.decode()
    assert "Grid electricity" in page and "calendar year 2025" in page and "fiscal year 2025" in page


def test_form_htmx_validation_and_save(world, login):
    c = login(world.users["preparer"])
    c.post("/i18n/setlang/", {"language": "en"})
    url = f"/reporting/org/{world.F1.pk}/new/"
    r = c.post(url, {"activity": "diesel", "quantity": "-1", "unit": "L", "period_start": "1/3/2568", "_validate": "1"},
               HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="record-fields"' in html and "<html" not in html
    assert "The quantity cannot be negative." in html
    assert '<option value="L" selected>L</option>' in html and '<option value="kWh"' not in html
    assert ActivityRecord.objects.count() == 0
    r = c.post(url, {"activity": "diesel", "quantity": "1,500", "unit": "L", "period_start": "1/3/2568"})
    assert r.status_code == 302
    rec = ActivityRecord.objects.get()
    assert (rec.activity, str(rec.quantity), rec.period_start, rec.period_end, rec.source) == (
        "diesel", "1500.000000", dt.date(2025, 3, 1), dt.date(2025, 3, 31), "form")
    assert c.get(f"/reporting/units/?activity=grid_electricity").content.decode() == (
        '<option value="kWh">kWh</option><option value="MWh">MWh</option><option value="GJ">GJ</option><option value="MJ">MJ</option>')


def test_record_page_actions(world, login, listener):
    from ecotown.reporting import services

    rec = services.import_activities(world.users["preparer"], world.F1, csv_bytes(GOOD[:1]), name="a.csv").records[0]
    c = login(world.users["approver"])
    assert c.post(f"/reporting/records/{rec.pk}/submit/").status_code == 302
    c = login(world.users["estate"])
    page = c.get(f"/reporting/records/{rec.pk}/").content.decode()
    assert 'data-testid="version"' in page
    review = f"/reporting/org/{world.F1.pk}/verify/?year=2025&record={rec.pk}"
    res = c.post(f"/reporting/records/{rec.pk}/verify/")
    assert (res.status_code, res["Location"]) == (302, review)
    rec.refresh_from_db()
    assert rec.state == "submitted" and len(listener) == 0
    assert c.post(review, {"year": 2025, "confirm": "yes", "activities": rec.pk}).status_code == 302
    rec.refresh_from_db()
    assert rec.state == "verified" and len(listener) == 1


def test_completeness_and_calendar_pages(world, login):
    c = login(world.users["estate"])
    page = c.get("/reporting/completeness/?year=2025&month=3").content.decode()
    assert "Factory Two" in page and "Factory One" in page and "Factory Three" not in page
    assert c.get("/reporting/calendar/?year=2025").status_code == 200
    assert c.post("/reporting/calendar/", {"year": 2025}).status_code == 403
    c = login(world.users["preparer"])
    assert c.get("/reporting/completeness/").status_code == 403
    c = login(world.users["admin"])
    data = {"year": 2025, "remind_days_before": 3, "escalate_days_after": 10}
    data.update({f"m{m}": (dt.date(2025 + (m == 12), m % 12 + 1, 20)).isoformat() for m in range(1, 13)})
    assert c.post("/reporting/calendar/", data).status_code == 302
    from ecotown.reporting.models import ReportingPeriod

    assert ReportingPeriod.objects.get(year=2025, month=3).deadline == dt.date(2025, 4, 20)


# --- API --------------------------------------------------------------------------------------------

def test_api_post_and_get(world, client, token_for):
    h = token_for(world.users["preparer"], "en")
    rows = [{"period_start": "2025-01-01", "period_end": "2025-01-31", "activity": "water", "quantity": "12.5", "unit": "m3"},
            {"period_start": "2025-02-01", "activity": "water", "quantity": "-1", "unit": "kWh"}]
    r = client.post("/api/reporting/activities", {"organisation": world.F1.pk, "rows": rows}, content_type="application/json",
                    HTTP_AUTHORIZATION=h["Authorization"], HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"field": "rows.2.quantity", "code": "negative", "row": 2, "column": "quantity", "value": "-1", "message": "The quantity cannot be negative."},
        {"field": "rows.2.unit", "code": "wrong_dimension", "row": 2, "column": "unit", "value": "kWh", "message": "The unit “kWh” cannot be used for Tap water — use m3, L."},
    ]
    assert ActivityRecord.objects.count() == 0
    r = client.post("/api/reporting/activities", {"organisation": world.F1.pk, "rows": rows[:1]}, content_type="application/json",
                    HTTP_AUTHORIZATION=h["Authorization"])
    assert r.status_code == 201 and r.json()["accepted"] == 1
    r = client.get(f"/api/reporting/activities?organisation={world.F1.pk}", HTTP_AUTHORIZATION=h["Authorization"])
    body = r.json()
    assert body["count"] == 1 and body["items"][0]["quantity"] == "12.500000" and body["items"][0]["source"] == "api"
    # others see nothing of F1
    h2 = token_for(world.users["preparer2"])
    assert client.get(f"/api/reporting/activities?organisation={world.F1.pk}", HTTP_AUTHORIZATION=h2["Authorization"]).json() == {"items": [], "count": 0}
    r = client.post("/api/reporting/activities", {"organisation": world.F1.pk, "rows": rows[:1]}, content_type="application/json",
                    HTTP_AUTHORIZATION=h2["Authorization"])
    assert r.status_code == 404 and ActivityRecord.objects.count() == 1


# --- the command ------------------------------------------------------------------------------------

def _cli(argv, capsys):
    from ecotown.reporting.cli import main

    code = main(argv)
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_cli_same_result_as_the_page(world, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes(BAD))
    code, out, err = _cli(["activities", str(bad), "--org", "3-105-1/45ชบ", "--format", "json"], capsys)
    assert code == 2
    assert out == {"problems": [{"row": 4, "column": "quantity", "value": "-3", "message": "The quantity cannot be negative."}]}
    assert ActivityRecord.objects.count() == 0 and ImportBatch.objects.count() == 0
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD))
    code, out, err = _cli(["activities", str(good), "--org", str(world.F1.pk), "--format", "json"], capsys)
    assert (code, out) == (0, {"accepted": 2})
    assert "saving 2/2 100%" in err
    code, out, _ = _cli(["activities", str(good), "--org", str(world.F1.pk), "--format", "json", "--replace"], capsys)
    assert code == 2 and out["problems"][0]["message"].startswith("This file was already imported on ")
    code, out, _ = _cli(["activities", str(good), "--org", "NOPE", "--format", "json"], capsys)
    assert (code, out) == (2, {"problems": [{"row": None, "column": "org", "value": "NOPE", "message": "Unknown organisation “NOPE”."}]})
    # by estate code: the estate's own data
    code, out, _ = _cli(["activities", str(good), "--org", "E1", "--format", "json"], capsys)
    assert (code, out) == (0, {"accepted": 2})
    assert ActivityRecord.objects.filter(organisation=world.E1).count() == 2


def test_ecotown_command_routes_import(world, tmp_path, capsys):
    from ecotown.cli import main

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD))
    assert main(["import", "activities", str(good), "--org", str(world.F1.pk), "--format", "json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out) == {"accepted": 2}


def test_export_has_real_date_cells_in_buddhist_era_for_thai_readers(world, login):
    from ecotown.reporting import services

    services.import_activities(world.users["preparer"], world.F1, csv_bytes(GOOD), name="a.csv")
    c = login(world.users["preparer"])
    wb = openpyxl.load_workbook(io.BytesIO(c.get(f"/reporting/org/{world.F1.pk}/export.xlsx?year=2025").content))
    ws = wb.active
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["D2"].value) == (
        dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 31), "ไฟฟ้าจากระบบสายส่ง | Grid electricity", 125000)
    assert [ws["H1"].value, ws["I1"].value, ws["H2"].value] == ["สถานะ", "ฉบับ", "ฉบับร่าง"]
    assert ws["A2"].number_format == "[$-1070000]d/m/yyyy;@"   # Thai Buddhist calendar: 1/1/2568
    c.post("/i18n/setlang/", {"language": "en"})
    data = c.get(f"/reporting/org/{world.F1.pk}/export.xlsx?year=2025").content
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A2"].number_format == "yyyy-mm-dd"
    assert (ws["C2"].value, ws["H2"].value) == ("Grid electricity | ไฟฟ้าจากระบบสายส่ง", "draft")
    # the export uploads again as it is: the same activities, read back from their names
    res = services.import_activities(world.users["preparer"], world.F1, data, name="again.xlsx", replace=True,
                                     reason="re-upload of the export")
    assert sorted(r.activity for r in res.records) == ["diesel", "grid_electricity"]


def test_reminders_command_queues_the_background_task(world, capsys):
    import datetime as _dt

    from django.core.management import call_command

    from ecotown.core.models import Notification
    from ecotown.reporting import services

    today = _dt.date.today()
    month_start = (today.replace(day=1) - _dt.timedelta(days=1)).replace(day=1)
    services.set_calendar(world.users["admin"], month_start.year, {month_start.month: today + _dt.timedelta(days=2)})
    call_command("reporting_reminders")
    assert capsys.readouterr().out.startswith("queued: ")
    # (tests run jobs at once) F1's and F2's reporters were reminded of last month
    assert Notification.objects.filter(title_en__startswith="Reminder: report").count() == 3  # preparer, approver, preparer2


def test_evidence_on_a_record(world, login):
    from ecotown.reporting import services

    rec = services.import_activities(world.users["preparer"], world.F1, csv_bytes(GOOD[:1]), name="a.csv").records[0]
    c = login(world.users["preparer"])
    bill = io.BytesIO(b"%PDF-1.4 synthetic electricity bill")
    bill.name = "bill-jan.pdf"
    assert c.post(f"/reporting/records/{rec.pk}/evidence/", {"file": bill}).status_code == 302
    f = rec.evidence.get()
    assert (f.original_name, f.organisation_id, f.content_type) == ("bill-jan.pdf", world.F1.pk, "application/pdf")
    from ecotown.core.models import ChangeRecord

    assert ChangeRecord.for_object(rec).first().note == "evidence: bill-jan.pdf"
    assert f"/files/{f.pk}/" in c.get(f"/reporting/records/{rec.pk}/").content.decode()
    assert login(world.users["estate"]).get(f"/files/{f.pk}/").status_code == 200
    c = login(world.users["preparer2"])
    bill.seek(0)
    assert c.post(f"/reporting/records/{rec.pk}/evidence/", {"file": bill}).status_code == 404
    assert c.get(f"/files/{f.pk}/").status_code == 404 and rec.evidence.count() == 1


def test_calendar_dates_are_iso_in_the_date_inputs_and_shown_in_be_beside_them(world, login):
    """<input type=date> shows nothing (and the browser refuses to submit) unless its value is ISO;
    the reader's date — B.E. in Thai — is shown beside each."""
    import re

    from ecotown.reporting import services

    services.set_calendar(world.users["admin"], 2026, {2: dt.date(2026, 3, 15)})
    c = login(world.users["admin"])
    page = c.get("/reporting/calendar/?year=2026").content.decode()
    values = re.findall(r'<input type="date" name="m(\d+)" value="([^"]*)"', page)
    assert len(values) == 12
    assert dict(values)["2"] == "2026-03-15"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for _m, v in values)
    assert 'data-testid="calendar-deadline">15 มี.ค. 2569</div>' in page
    assert "กำหนดส่งของ ก.พ. 2569" in page
    c.post("/i18n/setlang/", {"language": "en"})
    page = c.get("/reporting/calendar/?year=2026").content.decode()
    assert 'data-testid="calendar-deadline">15 Mar 2026</div>' in page
    # what the browser sends back is kept
    data = {"year": 2026, "remind_days_before": 5, "escalate_days_after": 14}
    data.update(dict((f"m{m}", v) for m, v in values))
    data["m2"] = "2026-03-20"
    assert c.post("/reporting/calendar/", data).status_code == 302
    page = c.get("/reporting/calendar/?year=2026").content.decode()
    assert 'name="m2" value="2026-03-20"' in page
