"""Background jobs (one database-backed queue, run by `ecotown worker`; synchronous in tests)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(subject: str, body: str, to: list[str]) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)


@task()
def apply_pdpa_retention() -> dict:
    from ecotown.core.pdpa import apply_retention

    return apply_retention()


@task()
def build_download(download_id: str) -> str:
    from ecotown.core.downloads import run

    return run(download_id)


@task()
def expire_downloads() -> int:
    from ecotown.core.downloads import expire

    return expire()
