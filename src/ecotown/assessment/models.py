"""Criteria frameworks as versioned data, self-assessments and their results (with provenance)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned
from ecotown.core.i18n import ui_lang as _lang


class Framework(TrackedModel):
    """A criteria framework (e.g. `ieat-eit`); its content lives in versions."""

    code = models.CharField(_("framework id"), max_length=80, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    applies_to = models.CharField(_("applies to"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    @property
    def name(self) -> str:
        return self.name_en if _lang() == "en" else self.name_th


class FrameworkVersion(TrackedModel):
    """One version of a framework: the YAML text as uploaded (comments kept), validated by
    `ecotown.calc.framework`. Draft → published; a published version is read-only."""

    DRAFT, PUBLISHED = "draft", "published"
    STATUSES = [(DRAFT, _("draft")), (PUBLISHED, _("published"))]

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=80)
    yaml_text = models.TextField()
    content_hash = models.CharField(max_length=80, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=STATUSES, default=DRAFT)
    applies_to = models.CharField(_("applies to"), max_length=20)
    name_th = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    source = models.CharField(max_length=200, blank=True, help_text="shipped file, upload, or edit of a version")
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["framework__code", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["framework", "version"], name="uniq_framework_version")]

    def __str__(self):
        return f"{self.framework.code} {self.version}"

    @property
    def name(self) -> str:
        return self.name_en if _lang() == "en" else self.name_th

    @property
    def applies_to_label(self) -> str:
        """The kinds of organisation the framework assesses, in words (never the code)."""
        from ecotown.registry.models import Kind

        labels = dict(Kind.choices)
        return ", ".join(str(labels.get(k.strip(), k.strip())) for k in self.applies_to.split(",") if k.strip())

    @property
    def is_published(self) -> bool:
        return self.status == self.PUBLISHED

    def parsed(self):
        """The validated `ecotown.calc.framework.Framework` (cached per instance)."""
        cached = getattr(self, "_parsed", None)
        if cached is None or cached[0] != self.yaml_text:  # re-read after the text changed
            from ecotown.calc.framework import load_framework_text

            cached = self._parsed = (self.yaml_text, load_framework_text(self.yaml_text, file=f"{self.framework.code}.yaml"))
        return cached[1]


class Assessment(OrganisationOwned, TrackedModel):
    """A self-assessment of one organisation against one framework version for one year.
    `scenario` distinguishes current and intended performance (EIP)."""

    CURRENT, INTENDED = "current", "intended"
    SCENARIOS = [(CURRENT, _("current performance")), (INTENDED, _("intended performance"))]
    DRAFT, COMPLETED = "draft", "completed"
    STATUSES = [(DRAFT, _("in progress")), (COMPLETED, _("completed"))]

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="assessments")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveIntegerField(_("year"))
    scenario = models.CharField(_("scenario"), max_length=10, choices=SCENARIOS, default=CURRENT)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=DRAFT)
    # {indicator id: value} in the indicator's unit (bool for checklists, int 0-5 for bands)
    values = models.JSONField(default=dict, blank=True)
    # {indicator id: {"source": "kpi"|"manual", "kpi": id, "inputs": {...}, "note": str}}
    sources = models.JSONField(default=dict, blank=True)
    # {level id: [years held]} — the held-levels history used for held_previous_years
    history = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "organisation__name_th", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "framework_version", "year", "scenario"],
                                               name="uniq_assessment")]

    def __str__(self):
        return f"{self.organisation} · {self.framework_version} · {self.year} ({self.scenario})"

    def latest_result(self):
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("results")
        if prefetched is not None:  # lists prefetch the results: no query per assessment
            return max(prefetched, key=lambda r: (r.computed_at, r.id), default=None)
        return self.results.order_by("-computed_at", "-id").first()


class AssessmentEvidence(OrganisationOwned, TrackedModel):
    """An evidence file attached to one indicator's answer."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(max_length=80)
    file = models.ForeignKey("core.UploadedFile", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "id"]

    def __str__(self):
        return f"{self.indicator}: {self.file}"


class AssessmentResult(OrganisationOwned, TrackedModel):
    """The stored outcome of `ecotown.calc.scoring.assess` with its provenance: the framework
    version and content hash, the values and history used, the KPI inputs, the engine."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="+")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    scenario = models.CharField(max_length=10, default=Assessment.CURRENT)
    level = models.CharField(max_length=80, blank=True)
    result = models.JSONField(blank=True)          # AssessmentResult.to_json_dict() — what `ecotown assess` prints
    values = models.JSONField(blank=True)          # the values used
    history = models.JSONField(blank=True)         # the held-years history used
    sources = models.JSONField(blank=True)         # per indicator: kpi/manual and the KPI inputs
    framework_hash = models.CharField(max_length=80)
    engine = models.CharField(max_length=80)
    # editions of the reference data used (KPI definitions, activity catalogue):
    # [{id, name, title_th, title_en, edition, status, sha256}] (ecotown.core.models.ReferenceEdition)
    reference_editions = models.JSONField(default=list, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self):
        return f"{self.assessment} → {self.level or '—'}"
