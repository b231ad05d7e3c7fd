"""Long imports as background jobs. Progress lives in a small file per job (the import itself is one
database transaction, so its progress cannot be read from the database until it ends)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.utils import translation

from .models import ImportJob


def _path(job_id) -> Path:
    d = Path(settings.DATA_DIR) / "jobs"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{job_id}.json"


def write_progress(job_id, step: str, done: int, total: int) -> None:
    p = _path(job_id)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps({"step": step, "done": done, "total": total, "at": time.time()}))
    os.replace(tmp, p)


def read_progress(job_id) -> dict:
    try:
        return json.loads(_path(job_id).read_text())
    except (OSError, ValueError):
        return {"step": "queued", "done": 0, "total": 0}


def percent(progress: dict) -> int:
    total = progress.get("total") or 0
    if not total:
        return 0
    # checking is the first half of the work, saving the second
    frac = min(1.0, progress.get("done", 0) / total)
    return int((frac * 50) if progress.get("step") == "checking" else 50 + frac * 50)


def start(user, org, uploaded, *, replace: bool, reason: str, language: str, kind: str = "") -> ImportJob:
    """Create the job and queue it (tests and the demo server run it at once)."""
    from django.db import transaction

    from . import kinds
    from .tasks import run_import

    job = ImportJob.objects.create(organisation=org, user=user, file=uploaded, replace=replace, reason=reason,
                                   language=language, kind=kinds.get(kind or kinds.DEFAULT).code)
    write_progress(job.pk, "queued", 0, 0)
    transaction.on_commit(lambda: run_import.enqueue(str(job.pk)))
    return job


def run(job_id: str) -> str:
    from . import services

    job = ImportJob.objects.select_related("organisation", "user", "file").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    data = job.file.file.open("rb").read()
    name = job.file.original_name
    try:
        with translation.override(job.language):
            result = services.import_records(
                job.kind, job.user, job.organisation, data, name=name, replace=job.replace, reason=job.reason, lang=job.language, uploaded=job.file,
                progress=lambda step, done, total: write_progress(job.pk, step, done, total))
    except services.Rejected as exc:
        ImportJob.objects.filter(pk=job.pk).update(status="done", batch=exc.batch)
        write_progress(job.pk, "rejected", 1, 1)
        return "rejected"
    except Exception as exc:  # noqa: BLE001 — shown to the user, logged by the worker
        ImportJob.objects.filter(pk=job.pk).update(status="failed", error=str(exc)[:2000])
        write_progress(job.pk, "failed", 1, 1)
        raise
    ImportJob.objects.filter(pk=job.pk).update(status="done", batch=result.batch)
    write_progress(job.pk, "accepted", 1, 1)
    return "accepted"
