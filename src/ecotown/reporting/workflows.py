"""The review workflow of every reported record (draft → submitted → verified → locked), declared
once for `ReviewedRecord` and inherited by every record kind. See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from ecotown.accounts.roles import Role
from ecotown.core import history, workflow
from ecotown.core.workflow import Members, Next, Transition

from . import kinds
from .models import QualityFlag, ReviewedRecord, State
from .policies import ReportingAction


def label(r) -> str:
    what = getattr(r, "activity", None) or (f"production {r.product_id}" if hasattr(r, "product_id") else "employees")
    return f"{what} {r.period_start.isoformat()}–{r.period_end.isoformat()}"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _no_open_flags(ctx, records):
    """Refused while an activity record has a data-quality flag nobody acknowledged."""
    from .models import ActivityRecord

    ids = [r.pk for r in records if isinstance(r, ActivityRecord)]
    open_flags = set(QualityFlag.objects.filter(record_id__in=ids, acknowledged_at__isnull=True)
                     .values_list("record_id", flat=True)) if ids else set()
    for r in records:
        if isinstance(r, ActivityRecord) and r.pk in open_flags:
            yield r, "open_quality_flag", _("%(record)s has a data-quality flag to acknowledge first.") % {
                "record": label(r)}


def _stamp_submitted(ctx, r):
    r.submitted_at, r.submitted_by = ctx.at, _user(ctx.actor)


def _clear_submitted(ctx, r):
    r.submitted_at, r.submitted_by = None, None


def _stamp_verified(ctx, r):
    r.verified_at, r.verified_by = ctx.at, _user(ctx.actor)


def count(actor, records) -> list:
    """THE one place `is_counted` changes (the version of a series results use): each of `records` —
    versions just verified — becomes its series' counted version, and the version that counted until
    now stops (recorded in its history). Superseding by a draft (amend, a form, an import with replace)
    does not come here: the verified predecessor keeps counting until its successor is verified.
    (Records created directly in verified/locked state — the demo, tests — are new series, counted
    from birth.) The caller saves `records`; returns the versions that stopped counting."""
    by_model: dict[type, list] = {}
    for r in records:
        by_model.setdefault(type(r), []).append(r)
    stopped = []
    for model, recs in by_model.items():
        mine = {r.pk for r in recs}
        for old in (model.objects.select_for_update().filter(series__in={r.series for r in recs}, is_counted=True)
                    .exclude(pk__in=mine).order_by("pk")):
            old.is_counted = False
            successor = next(r for r in recs if r.series == old.series)
            history.save(actor, old, f"no longer counted: version {successor.version} verified", validate=False)
            stopped.append(old)
        for old, successor in _replaced_without_successor(model, recs):
            old.is_counted = False
            history.save(actor, old, f"no longer counted: replaced by record {successor.pk} (verified)", validate=False)
            stopped.append(old)
        for r in recs:
            r.is_counted = True
    return stopped


def _replaced_without_successor(model, recs) -> list[tuple]:
    """Counted versions that an import with "replace" superseded without a new version in their own series
    (one row replacing two records: the row continues the first one's series), paired with the record of
    `recs` that replaces them — same organisation and series key, overlapping period. One query."""
    from django.db.models import Exists, OuterRef

    try:
        spec = kinds.of(recs[0])
    except KeyError:
        return []
    period, keys = spec.period, [att for _code, att in spec.key_fields()]
    lo, hi = min(r.period_start for r in recs), max(r.period_end for r in recs)
    orphans = (model.objects.select_for_update(of=("self",)).filter(
        organisation_id__in={r.organisation_id for r in recs}, is_counted=True, is_current=False,
        **period.overlapping(lo, hi))
        .filter(~Exists(model.objects.filter(series=OuterRef("series"), is_current=True)))
        .exclude(series__in={r.series for r in recs}).order_by("pk"))
    out = []
    for old in orphans:
        for r in recs:
            if (r.organisation_id == old.organisation_id and all(getattr(r, k) == getattr(old, k) for k in keys)
                    and r.period_start <= old.period_end and r.period_end >= old.period_start):
                out.append((old, r))
                break
    return out


def _stamp_counted(ctx, r):
    """(The first record of the transition counts them all: one query per kind of record.)"""
    if "_stopped" not in ctx.data:
        ctx.data["_stopped"] = count(ctx.actor, ctx.objects)


def _tell_results(ctx):
    """The results (inventories, KPIs) are computed from the counted versions. A verified correction
    also changes the years of the version it replaces (its period may differ), and restates them
    when that version was locked."""
    stopped = ctx.data.get("_stopped") or []
    records = list(ctx.objects) + stopped
    reason = f"locked {ctx.data['year']}" if "year" in ctx.data else ctx.transition.note
    kinds.records_changed(records, reason=reason,  # (one call per kind of record)
                          restated=any(o.state == State.LOCKED for o in stopped))


def _tell_results_of_corrections(ctx):
    """A correction of counted data submitted or sent back: the results show its new state among the
    pending corrections (their totals do not change). Records of new series tell nothing."""
    by_model: dict[type, list] = {}
    for r in ctx.objects:
        by_model.setdefault(type(r), []).append(r)
    hits = []
    for model, recs in by_model.items():
        counted = set(model.objects.filter(series__in={r.series for r in recs}, is_counted=True)
                      .values_list("series", flat=True))
        hits += [r for r in recs if r.series in counted]
    if hits:
        kinds.records_changed(hits, reason=ctx.transition.note.split(":")[0])


# --- who acts next (notifications, "My tasks", the months of the reporting page) ----------------------

#: who submits: the organisation's approver (a school's coordinator; an estate's own manager for the estate)
APPROVERS = Members({Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR, Role.ESTATE_MANAGER})
#: who verifies: the managers of the estate (port) the organisation is in; the authority's officers for
#: an estate's or port's own data
VERIFIERS = Members({Role.ESTATE_MANAGER, Role.AUTHORITY_OFFICER}, at="parent")
#: who reported: told when their records are verified or sent back
REPORTERS = Members({Role.FACTORY_PREPARER, Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR})

SAVED = ngettext_lazy("%(n)s record saved as a draft", "%(n)s records saved as drafts", "n")


def subject(records) -> str:
    orgs = {r.organisation_id: r for r in records}
    if len(orgs) == 1:
        return records[0].organisation.name
    return _("%(n)s organisations") % {"n": len(orgs)}


def link(records) -> str:
    """One activity record: its page; records of one organisation: its reporting page for the year (at the
    month when they are of one month); else the user's task list."""
    from django.urls import reverse

    from .models import ActivityRecord

    first = records[0]
    if len(records) == 1 and first.pk and isinstance(first, ActivityRecord):
        return reverse("reporting:record", args=[first.pk])
    if len({r.organisation_id for r in records}) > 1:
        return reverse("tasks")
    months = set()
    for r in records:
        months |= getattr(r, "months", None) or {(r.period_start.year, r.period_start.month)}
    year = min(months)[0] if months else None
    url = reverse("reporting:org", args=[first.organisation_id])
    if year:
        url += f"?year={year}"
    if len(months) == 1:
        url += "#month-%d" % min(months)[1]
    return url


def deadline(r):
    """The reporting calendar's deadline of the record's month."""
    from .services import periods_for

    start = r.period_start
    return periods_for(start.year)[start.month].deadline


def _deadlines(memo: dict, years: set[int]) -> dict:
    """(year, month) -> deadline of the reporting calendar (the default where none is set), one query."""
    from .models import ReportingPeriod
    from .services import default_deadline

    known = memo.setdefault("deadlines", {})
    missing = years - memo.setdefault("deadline_years", set())
    if missing:
        for p in ReportingPeriod.objects.filter(year__in=missing):
            known[(p.year, p.month)] = p.deadline
        for y in missing:
            for m in range(1, 13):
                known.setdefault((y, m), default_deadline(y, m))
        memo["deadline_years"] |= missing
    return known


def by_month(user, qs, nxt, memo) -> list:
    """Tasks of reported records: one per organisation and month (all kinds of records together)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.urls import reverse

    from ecotown.core import dates
    from ecotown.core.i18n import ui_lang

    from .models import EmployeeRecord

    field = "month" if qs.model is EmployeeRecord else "period_start"
    rows = list(qs.annotate(m=TruncMonth(field)).values("organisation_id", "organisation__name_th",
                                                        "organisation__name_en", "m")
                .annotate(n=Count("pk")).order_by("m", "organisation_id")[:200])
    due = _deadlines(memo, {r["m"].year for r in rows}) if nxt.due is not None and rows else {}
    lang = ui_lang()
    out = []
    for r in rows:
        m = r["m"]
        m = m.date() if hasattr(m, "date") and callable(m.date) else m
        out.append(workflow.Item(
            kind="reporting", task=str(nxt.task), what=dates.month_label(m, lang), n=r["n"], counted=True,
            org=r["organisation__name_en"] if lang == "en" else r["organisation__name_th"],
            link=reverse("reporting:org", args=[r["organisation_id"]]) + f"?year={m.year}#month-{m.month}",
            due=due.get((m.year, m.month)), when=m,
            key=("reporting", str(nxt.task), r["organisation_id"], m.year, m.month)))
    return out


def sent_back(model):
    """Drafts that were sent back (a draft with a `reporting.return` event: from a draft the only way on is
    submitting it, and back to a draft only sending it back)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Exists, OuterRef, Q
    from django.db.models.functions import Cast

    from ecotown.core.models import ChangeRecord

    return Q(Exists(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                                object_id=Cast(OuterRef("pk"), output_field=CharField()),
                                                event="reporting.return")))


NEXT = {
    State.DRAFT: (
        Next(APPROVERS, ReportingAction.SUBMIT, task=gettext_lazy("Check and submit"),
             asks=gettext_lazy("They wait for you to check and submit them."),
             waiting=gettext_lazy("waiting for the factory's approver"),
             waiting_own=gettext_lazy("waiting for your approver"), due=deadline, group=by_month),
        Next(Members({Role.FACTORY_PREPARER}), ReportingAction.REPORT, task=gettext_lazy("Correct what was sent back"),
             asks=gettext_lazy("Please correct them and submit them again."), due=deadline, group=by_month,
             where=sent_back)),
    State.SUBMITTED: Next(VERIFIERS, ReportingAction.VERIFY, task=gettext_lazy("Verify"),
                          asks=gettext_lazy("They wait for your verification."),
                          waiting=gettext_lazy("waiting for the estate to verify"),
                          waiting_own=gettext_lazy("waiting for your estate to verify"), group=by_month),
}

REVIEW = workflow.Table("reporting", [
    Transition("submit", (State.DRAFT,), State.SUBMITTED, ReportingAction.SUBMIT, note="submitted",
               guards=(_no_open_flags,), stamps=(_stamp_submitted,), effects=(_tell_results_of_corrections,),
               label=pgettext_lazy("workflow", "submit"),
               wrong_state=gettext_lazy("%(record)s is not a current draft."),
               done=ngettext_lazy("%(n)s record submitted", "%(n)s records submitted", "n")),
    Transition("verify", (State.SUBMITTED,), State.VERIFIED, ReportingAction.VERIFY, note="verified",
               stamps=(_stamp_verified, _stamp_counted), effects=(_tell_results,), label=pgettext_lazy("workflow", "verify"),
               wrong_state=gettext_lazy("%(record)s is not submitted."),
               done=ngettext_lazy("%(n)s record verified", "%(n)s records verified", "n"), tell=REPORTERS,
               told=gettext_lazy("The verified records count in the inventory and the indicators.")),
    Transition("return", (State.SUBMITTED,), State.DRAFT, (ReportingAction.VERIFY, ReportingAction.SUBMIT),
               reason_required=True, note="returned: {reason}", stamps=(_clear_submitted,),
               effects=(_tell_results_of_corrections,),
               label=pgettext_lazy("workflow", "send back"), wrong_state=gettext_lazy("Only a submitted record can be sent back."),
               reason_message=gettext_lazy("Say why the record is sent back."),
               done=ngettext_lazy("%(n)s record sent back", "%(n)s records sent back", "n"), tell=REPORTERS,
               told=gettext_lazy("Please correct them and submit them again.")),
    Transition("lock", (State.VERIFIED,), State.LOCKED, ReportingAction.LOCK, note="locked",
               effects=(_tell_results,), label=pgettext_lazy("workflow", "lock")),
], live=lambda r: r.is_current, live_fields=("is_current",), label=label,
   next=NEXT, subject=subject, link=link, related=("organisation",))


def register() -> None:
    workflow.register(ReviewedRecord, REVIEW, state_field="state")
