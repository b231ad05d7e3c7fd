"""The review workflow of every reported record (draft → submitted → verified → locked), declared
once for `ReviewedRecord` and inherited by every record kind. See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown.core import history, workflow
from ecotown.core.workflow import Transition

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


REVIEW = workflow.Table("reporting", [
    Transition("submit", (State.DRAFT,), State.SUBMITTED, ReportingAction.SUBMIT, note="submitted",
               guards=(_no_open_flags,), stamps=(_stamp_submitted,), effects=(_tell_results_of_corrections,),
               label=pgettext_lazy("workflow", "submit"),
               wrong_state=gettext_lazy("%(record)s is not a current draft.")),
    Transition("verify", (State.SUBMITTED,), State.VERIFIED, ReportingAction.VERIFY, note="verified",
               stamps=(_stamp_verified, _stamp_counted), effects=(_tell_results,), label=pgettext_lazy("workflow", "verify"),
               wrong_state=gettext_lazy("%(record)s is not submitted.")),
    Transition("return", (State.SUBMITTED,), State.DRAFT, (ReportingAction.VERIFY, ReportingAction.SUBMIT),
               reason_required=True, note="returned: {reason}", stamps=(_clear_submitted,),
               effects=(_tell_results_of_corrections,),
               label=pgettext_lazy("workflow", "send back"), wrong_state=gettext_lazy("Only a submitted record can be sent back."),
               reason_message=gettext_lazy("Say why the record is sent back.")),
    Transition("lock", (State.VERIFIED,), State.LOCKED, ReportingAction.LOCK, note="locked",
               effects=(_tell_results,), label=pgettext_lazy("workflow", "lock")),
], live=lambda r: r.is_current, live_fields=("is_current",), label=label)


def register() -> None:
    workflow.register(ReviewedRecord, REVIEW, state_field="state")
