"""The one place that decides what a user may see and do.

Every page, htmx partial, API route, export and file download asks here:
- `visible_orgs(user, qs)` / `visible(user, qs)` filter what may be seen;
- `can(user, action, obj)` / `require(user, action, obj)` decide an action;
- `get_or_404(user, qs, **lookup)` fetches one object the user may see (404 otherwise).
A caller who may not see an object gets 404; one who may see it but not act gets 403.

Rules (issue #2): authority staff see everything; an estate manager sees its estate (or port)
and every organisation in it; factory preparers and approvers see their own factory; a school
coordinator sees their school; an auditor sees what a current Assignment gives them; the public
sees only public pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ecotown.accounts.roles import AUTHORITY_ROLES, FACTORY_ROLES, Role


class Action:
    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"
    ADD_CHILD = "add_child"          # obj = the estate/port a new factory, school ... goes into
    ADD_ESTATE = "add_estate"        # obj = None
    MANAGE_MEMBERS = "manage_members"
    APPROVE_REGISTRATION = "approve_registration"
    ADMIN_PEOPLE = "admin_people"    # PDPA export/erase, users
    ADMIN_REFERENCE = "admin_reference"
    ENQUIRY_HANDLE = "handle"        # assign / answer / close an enquiry


@dataclass
class Principal:
    user_id: int | None
    authenticated: bool
    authority_admin: bool = False
    authority_staff: bool = False
    roles: dict[int, set[str]] = field(default_factory=dict)  # org id -> roles held directly
    managed_estates: set[int] = field(default_factory=set)
    own_orgs: set[int] = field(default_factory=set)           # factories, schools, firms
    assigned: set[int] = field(default_factory=set)           # auditor assignments in force

    @property
    def sees_all(self) -> bool:
        return self.authority_staff

    def org_filter(self) -> Q:
        ids = self.own_orgs | self.managed_estates | self.assigned | set(self.roles)
        q = Q(pk__in=ids)
        if self.managed_estates:
            q |= Q(parent_id__in=self.managed_estates)
        return q


ANONYMOUS = Principal(user_id=None, authenticated=False)


def principal(user) -> Principal:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_ecotown_principal", None)
    if cached is not None:
        return cached
    from ecotown.accounts.models import Assignment, Membership

    p = Principal(user_id=user.pk, authenticated=True)
    for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation").only(
        "role", "organisation__id", "organisation__kind"
    ):
        org = m.organisation
        p.roles.setdefault(org.id, set()).add(m.role)
        if m.role in AUTHORITY_ROLES:
            p.authority_staff = True
            p.authority_admin |= m.role == Role.AUTHORITY_ADMIN
        elif m.role == Role.ESTATE_MANAGER:
            p.managed_estates.add(org.id)
        else:
            p.own_orgs.add(org.id)
    today = timezone.localdate()
    if any(Role.AUDITOR in r for r in p.roles.values()):
        p.assigned = set(
            Assignment.objects.filter(auditor=user, valid_from__lte=today, valid_to__gte=today).values_list(
                "organisation_id", flat=True
            )
        )
    user._ecotown_principal = p
    return p


def forget(user) -> None:
    """Drop the cached principal (after memberships change)."""
    if user is not None and hasattr(user, "_ecotown_principal"):
        del user._ecotown_principal


# --- organisations ------------------------------------------------------------------------

def visible_orgs(user, qs: QuerySet | None = None) -> QuerySet:
    from ecotown.registry.models import Organisation

    qs = Organisation.objects.all() if qs is None else qs
    p = principal(user)
    if not p.authenticated:
        return qs.none()
    if p.sees_all:
        return qs
    return qs.filter(p.org_filter())


def _org_visible(p: Principal, org) -> bool:
    if not p.authenticated:
        return False
    if p.sees_all:
        return True
    return (
        org.id in p.roles or org.id in p.own_orgs or org.id in p.managed_estates or org.id in p.assigned
        or (org.parent_id is not None and org.parent_id in p.managed_estates)
    )


def _in_managed_estate(p: Principal, org) -> bool:
    return org.id in p.managed_estates or (org.parent_id is not None and org.parent_id in p.managed_estates)


def _has_role(p: Principal, org, roles) -> bool:
    return bool(p.roles.get(org.id, set()) & set(roles))


def _org_can(p: Principal, action: str, org) -> bool:
    if action == Action.VIEW:
        return _org_visible(p, org)
    if not _org_visible(p, org):
        return False
    if action == Action.CHANGE:
        return (
            p.authority_staff
            or _in_managed_estate(p, org)
            or _has_role(p, org, {Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR})
        )
    if action == Action.DELETE:
        return p.authority_admin
    if action == Action.ADD_CHILD:
        return org.kind in {"estate", "port"} and (p.authority_staff or org.id in p.managed_estates)
    if action == Action.MANAGE_MEMBERS:
        return p.authority_admin or _in_managed_estate(p, org) or _has_role(p, org, {Role.FACTORY_APPROVER})
    if action == Action.APPROVE_REGISTRATION:
        return p.authority_staff or _in_managed_estate(p, org)
    return False


# --- capability sections: each capability decides its own models here, in this one module -----
# (p: Principal, action: str, obj) -> bool; `_org_can(p, action, org)` gives the registry rules.

REPORTING_MODELS: set[str] = {      # section owned by the reporting capability
    "ActivityRecord", "ProductionRecord", "EmployeeRecord", "ImportBatch", "QualityFlag",
    "ReportingCalendar", "ReportingPeriod",
}


class ReportingAction:
    REPORT = "report"      # add or change drafts, import, new versions, acknowledge flags (obj: a record or ImportBatch)
    SUBMIT = "submit"      # draft → submitted
    VERIFY = "verify"      # submitted → verified (and back to draft with a reason)
    LOCK = "lock"          # verified → locked at year end
    COMPLETENESS = "completeness"  # obj: the estate, port or authority looked at


def _reporting_reporters(p: Principal, org) -> bool:
    """Who may put data in for an organisation: its preparers and approvers (a school's coordinator;
    an estate's or port's own manager for the estate itself), and authority staff (bulk loads)."""
    return (
        p.authority_staff
        or _has_role(p, org, {Role.FACTORY_PREPARER, Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR})
        or (org.kind in {"estate", "port"} and org.id in p.managed_estates)
    )


def _reporting_can(p: Principal, action: str, obj) -> bool:
    model = type(obj).__name__
    if model in {"ReportingCalendar", "ReportingPeriod"}:
        if action == Action.VIEW:
            return p.authenticated
        return p.authority_admin
    org = obj.organisation
    if not _org_can(p, Action.VIEW, org):
        return False
    if action == Action.VIEW:
        return True
    if action in {ReportingAction.REPORT, Action.CHANGE, "add"}:
        return _reporting_reporters(p, org)
    if action == ReportingAction.SUBMIT:
        return _has_role(p, org, {Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR}) or (
            org.kind in {"estate", "port"} and org.id in p.managed_estates)
    if action == ReportingAction.VERIFY:
        # the estate (or port) the factory is in, or the authority; never the reporting organisation itself
        return p.authority_staff or (org.parent_id is not None and org.parent_id in p.managed_estates)
    if action == ReportingAction.LOCK:
        return p.authority_admin
    return False


def reporting_can_see_completeness(user, org=None) -> bool:
    """Estate managers (their estates) and authority staff (any) see completeness and escalation lists."""
    p = principal(user)
    if p.authority_staff:
        return True
    if org is None:
        return bool(p.managed_estates)
    return org.id in p.managed_estates


CARBON_MODELS: set[str] = {          # section owned by the carbon capability
    "FactorSet", "Factor", "Inventory", "InventoryLine", "EstateEnergySale", "MonthResult", "EstateResult"}
CARBON_FINALISE = "finalise"          # make an inventory final


def _carbon_can(p: Principal, action: str, obj) -> bool:
    """Factor library: shared sets are read by every signed-in user and added or retired by authority
    staff; a supplier-specific set follows its organisation (view / change as the registry says).
    Inventories and their lines and results follow the organisation: whoever sees it sees them;
    whoever may change it may recompute or choose options; making one final is for authority staff,
    the organisation's approver, or the estate manager for the estate's own inventory."""
    model = type(obj).__name__
    if model == "Factor":
        obj, model = obj.factor_set, "FactorSet"
    if model == "FactorSet":
        if obj.organisation_id is None:
            if action == Action.VIEW:
                return p.authenticated
            return p.authority_staff and action == Action.CHANGE
        return _org_can(p, Action.VIEW if action == Action.VIEW else Action.CHANGE, obj.organisation)
    if model in {"EstateEnergySale", "EstateResult"}:
        org = obj.estate
    elif model in {"Inventory", "InventoryLine", "MonthResult"}:
        org = obj.organisation
    else:
        return False
    if action == Action.VIEW:
        return _org_can(p, Action.VIEW, org)
    if model in {"InventoryLine", "MonthResult", "EstateResult"}:
        return False  # derived: never changed by hand
    if action == Action.CHANGE:
        return _org_can(p, Action.CHANGE, org)
    if action == CARBON_FINALISE and model == "Inventory":
        return _org_visible(p, org) and (
            p.authority_staff or _has_role(p, org, {Role.FACTORY_APPROVER}) or org.id in p.managed_estates)
    return False


ASSESSMENT_MODELS: set[str] = {     # section owned by the assessment capability
    "Framework", "FrameworkVersion", "Assessment", "AssessmentEvidence", "AssessmentResult"}


def _assessment_can(p: Principal, action: str, obj) -> bool:
    """Frameworks: every signed-in user reads published versions; authority staff also see drafts;
    only the authority admin uploads, edits, publishes. Assessments (and their evidence and
    results) follow their organisation: visible to whoever sees it (estate manager: the estate and
    its members; factory users: their factory; auditor: assigned; authority: all; public: none);
    changed by authority staff, the estate manager, or a member of the organisation itself."""
    if not p.authenticated:
        return False
    model = type(obj).__name__
    if model in {"Framework", "FrameworkVersion"}:
        if action == Action.VIEW:
            return model == "Framework" or obj.status == "published" or p.authority_staff
        return p.authority_admin
    org = obj.organisation
    if action == Action.VIEW:
        return _org_can(p, Action.VIEW, org)
    if not _org_can(p, Action.VIEW, org):
        return False
    if action in {Action.CHANGE, Action.DELETE}:
        return p.authority_staff or _in_managed_estate(p, org) or bool(
            p.roles.get(org.id, set()) - {Role.AUDITOR})
    return False


WORKFLOW_MODELS: set[str] = {"Workflow", "Task", "WorkflowState", "TaskState"}  # ecotown.core multi-step workflows


def _workflow_can(user, p: Principal, action: str, obj) -> bool:
    """Workflows and their tasks are reference data (read by the signed-in, defined by the authority
    admin). A workflow run and its task states follow the object they run on: whoever sees the object
    sees them; a task is decided by whoever holds the task's `action` on the object, and a run is
    resubmitted or cancelled by whoever may start the workflow on it."""
    model = type(obj).__name__
    if model in {"Workflow", "Task"}:
        return p.authenticated if action == Action.VIEW else p.authority_admin
    run = obj if model == "WorkflowState" else obj.workflow_state
    target = run.content_object
    if action == Action.VIEW:
        return can(user, Action.VIEW, target)
    needed = run.workflow.start_action if model == "WorkflowState" else obj.task.action
    return can(user, needed, target)


# --- the decision --------------------------------------------------------------------------

def can(user, action: str, obj=None) -> bool:
    p = principal(user)
    if obj is None:
        if action == Action.ADD_ESTATE:
            return p.authority_staff
        if action in {Action.ADMIN_PEOPLE, Action.ADMIN_REFERENCE}:
            return p.authority_admin
        if action == Action.ENQUIRY_HANDLE:
            return p.authority_staff
        return False
    model = type(obj).__name__
    if model in REPORTING_MODELS:
        return _reporting_can(p, action, obj)
    if model in CARBON_MODELS:
        return _carbon_can(p, action, obj)
    if model in ASSESSMENT_MODELS:
        return _assessment_can(p, action, obj)
    if model == "Organisation":
        return _org_can(p, action, obj)
    if model in {"EstateDetail", "FactoryDetail"}:
        return _org_can(p, action, obj.organisation)
    if model in {"Product", "Contact", "UploadedFile", "Membership", "Invitation", "RegistrationRequest"}:
        org = obj.organisation
        if action == Action.VIEW:
            return _org_can(p, Action.VIEW, org)
        if model in {"Membership", "Invitation"}:
            return _org_can(p, Action.MANAGE_MEMBERS, org)
        if model == "RegistrationRequest":
            return _org_can(p, Action.APPROVE_REGISTRATION, org)
        return _org_can(p, Action.CHANGE, org)
    if model == "Enquiry":
        if action == Action.VIEW:
            return p.authority_staff or (p.authenticated and (
                obj.submitted_by_id == p.user_id or (obj.organisation_id is not None and obj.organisation_id in p.roles)))
        return p.authority_staff and action == Action.ENQUIRY_HANDLE
    if model == "Notification":
        return p.authenticated and obj.user_id == p.user_id
    if model in WORKFLOW_MODELS:
        return _workflow_can(user, p, action, obj)
    if model == "User":
        return p.authority_admin or (p.authenticated and obj.pk == p.user_id and action == Action.VIEW)
    return False


def require(user, action: str, obj=None) -> None:
    """Raise Http404 when the user may not see `obj`, PermissionDenied when they may not act."""
    if obj is not None and action != Action.VIEW and not can(user, Action.VIEW, obj):
        raise Http404
    if not can(user, action, obj):
        if action == Action.VIEW:
            raise Http404
        raise PermissionDenied


def visible(user, qs: QuerySet) -> QuerySet:
    """Filter any queryset of a tenant model (one with `organisation` or the Organisation itself)."""
    model = qs.model.__name__
    p = principal(user)
    if model == "Organisation":
        return visible_orgs(user, qs)
    if model == "Enquiry":
        if p.authority_staff:
            return qs
        if not p.authenticated:
            return qs.none()
        return qs.filter(Q(submitted_by_id=p.user_id) | Q(organisation_id__in=set(p.roles)))
    if model == "Notification":
        return qs.filter(user_id=p.user_id) if p.authenticated else qs.none()
    if model in {"ChangeRecord", "WorkflowState", "TaskState"}:  # by the organisation recorded with them
        if p.sees_all:
            return qs
        if not p.authenticated:
            return qs.none()
        from ecotown.registry.models import Organisation

        ids = visible_orgs(user, Organisation.objects.all()).values("pk")
        key = "workflow_state__organisation_id__in" if model == "TaskState" else "organisation_id__in"
        return qs.filter(**{key: ids})
    if not p.authenticated:
        return qs.none()
    if p.sees_all:
        return qs
    from ecotown.registry.models import Organisation

    return qs.filter(organisation__in=Organisation.objects.filter(p.org_filter()))


def get_or_404(user, qs: QuerySet, **lookup):
    obj = visible(user, qs).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
