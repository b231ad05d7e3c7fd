from __future__ import annotations

import mimetypes
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .history import TrackedModel


class ChangeRecord(models.Model):
    """Who changed what, when, before and after — for every tracked object."""

    ACTIONS = [("create", _("created")), ("update", _("changed")), ("delete", _("deleted"))]

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=ACTIONS)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    changed_fields = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # a workflow transition (ecotown.core.workflow): its event code, e.g. "reporting.verify", and the states
    event = models.CharField(max_length=80, blank=True)  # indexed only where set (see Meta)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id", "at"]),
                   # workflow transitions only: most change records have no event, and a full index on ""
                   # (two on PostgreSQL, with the LIKE one) would be paid by every insert
                   models.Index(fields=["event", "at"], condition=~models.Q(event=""), name="changerecord_event_idx")]
        ordering = ["-at", "-id"]

    @classmethod
    def content_type_for(cls, obj) -> ContentType:
        # Django's own cache: cleared when the database is flushed, unlike a private one
        return ContentType.objects.get_for_model(type(obj))

    @classmethod
    def for_object(cls, obj):
        return cls.objects.filter(content_type=cls.content_type_for(obj), object_id=str(obj.pk)).select_related("actor")

    def diff(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = self.changed_fields if self.changed_fields is not None else sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys]


class OrganisationOwned(models.Model):
    """Abstract: a record that belongs to one organisation.

    Gives the organisation link, `history_organisation_id()` (the organisation whose access rules
    apply to the record's change history) and the default access policy (`access.OrganisationOwnedPolicy`,
    registered for this class in core/policies.py): unless the app registers a more specific policy
    for the model, who may see the organisation may see the record, and who may change the
    organisation may change it. A model that needs other foreign-key
    arguments (related_name, on_delete, null, one-to-one) declares its own `organisation` field.
    """

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="%(class)ss",
                                     verbose_name=_("organisation"))

    class Meta:
        abstract = True

    def history_organisation_id(self):
        return self.organisation_id


class CacheGeneration(models.Model):
    """The generation of one tracked model's data: a random number replaced by every write of it, part of
    the key of every cached value computed from it (ecotown.core.cache)."""

    name = models.CharField(max_length=100, primary_key=True)  # the model's label, e.g. "registry.organisation"
    n = models.BigIntegerField(default=0)


class SiteState(models.Model):
    """Key/value facts about this installation, e.g. the demo mark."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.JSONField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    DEMO = "demo"

    @classmethod
    def is_demo(cls) -> bool:
        return cls.objects.filter(key=cls.DEMO, value=True).exists()


class Notification(models.Model):
    """In-app notification; the same text may also go out by e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title_th = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    body_th = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_th

    def body(self, lang: str) -> str:
        return self.body_en if lang == "en" else self.body_th


def _upload_to(instance, filename):
    return f"org/{instance.organisation_id or 'none'}/{uuid.uuid4().hex}{instance.extension}"


class UploadedFile(OrganisationOwned):
    """A file kept for an organisation (evidence, imports). Served only through access checks."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.original_name

    def guess_type(self):
        return self.content_type or mimetypes.guess_type(self.original_name)[0] or "application/octet-stream"


# --- multi-step workflows (tasks and task states, in the spirit of Wagtail's) ----------------------
# A Workflow is an ordered list of Tasks. Starting it on any object creates a WorkflowState and the
# TaskState of its first task; each task's transitions (approve, reject, request changes) and the
# workflow state's own go through ecotown.core.workflow.transition — see core/workflow.py.


class Workflow(TrackedModel):
    """An ordered list of tasks an object goes through (e.g. certification: application, audit, decision)."""

    code = models.SlugField(max_length=60, unique=True)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    start_action = models.CharField(max_length=40, help_text="access action on the object needed to start it")
    active = models.BooleanField(default=True)

    def __str__(self):
        return self.code


class Task(TrackedModel):
    """One step of a workflow; `action` is the access action on the object that lets a user decide it."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=60)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    action = models.CharField(max_length=40, help_text="access action on the object needed to decide this task")

    class Meta:
        ordering = ["workflow_id", "position"]
        constraints = [models.UniqueConstraint(fields=["workflow", "position"], name="uniq_task_position"),
                       models.UniqueConstraint(fields=["workflow", "code"], name="uniq_task_code")]

    def __str__(self):
        return f"{self.workflow.code}/{self.code}"


class WorkflowState(TrackedModel):
    """One run of a workflow on one object."""

    IN_PROGRESS, NEEDS_CHANGES, APPROVED, REJECTED, CANCELLED = (
        "in_progress", "needs_changes", "approved", "rejected", "cancelled")
    STATUSES = [(IN_PROGRESS, pgettext_lazy("workflow", "in progress")), (NEEDS_CHANGES, pgettext_lazy("workflow", "changes requested")),
                (APPROVED, pgettext_lazy("workflow", "approved")), (REJECTED, pgettext_lazy("workflow", "rejected")), (CANCELLED, pgettext_lazy("workflow", "cancelled"))]

    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="states")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=STATUSES, default=IN_PROGRESS)
    current_task_state = models.ForeignKey("TaskState", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [models.UniqueConstraint(
            fields=["workflow", "content_type", "object_id"], name="uniq_open_workflow_state",
            condition=models.Q(status__in=["in_progress", "needs_changes"]))]

    def __str__(self):
        return f"{self.workflow.code} on {self.content_type.model} {self.object_id} ({self.status})"

    def history_organisation_id(self):
        return self.organisation_id

    @property
    def content_object(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)


class TaskState(TrackedModel):
    """One task of one workflow run: in progress until it is approved, rejected or sent back."""

    IN_PROGRESS, APPROVED, REJECTED, CHANGES_REQUESTED, CANCELLED = (
        "in_progress", "approved", "rejected", "changes_requested", "cancelled")
    STATUSES = [(IN_PROGRESS, pgettext_lazy("workflow", "in progress")), (APPROVED, pgettext_lazy("workflow", "approved")), (REJECTED, pgettext_lazy("workflow", "rejected")),
                (CHANGES_REQUESTED, pgettext_lazy("workflow", "changes requested")), (CANCELLED, pgettext_lazy("workflow", "cancelled"))]

    workflow_state = models.ForeignKey(WorkflowState, on_delete=models.CASCADE, related_name="task_states")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="states")
    status = models.CharField(max_length=20, choices=STATUSES, default=IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.task} ({self.status})"

    def history_organisation_id(self):
        return self.workflow_state.organisation_id


class ReferenceStatus(models.TextChoices):
    OFFICIAL = "official", _("official")
    SECONDARY_VERIFY = "secondary_verify", _("secondary source: verify")
    ILLUSTRATIVE = "illustrative", _("illustrative default")


class ReferenceEdition(TrackedModel):
    """One edition of a reference data file results are computed with (activity catalogue,
    conversions, blends, extra GWP values, KPI definitions; see `ecotown.calc.reference`): one row
    per file content, stored when `ecotown migrate` runs or a result is computed, never edited — new
    content is a new edition. Inventories and assessment results record the editions they used."""

    name = models.CharField(_("name"), max_length=80)
    title_th = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    edition = models.CharField(_("edition"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    url = models.TextField(_("URL"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReferenceStatus.choices)
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    loaded_at = models.DateTimeField(auto_now_add=True)

    HISTORY_EXCLUDE = ("loaded_at",)

    class Meta:
        ordering = ["name", "loaded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["name", "sha256"], name="uniq_reference_content"),
                       models.UniqueConstraint(fields=["name", "edition"], name="uniq_reference_edition")]

    def __str__(self):
        return f"{self.name} {self.edition}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a reference edition is never edited: new content is a new edition")
        return super().save(*args, **kwargs)

    def provenance(self) -> dict:
        """What a result records of the edition it used (kept with the result)."""
        return {"id": self.pk, "name": self.name, "title_th": self.title_th, "title_en": self.title_en,
                "edition": self.edition, "status": self.status, "sha256": self.sha256}


class WorkerHeartbeat(models.Model):
    """One row per running `ecotown worker` process, beaten every few seconds (ecotown.core.worker);
    the pages, `ecotown serve` and /healthz/worker read it to tell whether queued work will run."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(null=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)


class ScheduledRun(models.Model):
    """A scheduled job's run for one day: the unique (job, day) pair is what makes the scheduler
    idempotent — two workers, or a worker restarted the same day, never queue a job twice."""

    job = models.CharField(max_length=64)
    day = models.DateField()
    worker_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="core_scheduled_run_once_a_day")]
        ordering = ["-day", "job"]


class Download(models.Model):
    """A file built in the background for one user (a big export): queued → running → done | failed.
    What builds it is a registered builder (`ecotown.core.downloads`); only its user sees it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting in the queue")
        RUNNING = "running", _("being prepared")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads")
    builder = models.CharField(max_length=60)
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=5, default="th")
    title_th = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    name = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="downloads/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_th
