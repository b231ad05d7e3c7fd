"""Reporting: what organisations report per period, how it came in, its review state and versions.

Every record model shares one review workflow (draft → submitted → verified → locked) and one
versioning scheme (a `series` id shared by all versions; exactly one `is_current` version, and at most one
`is_counted` version: the one results use, the latest that reached verified/locked — a correction counts
only once it is verified itself, until then its verified predecessor keeps counting).
Later capabilities (material, waste, water flows …) subclass `ReviewedRecord` to reuse both.
"""
from __future__ import annotations

import calendar
import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    VERIFIED = "verified", _("verified")
    LOCKED = "locked", _("locked")


class Source(models.TextChoices):
    FORM = "form", _("web form")
    EXCEL = "excel", _("Excel")
    CSV = "csv", _("CSV")
    API = "api", _("API")
    DEMO = "demo", _("demo data")


RESULT_STATES = (State.VERIFIED, State.LOCKED)  # the states a counted version is in


class DataSource(models.TextChoices):
    """Where an activity quantity comes from (drives the activity-data uncertainty); empty = unknown."""
    METER = "meter", _("meter")
    INVOICE = "invoice", _("invoice")
    ESTIMATE = "estimate", _("estimate")


def counted_constraint(name: str) -> models.UniqueConstraint:
    """At most one counted version per series (a partial unique index: SQLite and PostgreSQL)."""
    return models.UniqueConstraint(fields=["series"], condition=models.Q(is_counted=True), name=name)


class ImportBatch(OrganisationOwned, TrackedModel):
    """One upload (file, API call or command run) and its result: accepted, or rejected with every problem."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="import_batches")
    file = models.ForeignKey("core.UploadedFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    marked_file = models.ForeignKey("core.UploadedFile", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="the user's workbook with bad cells marked")
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=20, default="activities")  # the kind of reported record (reporting.kinds)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.EXCEL)
    status = models.CharField(max_length=10, choices=Status.choices)
    replace = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"import {self.pk} {self.original_name} ({self.status})"


class ReviewedRecord(OrganisationOwned, TrackedModel):
    """Shared review workflow and versioning of every reported record."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="%(class)ss")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    series = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, db_index=True)
    # the version results use (inventories, KPIs): maintained only by `workflows.count` (see there)
    is_counted = models.BooleanField(default=False, db_index=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason for the change"), blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        abstract = True

    def years(self) -> set[int]:
        return set(range(self.period_start.year, self.period_end.year + 1))


class ActivityRecord(ReviewedRecord):
    """One reported quantity of one activity for one period (dates inclusive)."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="activity_records")
    activity = models.CharField(_("activity"), max_length=64, db_index=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=32)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    meter = models.CharField(_("meter or site"), max_length=100, blank=True)
    data_source = models.CharField(_("data source"), max_length=10, choices=DataSource.choices, blank=True)
    evidence = models.ManyToManyField("core.UploadedFile", blank=True, related_name="+")

    class Meta:
        ordering = ["period_start", "activity", "meter", "pk"]
        indexes = [models.Index(fields=["organisation", "activity", "is_current", "period_start"]),
                   # the completeness matrix's probes (reporting.matrix): every column they read, so that a
                   # factory's month is answered from the index alone
                   models.Index(fields=["organisation", "period_end", "period_start", "is_current", "state"],
                                name="activity_month_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["series"], condition=models.Q(is_current=True), name="uniq_current_activity"),
            counted_constraint("uniq_counted_activity"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="activity_quantity_not_negative"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="activity_period_order"),
        ]

    def __str__(self):
        return f"{self.activity} {self.quantity} {self.unit} {self.period_start}..{self.period_end} v{self.version}"


class ProductionRecord(ReviewedRecord):
    """Production output of one product for one period (in the product's unit)."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="production_records")
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="production_records")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)

    class Meta:
        ordering = ["period_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series"], condition=models.Q(is_current=True), name="uniq_current_production"),
            counted_constraint("uniq_counted_production"),
        ]

    def __str__(self):
        return f"production {self.product_id} {self.quantity} {self.period_start}..{self.period_end} v{self.version}"


class EmployeeRecord(ReviewedRecord):
    """Employees in one month (`month` is the 1st of the month)."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="employee_records")
    month = models.DateField(_("month"))
    employees = models.PositiveIntegerField(_("employees"))

    class Meta:
        ordering = ["month", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series"], condition=models.Q(is_current=True), name="uniq_current_employees"),
            counted_constraint("uniq_counted_employees"),
        ]

    def __str__(self):
        return f"employees {self.employees} {self.month} v{self.version}"

    @property
    def period_start(self) -> dt.date:
        return self.month

    @property
    def period_end(self) -> dt.date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])


class QualityFlag(OrganisationOwned, TrackedModel):
    """A data-quality warning on a record: does not block the import, but must be acknowledged before submitting."""

    class Kind(models.TextChoices):
        YEAR_ON_YEAR = "yoy", _("more than 50 % away from the same month last year")
        MISSING_MONTH = "missing_month", _("a month is missing")
        PEERS = "peers", _("far outside the factory's peers")

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="quality_flags")
    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message_th = models.TextField()
    message_en = models.TextField()
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"flag {self.kind} on {self.record_id}"

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_th


class ReportingCalendar(TrackedModel):
    """The authority's reporting year: one period per month, each with a deadline."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    note = models.TextField(_("note"), blank=True)
    remind_days_before = models.PositiveIntegerField(_("remind this many days before the deadline"), default=5)
    escalate_days_after = models.PositiveIntegerField(_("escalate this many days after the deadline"), default=14)

    class Meta:
        ordering = ["-year"]

    def __str__(self):
        return f"reporting calendar {self.year}"


class ReportingPeriod(TrackedModel):
    calendar = models.ForeignKey(ReportingCalendar, on_delete=models.CASCADE, related_name="periods")
    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    deadline = models.DateField(_("deadline"))

    class Meta:
        ordering = ["year", "month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="uniq_reporting_period")]

    def __str__(self):
        return f"{self.year}-{self.month:02d} due {self.deadline}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


class Reminder(OrganisationOwned):
    """A reminder sent (so the background task sends each one once)."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)  # before | after | escalate
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "organisation", "kind"], name="uniq_reminder")]


class ImportJob(OrganisationOwned):
    """A long import running in the background; progress is read by the page (htmx polling)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.ForeignKey("core.UploadedFile", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, default="activities")  # the kind of reported record (reporting.kinds)
    replace = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    language = models.CharField(max_length=5, default="th")
    status = models.CharField(max_length=10, default="queued")  # queued | running | done | failed
    batch = models.ForeignKey(ImportBatch, null=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class MonthStates(OrganisationOwned):
    """Derived, never edited: per organisation and year, which states its current activity records of
    each month are in — a bit set per month (1 draft, 2 submitted, 4 verified or locked; 0 nothing).
    Kept in step by `reporting.month_states` inside every write of an activity record (the history
    hook), so that the completeness matrix filters 70,000 factories by one indexed row each. No row:
    nothing reported that year."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    m1 = models.PositiveSmallIntegerField(default=0)
    m2 = models.PositiveSmallIntegerField(default=0)
    m3 = models.PositiveSmallIntegerField(default=0)
    m4 = models.PositiveSmallIntegerField(default=0)
    m5 = models.PositiveSmallIntegerField(default=0)
    m6 = models.PositiveSmallIntegerField(default=0)
    m7 = models.PositiveSmallIntegerField(default=0)
    m8 = models.PositiveSmallIntegerField(default=0)
    m9 = models.PositiveSmallIntegerField(default=0)
    m10 = models.PositiveSmallIntegerField(default=0)
    m11 = models.PositiveSmallIntegerField(default=0)
    m12 = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="uniq_month_states")]

    def months(self) -> list[int]:
        return [getattr(self, f"m{m}") for m in range(1, 13)]
