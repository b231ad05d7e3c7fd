"""Framework versions: draft → published (read-only after). Assessments: in progress → completed when
scored (scoring again keeps it completed). See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from ecotown.access import Action
from ecotown.accounts.roles import Role
from ecotown.core import history, workflow
from ecotown.core.workflow import Members, Next, Transition

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


def _version_label(v) -> str:
    return f"{v.name_en if _en() else v.name_th} {v.version}"


def _en() -> bool:
    from ecotown.core.i18n import ui_lang

    return ui_lang() == "en"


def _version_link(versions) -> str:
    from django.urls import reverse

    return reverse("assessment:framework_version", args=[versions[0].pk]) if len(versions) == 1 else reverse("tasks")


def _assessment_label(a) -> str:
    from ecotown.core import dates
    from ecotown.core.i18n import ui_lang

    v = a.framework_version
    return f"{v.name_en if _en() else v.name_th} · {dates.year_label(a.year, ui_lang())}"


def _assessment_subject(assessments) -> str:
    orgs = {a.organisation_id for a in assessments}
    return assessments[0].organisation.name if len(orgs) == 1 else _("%(n)s organisations") % {"n": len(orgs)}


def _assessment_link(assessments) -> str:
    from django.urls import reverse

    return reverse("assessment:detail", args=[assessments[0].pk]) if len(assessments) == 1 else reverse("tasks")


#: who answers and scores an organisation's assessment: its approver or coordinator, an estate's own manager
ASSESSORS = Members({Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR, Role.ESTATE_MANAGER})
#: told when it is scored: the organisation's people and its estate's managers
ASSESSED = ASSESSORS | Members({Role.FACTORY_PREPARER}) | Members({Role.ESTATE_MANAGER}, at="parent")
STARTED = ngettext_lazy("assessment started", "%(n)s assessments started", "n")
UPLOADED = ngettext_lazy("framework version uploaded as a draft", "%(n)s framework versions uploaded as drafts", "n")

FRAMEWORK_VERSION = workflow.Table("assessment.framework", [
    Transition("publish", (FrameworkVersion.DRAFT,), FrameworkVersion.PUBLISHED, Action.CHANGE, note="published",
               stamps=(_stamp_published,), effects=(_framework_takes_names,), label=pgettext_lazy("workflow", "publish"),
               wrong_state=gettext_lazy("This version is already published.")),
], label=_version_label, subject=lambda versions: _("Assessment frameworks"), link=_version_link,
   next={FrameworkVersion.DRAFT: Next(Members({Role.AUTHORITY_ADMIN}, at=None), Action.CHANGE,
                                      task=gettext_lazy("Review and publish"),
                                      asks=gettext_lazy("It waits for you to review and publish it."),
                                      waiting=gettext_lazy("waiting for the authority administrator to publish it"))})

ASSESSMENT = workflow.Table("assessment", [
    Transition("complete", (Assessment.DRAFT, Assessment.COMPLETED), Assessment.COMPLETED, Action.CHANGE,
               note="assessed", label=pgettext_lazy("workflow", "complete"),
               done=ngettext_lazy("assessment scored", "%(n)s assessments scored", "n"), tell=ASSESSED,
               told=gettext_lazy("The result is ready to read.")),
], label=_assessment_label, subject=_assessment_subject, link=_assessment_link,
   related=("organisation", "framework_version"),
   next={Assessment.DRAFT: Next(ASSESSORS, Action.CHANGE, task=gettext_lazy("Answer and score"),
                                asks=gettext_lazy("It waits for you to answer the indicators and score it."),
                                waiting=gettext_lazy("waiting for the organisation to answer it"),
                                waiting_own=gettext_lazy("waiting for your approver to answer it"))})


def register() -> None:
    workflow.register(FrameworkVersion, FRAMEWORK_VERSION, state_field="status")
    workflow.register(Assessment, ASSESSMENT, state_field="status")
