"""Background jobs of reporting: long imports (with progress) and the daily reminders."""
from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: str) -> str:
    from . import jobs

    return jobs.run(job_id)


@task()
def send_reminders() -> dict:
    from . import services

    return services.send_reminders()
