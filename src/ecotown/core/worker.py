"""The background worker (`ecotown worker`): django_tasks_db's queue loop, plus

- a **heartbeat**: every `ECOTOWN_WORKER_HEARTBEAT_SECONDS` the worker writes its `WorkerHeartbeat`
  row; a worker is "running" while a row was beaten within `ECOTOWN_WORKER_STALE_SECONDS`.
  `ecotown serve`, /healthz/worker and the pages that queue work read `state()`;
- a **scheduler**: the daily jobs of `settings.ECOTOWN_SCHEDULE` (reporting reminders, PDPA
  retention) are queued once per job and day — the `ScheduledRun` row with its unique (job, day)
  is written in the same transaction as the queued task, so two workers or a restarted worker
  never queue a job twice the same day. A worker that starts after a job's time queues it then.

See docs/configuration.md ("Background worker").
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

log = logging.getLogger("ecotown.worker")


# --- is a worker needed, is one running ------------------------------------------------------

def needs_worker() -> bool:
    """True when queued jobs wait for `ecotown worker` (the database queue); False when they run at
    once in the request (the ImmediateBackend of the tests)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ECOTOWN_WORKER_STALE_SECONDS)


def alive_workers(now: dt.datetime | None = None) -> list[str]:
    """Ids of the workers beating now. A worker in the middle of a long job on SQLite may be unable to
    write its beat (the import holds the write lock): it still counts while it beat within
    `ECOTOWN_WORKER_BUSY_SECONDS` and a job it claimed is running."""
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    now = now or timezone.now()
    rows = list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True,
                                               beat_at__gte=now - dt.timedelta(seconds=settings.ECOTOWN_WORKER_BUSY_SECONDS))
                .values_list("worker_id", "beat_at"))
    alive = [wid for wid, at in rows if at >= now - stale_after()]
    quiet = {wid for wid, at in rows if at < now - stale_after()}
    if quiet:
        for ids in DBTaskResult.objects.running().values_list("worker_ids", flat=True):
            alive += [wid for wid in (ids or [])[-1:] if wid in quiet]
    return sorted(set(alive))


def state(now: dt.datetime | None = None) -> dict:
    """{needed, running, workers (how many beat now), last_beat (datetime or None), queued (jobs waiting)}."""
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    needed = needs_worker()
    alive = alive_workers(now)
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    queued = DBTaskResult.objects.ready().count() if needed else 0
    return {"needed": needed, "running": bool(alive), "workers": len(alive), "last_beat": last, "queued": queued}


def missing() -> bool:
    """True when queued work will not run: the database queue is used and no worker is beating."""
    return needs_worker() and not alive_workers()


def beat(worker_id: str, started_at: dt.datetime | None = None) -> None:
    from .models import WorkerHeartbeat

    now = timezone.now()
    n = WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=now, stopped_at=None)
    if not n:
        WorkerHeartbeat.objects.create(worker_id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(),
                                       started_at=started_at or now, beat_at=now)
    # rows of workers gone for a day are of no use to anyone
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()


def stopped(worker_id: str) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(pk=worker_id).update(stopped_at=timezone.now())


# --- the daily scheduler ---------------------------------------------------------------------

@dataclass(frozen=True)
class Scheduled:
    job: str          # the name recorded in ScheduledRun.job
    task: str         # dotted path of a django-tasks task taking no arguments
    at: dt.time       # local time (settings.TIME_ZONE) from which the day's run is due


def schedule() -> list[Scheduled]:
    out = []
    for job, (task_path, at) in settings.ECOTOWN_SCHEDULE.items():
        if not at:
            continue  # switched off
        out.append(Scheduled(job, task_path, dt.time.fromisoformat(at)))
    return out


def run_due(worker_id: str = "", now: dt.datetime | None = None) -> list[str]:
    """Queue every scheduled job due today that has not been queued today; returns their names."""
    from .models import ScheduledRun

    local = timezone.localtime(now or timezone.now())
    today = local.date()
    queued = []
    for s in schedule():
        if local.time() < s.at:
            continue
        if ScheduledRun.objects.filter(job=s.job, day=today).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=s.job, day=today, worker_id=worker_id[:64])
                result = import_string(s.task).enqueue()
                ScheduledRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
        except IntegrityError:
            continue  # another worker queued it a moment ago
        log.info("scheduled job %s queued for %s", s.job, today.isoformat())
        queued.append(s.job)
    return queued


# --- the worker process ----------------------------------------------------------------------

class Pulse(threading.Thread):
    """Beats and runs the scheduler beside the queue loop (a long job does not stop the beat: the
    worker is busy, not gone)."""

    def __init__(self, worker_id: str):
        super().__init__(name="ecotown-worker-pulse", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.halt = threading.Event()

    def tick(self) -> None:
        close_old_connections()
        try:
            beat(self.worker_id, self.started_at)
            run_due(self.worker_id)
        except OperationalError as exc:  # SQLite: a long import holds the write lock; beat again later
            log.warning("worker heartbeat skipped (%s); trying again", exc)
        except Exception:  # noqa: BLE001 — e.g. a bad schedule entry: said, and tried again
            log.exception("worker heartbeat/scheduler failed; trying again")
        finally:
            connection.close()

    def run(self) -> None:
        while not self.halt.is_set():
            self.tick()
            self.halt.wait(settings.ECOTOWN_WORKER_HEARTBEAT_SECONDS)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:20]}-{os.getpid()}-{get_random_string(8)}"


def run_worker(argv: list[str]) -> int:
    """`ecotown worker [db_worker options]`: the queue loop with the heartbeat and the scheduler."""
    from django.core.management import call_command

    argv = list(argv)
    if "--worker-id" in argv:
        worker_id = argv[argv.index("--worker-id") + 1]
    else:
        worker_id = new_worker_id()
        argv += ["--worker-id", worker_id]
    pulse = Pulse(worker_id)
    pulse.tick()  # beat before the first job so the pages know at once
    pulse.start()
    print(f"EcoTown worker {worker_id} running; scheduled: "
          + (", ".join(f"{s.job} {s.at:%H:%M}" for s in schedule()) or "nothing"), flush=True)
    try:
        call_command("db_worker", "--no-reload", *argv)
    finally:
        pulse.halt.set()
        pulse.join(timeout=5)
        close_old_connections()
        try:
            stopped(worker_id)
        finally:
            connection.close()
    return 0


def process_once(worker_id: str = "once") -> int:
    """Beat, queue what is due and run every queued job, then return (tests, `ecotown worker --once`).
    Returns how many jobs ran. Jobs are claimed and run as django_tasks_db's worker does
    (`Worker.run_task`), without its loop's connection handling, so it also runs inside a test's
    transaction."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    beat(worker_id)
    run_due(worker_id)
    w = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
               max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
    ran = 0
    while True:
        tasks = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker_id)
        if task_result is None:
            break
        w.run_task(task_result)
        ran += 1
    stopped(worker_id)
    return ran
