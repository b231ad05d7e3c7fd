"""Files built in the background for one user: one mechanism for every export too big for a request.

An app registers a builder: `register("reporting.matrix", build)` where `build(user, params)` returns a
`Built(name, data, rows)` and runs with the user's language active (headers, B.E. years). A view that
finds its export too big calls `request(user, builder, params, title_th=…, title_en=…)` and sends the user
to the download's page (`/downloads/<id>/`): it shows the state while the worker builds the file and the
file when it is ready; the user is notified (in-app and e-mail) with the link. Only the user who asked
sees a download (`core.policies.DownloadPolicy`); files are deleted after `ECOTOWN_DOWNLOAD_DAYS` days
by the daily `expire_downloads` job.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

log = logging.getLogger(__name__)


@dataclass
class Built:
    name: str
    data: bytes
    rows: int = 0


_builders: dict[str, Callable] = {}


def register(code: str, fn: Callable) -> Callable:
    _builders[code] = fn
    return fn


def builder(code: str) -> Callable:
    return _builders[code]


def request(user, code: str, params: dict, *, title_th: str, title_en: str, language: str | None = None):
    """Queue a download for `user` (built by the registered `code` with `params`). Returns the Download."""
    from .models import Download
    from .tasks import build_download

    builder(code)  # unknown builder: KeyError now, not in the worker
    d = Download.objects.create(user=user, builder=code, params=params, title_th=title_th[:300],
                                title_en=title_en[:300], language=language or getattr(user, "language", "") or "th")
    transaction.on_commit(lambda: build_download.enqueue(str(d.pk)))
    return d


def run(download_id: str) -> str:
    """Build one download (the worker's job). Returns its final status."""
    from .models import Download
    from .services import notify

    d = Download.objects.select_related("user").filter(pk=download_id).first()
    if d is None or d.status not in (Download.Status.QUEUED, Download.Status.RUNNING):
        return d.status if d else "gone"
    Download.objects.filter(pk=d.pk).update(status=Download.Status.RUNNING)
    link = reverse("download", args=[d.pk])
    try:
        with translation.override(d.language):
            built = builder(d.builder)(d.user, d.params)
    except Exception as exc:  # the user is told; the error is kept for the administrator
        log.exception("download %s (%s) failed", d.pk, d.builder)
        Download.objects.filter(pk=d.pk).update(status=Download.Status.FAILED, error=str(exc)[:2000],
                                                finished_at=timezone.now())
        notify(d.user, title_th=f"เตรียมไฟล์ไม่สำเร็จ: {d.title_th}", title_en=f"The file could not be prepared: {d.title_en}",
               body_th="โปรดลองอีกครั้ง หากยังไม่สำเร็จ โปรดแจ้งผู้ดูแลระบบ",
               body_en="Please try again; if it fails again, tell the system administrator.", link=link)
        return Download.Status.FAILED
    d.file.save(built.name, ContentFile(built.data), save=False)
    Download.objects.filter(pk=d.pk).update(status=Download.Status.DONE, name=built.name, file=d.file.name,
                                            size=len(built.data), rows=built.rows, finished_at=timezone.now())
    notify(d.user, title_th=f"ไฟล์พร้อมดาวน์โหลดแล้ว: {d.title_th}", title_en=f"Your file is ready: {d.title_en}",
           body_th=built.name, body_en=built.name, link=link)
    return Download.Status.DONE


def expire(now: dt.datetime | None = None) -> int:
    """Delete downloads (and their files) older than ECOTOWN_DOWNLOAD_DAYS. Returns how many."""
    from .models import Download

    cut = (now or timezone.now()) - dt.timedelta(days=settings.ECOTOWN_DOWNLOAD_DAYS)
    n = 0
    for d in Download.objects.filter(created_at__lt=cut):
        if d.file:
            d.file.delete(save=False)
        d.delete()
        n += 1
    return n
