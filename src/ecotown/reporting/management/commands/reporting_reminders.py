"""Queue today's reporting reminders (before/after deadlines, escalations) as a background job.

Run daily, e.g. from cron: `ecotown manage reporting_reminders`; `ecotown worker` sends them.
"""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue the reporting reminders and escalations for today (sent by `ecotown worker`)."

    def handle(self, *args, **options):
        from ecotown.reporting.tasks import send_reminders

        result = send_reminders.enqueue()
        self.stdout.write(f"queued: {result.id}")
