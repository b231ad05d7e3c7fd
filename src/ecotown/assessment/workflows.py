"""Framework versions: draft → published (read-only after). Assessments: in progress → completed when
scored (scoring again keeps it completed). See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown.access import Action
from ecotown.core import history, workflow
from ecotown.core.workflow import Transition

from .models import Assessment, FrameworkVersion


def _stamp_published(ctx, version):
    version.published_at = ctx.at
    version.published_by = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None


def _framework_takes_names(ctx):
    """The framework is named as its latest published version."""
    for version in ctx.objects:
        fw = version.framework
        fw.name_th, fw.name_en = version.name_th, version.name_en
        history.save(ctx.actor, fw, note=f"version {version.version} published")


FRAMEWORK_VERSION = workflow.Table("assessment.framework", [
    Transition("publish", (FrameworkVersion.DRAFT,), FrameworkVersion.PUBLISHED, Action.CHANGE, note="published",
               stamps=(_stamp_published,), effects=(_framework_takes_names,), label=pgettext_lazy("workflow", "publish"),
               wrong_state=gettext_lazy("This version is already published.")),
])

ASSESSMENT = workflow.Table("assessment", [
    Transition("complete", (Assessment.DRAFT, Assessment.COMPLETED), Assessment.COMPLETED, Action.CHANGE,
               note="assessed", label=pgettext_lazy("workflow", "complete")),
])


def register() -> None:
    workflow.register(FrameworkVersion, FRAMEWORK_VERSION, state_field="status")
    workflow.register(Assessment, ASSESSMENT, state_field="status")
