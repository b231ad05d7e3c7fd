"""Who sees and reports data, who submits, verifies and locks it, who sees completeness."""
from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, decide, principal
from ecotown.accounts.roles import Role

from .models import ImportBatch, ImportJob, MonthStates, QualityFlag, Reminder, ReportingCalendar, ReportingPeriod, ReviewedRecord


class ReportingAction(StrEnum):
    REPORT = "report"      # add or change drafts, import, new versions, acknowledge flags (obj: a record or ImportBatch)
    SUBMIT = "submit"      # draft → submitted
    VERIFY = "verify"      # submitted → verified (and back to draft with a reason)
    LOCK = "lock"          # verified → locked at year end
    COMPLETENESS = "completeness"  # obj-less: may look at completeness anywhere (see completeness_scope)


def _reporters(p: Principal, org) -> bool:
    """Who may put data in for an organisation: its preparers and approvers (a school's coordinator;
    an estate's or port's own manager for the estate itself), and authority staff (bulk loads)."""
    return (
        p.authority_staff
        or p.has_role(org, {Role.FACTORY_PREPARER, Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR})
        or (org.kind in {"estate", "port"} and org.id in p.managed_estates)
    )


class ReportedDataPolicy(OrganisationOwnedPolicy):
    """Reported records of every kind (any subclass of ReviewedRecord), their import batches and
    quality flags: seen with the organisation; reported by its reporters; submitted by its approver
    (coordinator, own estate manager); verified by the estate it is in or the authority — never by
    the reporting organisation itself; locked by the authority administrator."""

    global_actions = frozenset({ReportingAction.COMPLETENESS})

    def can(self, p: Principal, action: str, obj) -> bool:
        org = obj.organisation
        if not decide(p, Action.VIEW, org):
            return False
        if action == Action.VIEW:
            return True
        if action in {ReportingAction.REPORT, Action.CHANGE, Action.ADD}:
            return _reporters(p, org)
        if action == ReportingAction.SUBMIT:
            return p.has_role(org, {Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR}) or (
                org.kind in {"estate", "port"} and org.id in p.managed_estates)
        if action == ReportingAction.VERIFY:
            return p.authority_staff or (org.parent_id is not None and org.parent_id in p.managed_estates)
        if action == ReportingAction.LOCK:
            return p.authority_admin
        return False

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_staff or bool(p.managed_estates)


class CalendarPolicy(Policy):
    """The reporting calendar: read by every signed-in user, set by the authority administrator."""

    def can(self, p: Principal, action: str, obj) -> bool:
        if action == Action.VIEW:
            return p.authenticated
        return p.authority_admin

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs if p.authenticated else qs.none()


class ImportJobPolicy(Policy):
    """A background import is followed by the user who started it, and by no one else."""

    def can(self, p: Principal, action: str, obj) -> bool:
        return p.authenticated and obj.user_id == p.user_id and action == Action.VIEW

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs.filter(user_id=p.user_id) if p.authenticated else qs.none()


class MonthStatesPolicy(OrganisationOwnedPolicy):
    """The derived month states of a factory: seen with the organisation; written only by
    `reporting.month_states` (the history hook)."""

    read_only = True


class ReminderPolicy(OrganisationOwnedPolicy):
    """Reminders sent: seen with the organisation; written only by the reminder task."""

    read_only = True


def completeness_scope(user, qs: QuerySet) -> QuerySet:
    """Of `qs` (estates and ports), those whose completeness the user may see: estate managers
    theirs, authority staff all."""
    p = principal(user)
    if p.authority_staff:
        return qs
    if p.managed_estates:
        return qs.filter(pk__in=p.managed_estates)
    return qs.none()


def can_see_completeness(user, org=None) -> bool:
    """Estate managers (their estates) and authority staff (any) see completeness and escalation lists."""
    p = principal(user)
    if org is None:
        return ReportedDataPolicy().can_without_object(p, ReportingAction.COMPLETENESS)
    return p.authority_staff or org.id in p.managed_estates


POLICIES = {
    ReviewedRecord: ReportedDataPolicy(),
    ImportBatch: ReportedDataPolicy(),
    QualityFlag: ReportedDataPolicy(),
    ReportingCalendar: CalendarPolicy(),
    ReportingPeriod: CalendarPolicy(),
    ImportJob: ImportJobPolicy(),
    Reminder: ReminderPolicy(),
    MonthStates: MonthStatesPolicy(),
}
