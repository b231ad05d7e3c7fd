"""The background worker: heartbeat, the daily scheduler, queued e-mails, and the places that tell
people when no worker runs (`ecotown serve`, /healthz/worker, the import page, the recompute)."""
from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from ecotown.core import worker
from ecotown.core.models import ScheduledRun, WorkerHeartbeat

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")


@pytest.fixture
def db_queue(settings):
    """The database queue of `bash scripts/run` instead of the tests' run-at-once backend (no daily
    jobs unless a test schedules them)."""
    settings.TASKS = DB_QUEUE
    settings.ECOTOWN_SCHEDULE = {}
    return settings


def _ready():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


# --- heartbeat -------------------------------------------------------------------------------

def test_no_worker_needed_when_jobs_run_at_once(db):
    assert worker.needs_worker() is False
    assert worker.missing() is False


def test_heartbeat_decides_whether_a_worker_runs(db, db_queue):
    assert worker.needs_worker() is True
    assert worker.missing() is True
    worker.beat("w1")
    assert worker.missing() is False
    assert worker.state()["workers"] == 1
    later = timezone.now() + dt.timedelta(seconds=31)
    assert worker.alive_workers(later) == []          # 30 s without a beat: gone
    assert worker.alive_workers(timezone.now() + dt.timedelta(seconds=29)) == ["w1"]
    worker.stopped("w1")
    assert worker.missing() is True                   # a clean stop is seen at once
    worker.beat("w1")                                 # the same id beating again (restart)
    assert worker.missing() is False and WorkerHeartbeat.objects.count() == 1


def test_a_worker_busy_with_a_long_job_still_counts(db, db_queue):
    from django_tasks_db.models import DBTaskResult

    from ecotown.core.tasks import apply_pdpa_retention

    worker.beat("busy")
    result = apply_pdpa_retention.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=["busy"])
    ten_minutes = timezone.now() + dt.timedelta(minutes=10)
    assert worker.alive_workers(ten_minutes) == ["busy"]
    assert worker.alive_workers(timezone.now() + dt.timedelta(minutes=16)) == []
    DBTaskResult.objects.filter(pk=result.id).update(status="SUCCESSFUL")
    assert worker.alive_workers(ten_minutes) == []


# --- queued e-mails ---------------------------------------------------------------------------

def test_queued_email_is_sent_by_the_worker(world, db_queue, django_capture_on_commit_callbacks):
    from ecotown.core.services import notify

    user = world.users["preparer"]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, title_th="ทดสอบ", title_en="Test", body_th="เนื้อความ", body_en="Body", link="/reporting/")
    assert mail.outbox == []           # queued, not sent by the request
    assert _ready() == 1
    assert worker.process_once("w-test") == 1
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert (m.subject, m.body, m.to) == ("[EcoTown] ทดสอบ", "เนื้อความ\n\n/reporting/", ["preparer@example.test"])
    assert _ready() == 0


# --- the daily scheduler ----------------------------------------------------------------------

def test_scheduler_queues_each_job_once_a_day(db, db_queue):
    db_queue.ECOTOWN_SCHEDULE = {"reporting_reminders": ("ecotown.reporting.tasks.send_reminders", "07:00"),
                                 "pdpa_retention": ("ecotown.core.tasks.apply_pdpa_retention", "02:00")}
    early = dt.datetime(2026, 3, 2, 1, 59, tzinfo=BANGKOK)
    assert worker.run_due("w1", early) == []
    assert worker.run_due("w1", early.replace(hour=6, minute=59)) == ["pdpa_retention"]
    assert worker.run_due("w1", early.replace(hour=7)) == ["reporting_reminders"]
    # the same worker again, a second worker, a restarted worker: nothing more that day
    assert worker.run_due("w1", early.replace(hour=9)) == []
    assert worker.run_due("w2", early.replace(hour=23, minute=59)) == []
    assert _ready() == 2
    runs = list(ScheduledRun.objects.order_by("job").values_list("job", "day", "worker_id"))
    assert runs == [("pdpa_retention", dt.date(2026, 3, 2), "w1"), ("reporting_reminders", dt.date(2026, 3, 2), "w1")]
    # the next day (local time: 00:30 in Bangkok is still the 2nd in UTC)
    next_day = dt.datetime(2026, 3, 3, 8, 0, tzinfo=BANGKOK)
    assert worker.run_due("w2", next_day) == ["reporting_reminders", "pdpa_retention"]
    assert ScheduledRun.objects.filter(day=dt.date(2026, 3, 3)).count() == 2 and _ready() == 4


def test_a_second_worker_cannot_record_the_same_run(db):
    from django.db import IntegrityError, transaction

    ScheduledRun.objects.create(job="pdpa_retention", day=dt.date(2026, 3, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(job="pdpa_retention", day=dt.date(2026, 3, 2))


def test_a_switched_off_job_is_not_queued(db, db_queue):
    db_queue.ECOTOWN_SCHEDULE = {"reporting_reminders": ("ecotown.reporting.tasks.send_reminders", ""),
                                 "pdpa_retention": ("ecotown.core.tasks.apply_pdpa_retention", "02:00")}
    assert worker.run_due("w1", dt.datetime(2026, 3, 2, 12, 0, tzinfo=BANGKOK)) == ["pdpa_retention"]


def test_the_worker_sends_the_days_reminders_once(world, db_queue, django_capture_on_commit_callbacks):
    """Scheduled reminders through the worker: queued by the scheduler, run, their e-mails sent;
    a second pass the same day sends nothing."""
    from django_tasks_db.models import DBTaskResult

    from ecotown.core.models import Notification
    from ecotown.reporting import services

    db_queue.ECOTOWN_SCHEDULE = {"reporting_reminders": ("ecotown.reporting.tasks.send_reminders", "00:00")}
    today = timezone.localdate()
    month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.set_calendar(world.users["admin"], month_start.year, {month_start.month: today + dt.timedelta(days=2)})
    with django_capture_on_commit_callbacks(execute=True):
        ran = worker.process_once("w1")
    assert ran == 1   # the reminders job (its e-mails are queued after it commits)
    assert Notification.objects.filter(title_en__startswith="Reminder: report").count() == 3
    result = DBTaskResult.objects.get(task_path="ecotown.reporting.tasks.send_reminders").return_value
    assert result["before"] == 2                      # F1 and F2 reminded of last month
    told = Notification.objects.count()
    assert told >= 3 and _ready() == told            # one e-mail per notification
    assert worker.process_once("w1") == told
    assert len(mail.outbox) == told
    assert {"approver@example.test", "preparer2@example.test", "preparer@example.test"} <= {m.to[0] for m in mail.outbox}
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.process_once("w2") == 0        # nothing twice the same day
    assert len(mail.outbox) == told and Notification.objects.count() == told


# --- serve, /healthz ---------------------------------------------------------------------------

def test_serve_warns_in_thai_and_english_when_no_worker_beats(db, db_queue, capsys):
    from ecotown.core.commands import warn_if_no_worker

    assert warn_if_no_worker(wait=0) is True
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "!! ไม่มีตัวประมวลผลเบื้องหลังทำงานอยู่ งานนำเข้าข้อมูล อีเมล และการแจ้งเตือนจะค้างอยู่ในคิวจนกว่าจะเริ่มทำงาน "
        "สั่งเริ่มได้ด้วยคำสั่ง: ecotown worker",
        "!! No background worker is running: imports, e-mails and reminders stay queued until one starts. "
        "Start it with: ecotown worker"]
    worker.beat("w1")
    assert warn_if_no_worker(wait=0) is False
    assert capsys.readouterr().err == ""


def test_serve_says_nothing_when_jobs_run_at_once(db, capsys):
    from ecotown.core.commands import warn_if_no_worker

    assert warn_if_no_worker(wait=0) is False
    assert capsys.readouterr().err == ""


def test_healthz_reports_the_worker(db, db_queue, client):
    r = client.get("/healthz/worker")
    assert r.status_code == 503
    body = r.json()
    assert (body["worker"], body["workers"], body["queued"], body["last_beat"]) == ("stopped", 0, 0, None)
    assert client.get("/healthz").json() == {"ok": True, "worker": "stopped"}
    worker.beat("w1")
    r = client.get("/healthz/worker")
    assert r.status_code == 200 and r.json()["worker"] == "running" and r.json()["workers"] == 1
    assert client.get("/healthz").json() == {"ok": True, "worker": "running"}


def test_healthz_without_a_queue(db, client):
    r = client.get("/healthz/worker")
    assert r.status_code == 200 and r.json()["worker"] == "not needed"


# --- the pages that queue work ---------------------------------------------------------------

def _upload(c, world):
    from tests.reporting.conftest import xlsx_bytes

    f = io.BytesIO(xlsx_bytes([["2025-01-01", "2025-01-31", "grid_electricity", "125,000", "kWh", "MDB-1"]]))
    f.name = "year.xlsx"
    return c.post(f"/reporting/org/{world.F1.pk}/upload/", {"file": f})


def test_import_page_says_when_no_worker_runs(world, login, db_queue, django_capture_on_commit_callbacks):
    c = login(world.users["preparer"])
    with django_capture_on_commit_callbacks(execute=True):
        r = _upload(c, world)
    assert r.status_code == 302 and _ready() == 1
    page = c.get(r["Location"]).content.decode()
    assert 'data-testid="worker-missing"' in page
    assert "ไม่มีตัวประมวลผลเบื้องหลังทำงานอยู่" in page and "ไฟล์ที่อัปโหลดอยู่ในคิวแล้ว" in page
    assert "รอคิวประมวลผล…" in page and "0 / 0" not in page
    c.post("/i18n/setlang/", {"language": "en"})
    partial = c.get(r["Location"] + "progress/").content.decode()
    assert ("No background worker is running</strong> — your upload is queued and will run when it starts. "
            "Please tell the system administrator.") in partial
    assert "hx-trigger" in partial  # still polling: the banner goes once a worker starts
    worker.beat("w1")
    partial = c.get(r["Location"] + "progress/").content.decode()
    assert 'data-testid="worker-missing"' not in partial and "Waiting in the queue…" in partial
    assert worker.process_once("w1") == 1
    partial = c.get(r["Location"] + "progress/").content.decode()
    assert "1 row accepted and saved as a draft." in partial and 'data-testid="worker-missing"' not in partial


def test_recompute_says_when_no_worker_runs(world, login, db_queue):
    from ecotown.carbon import services as carbon
    from ecotown.carbon.models import Inventory

    from tests.carbon.factories import record

    carbon.sync_builtin_library(None)
    record(world.F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    inv = carbon.compute_inventory(world.F1, 2025)
    assert isinstance(inv, Inventory)
    c = login(world.users["approver"])
    c.post("/i18n/setlang/", {"language": "en"})
    r = c.post(f"/carbon/inventory/{inv.pk}/recompute/", follow=True)
    assert r.status_code == 200
    assert ("No background worker is running — the recompute is queued and will run when it starts. "
            "Please tell the system administrator.") in r.content.decode()
    # the inventory page keeps saying so after the message has gone, and so does the API
    page = c.get(f"/carbon/inventory/{inv.pk}/").content.decode()
    assert ("No background worker is running</strong> — a recompute of this inventory is queued and will run when "
            "it starts; the figures below are those of the last computation.") in page
    api = c.get(f"/api/carbon/inventories/{inv.pk}").json()
    assert api["recompute"] == {"queued": True, "running": False, "worker_missing": True}
    record(world.F1, "diesel", 1000, "L", "2024-03-01", "2024-03-31")
    other = c.get(f"/api/carbon/inventories/{carbon.compute_inventory(world.F1, 2024).pk}").json()
    assert other["recompute"] == {"queued": False, "running": False, "worker_missing": False}
    worker.beat("w1")
    r = c.post(f"/carbon/inventory/{inv.pk}/recompute/", follow=True)
    assert "The inventory is being recomputed." in r.content.decode()
    page = r.content.decode()
    assert 'data-testid="worker-missing"' not in page
    assert ("A recompute is queued: the figures below are those of the last computation and will update when it "
            "has run.") in page
    assert worker.process_once("w1") == 2
    page = c.get(f"/carbon/inventory/{inv.pk}/").content.decode()
    assert 'data-testid="worker-missing"' not in page and 'data-testid="recompute-queued"' not in page
    assert c.get(f"/api/carbon/inventories/{inv.pk}").json()["recompute"]["queued"] is False


def test_worker_once_runs_the_queue_and_stops(world, db_queue, capsys, django_capture_on_commit_callbacks):
    from ecotown.cli import main
    from ecotown.core.services import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify(world.users["approver"], title_th="ก", title_en="A")
        notify(world.users["preparer"], title_th="ข", title_en="B")
    assert main(["worker", "--once"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 background jobs run"
    assert sorted(m.subject for m in mail.outbox) == ["[EcoTown] ก", "[EcoTown] ข"]
    assert WorkerHeartbeat.objects.get().stopped_at is not None   # a finished pass is not a running worker
    assert worker.missing() is True
