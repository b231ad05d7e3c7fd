"""Queue today's reporting reminders (before/after deadlines, escalations) as a background job.

`ecotown worker` queues them itself once a day (settings.ECOTOWN_SCHEDULE, ECOTOWN_REMINDERS_AT); this
command queues them by hand: `ecotown manage reporting_reminders`.
"""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue the reporting reminders and escalations for today (sent by `ecotown worker`)."

    def handle(self, *args, **options):
        from ecotown.reporting.tasks import send_reminders

        result = send_reminders.enqueue()
        self.stdout.write(f"queued: {result.id}")
