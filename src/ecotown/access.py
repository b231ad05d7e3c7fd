"""The one place that decides what a user may see and do.

Every page, htmx partial, API route, export and file download asks here:
- `visible_orgs(user, qs)` / `visible(user, qs)` filter what may be seen; `visible_rows(user, qs)` is the
  same cut written as a condition on each row, for a query a selective condition of its own drives (a work
  queue: the records in one workflow state);
- `can(user, action, obj)` / `require(user, action, obj)` decide an action (`obj=None`: an
  object-less action such as "add an estate" or "administer people");
- `get_or_404(user, qs, **lookup)` fetches one object the user may see (404 otherwise);
- `public(qs)` filters to what anyone, signed in or not, may see (published pages).
A caller who may not see an object gets 404; one who may see it but not act gets 403.

The rules themselves live with the apps: each app declares a `Policy` per model in its own
`policies.py` and registers it from its AppConfig.ready() with `access.register({Model: Policy()})`.
A policy registered for a base class (even an abstract one) covers every subclass (resolved
through the MRO). See docs/access.md.

Rules (issue #2): authority staff see everything; an estate manager sees its estate (or port)
and every organisation in it; factory preparers and approvers see their own factory; a school
coordinator sees their school; an auditor sees what a current Assignment gives them; the public
sees only public pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ecotown.accounts.roles import AUTHORITY_ROLES, Role

__all__ = ["Action", "Policy", "OrganisationOwnedPolicy", "Principal", "principal", "forget", "register",
           "policy_for", "object_less_actions", "decide", "can", "require", "visible", "visible_rows", "visible_orgs", "get_or_404", "public",
           "PermissionDenied", "UNGUARDED"]


class Action(StrEnum):
    """Actions every policy understands. An app's own actions are an enum in its policies.py
    (`RegistryAction`, `AccountsAction`, `EnquiryAction`, `ReportingAction`, `CarbonAction` …)."""
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


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

    def rows(self, qs: QuerySet, field: str) -> QuerySet:
        """`qs` cut to the rows whose organisation (`field`) this principal sees, as a condition on each row
        (a correlated EXISTS): the same rows as `field__in=<the organisations seen>`, without building that
        set first, which for an estate manager is every organisation of the estate (10,679 at national
        scale) — SQLite materialises it for every query and then walks the query from it."""
        if not self.authenticated:
            return qs.none()
        if self.sees_all:
            return qs
        from django.db.models import Exists, OuterRef

        from ecotown.registry.models import Organisation

        return qs.filter(Exists(Organisation.objects.filter(self.org_filter(), pk=OuterRef(field))))

    # helpers the policies use to state their rules
    def sees_org(self, org) -> bool:
        if not self.authenticated:
            return False
        if self.sees_all:
            return True
        return (
            org.id in self.roles or org.id in self.own_orgs or org.id in self.managed_estates
            or org.id in self.assigned or (org.parent_id is not None and org.parent_id in self.managed_estates)
        )

    def manages(self, org) -> bool:
        """The organisation is an estate (port) this user manages, or a member of one."""
        return org.id in self.managed_estates or (org.parent_id is not None and org.parent_id in self.managed_estates)

    def has_role(self, org, roles) -> bool:
        return bool(self.roles.get(org.id, set()) & set(roles))


ANONYMOUS = Principal(user_id=None, authenticated=False)


def principal(user) -> Principal:
    if isinstance(user, Principal):
        return user
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


# --- policies -------------------------------------------------------------------------------

class Policy:
    """How the objects of one model (and its subclasses) are seen and acted on.

    Override `can` (an action on one object) and `visible` (a queryset cut to what may be seen);
    list object-less actions in `global_actions` and answer them in `can_without_object`; `public`
    says what anyone may see. Every method gets the `Principal`, never the raw user."""

    global_actions: frozenset[str] = frozenset()

    def can(self, p: Principal, action: str, obj) -> bool:
        return False

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs.none()

    def visible_rows(self, p: Principal, qs: QuerySet) -> QuerySet:
        """The same rows as `visible`, for a query its own conditions drive (override where the cut is
        a set worth not building, as `OrganisationOwnedPolicy` does)."""
        return self.visible(p, qs)

    def can_without_object(self, p: Principal, action: str) -> bool:
        return False

    def public(self, qs: QuerySet) -> QuerySet:
        return qs.none()


class OrganisationOwnedPolicy(Policy):
    """The default for a model that belongs to an organisation: seen by whoever sees the organisation;
    any other action needs `change_action` on the organisation (None: the same action, passed on to
    the organisation's policy). `read_only = True`: derived data, never changed by hand."""

    organisation_field = "organisation"
    change_action: str | None = Action.CHANGE
    read_only = False

    def organisation(self, obj):
        return getattr(obj, self.organisation_field)

    def can(self, p: Principal, action: str, obj) -> bool:
        org = self.organisation(obj)
        if action == Action.VIEW:
            return decide(p, Action.VIEW, org)
        if self.read_only:
            return False
        return decide(p, self.change_action or action, org)

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if not p.authenticated:
            return qs.none()
        if p.sees_all:
            return qs
        from ecotown.registry.models import Organisation

        return qs.filter(**{f"{self.organisation_field}__in": Organisation.objects.filter(p.org_filter())})

    def visible_rows(self, p: Principal, qs: QuerySet) -> QuerySet:
        return p.rows(qs, self.organisation_field)


_POLICIES: dict[type, Policy] = {}
_RESOLVED: dict[type, Policy | None] = {}
_GLOBAL: dict[str, Policy] = {}

# Models of the project's apps that deliberately have no policy, with the reason. Everything else
# (and every model with an `organisation` foreign key, whatever this list says) must have one —
# tests/test_access_coverage.py fails naming the model otherwise.
UNGUARDED: dict[str, str] = {
    "registry.Province": "public reference list (provinces)",
    "registry.TSIC": "public reference list (industry classification)",
    "accounts.ApiToken": "internal: only read by the token check, changed by the token services",
    "core.SiteState": "internal: one row of site-wide state",
    "core.CacheGeneration": "internal: one counter per tracked model, part of the cache keys (core/cache.py)",
    "core.WorkerHeartbeat": "internal: written by `ecotown worker`, read as a yes/no state only",
    "core.ScheduledRun": "internal: one row per scheduled job and day, written by the worker's scheduler",
}


def register(mapping: dict[type, Policy]) -> None:
    """Register `{Model: policy}`; a policy for a base class covers its subclasses."""
    for model, policy in mapping.items():
        if isinstance(policy, type):
            policy = policy()
        if model in _POLICIES and type(_POLICIES[model]) is not type(policy):
            raise ImproperlyConfigured(f"{model.__name__} already has the policy {type(_POLICIES[model]).__name__}")
        _POLICIES[model] = policy
        for action in policy.global_actions:
            owner = _GLOBAL.get(str(action))
            if owner is not None and type(owner) is not type(policy):
                raise ImproperlyConfigured(f"the object-less action {action!r} is already answered by "
                                           f"{type(owner).__name__}")
            _GLOBAL[str(action)] = policy
    _RESOLVED.clear()


def object_less_actions() -> set[str]:
    """The object-less actions some registered policy answers."""
    return set(_GLOBAL)


def policy_for(model: type) -> Policy | None:
    """The policy registered for `model` or its nearest base class (None: none registered)."""
    try:
        return _RESOLVED[model]
    except KeyError:
        pass
    found = next((_POLICIES[k] for k in model.__mro__ if k in _POLICIES), None)
    _RESOLVED[model] = found
    return found


def _policy(model: type) -> Policy:
    pol = policy_for(model)
    if pol is None:
        raise ImproperlyConfigured(f"no access policy for {model.__module__}.{model.__name__}: declare one in "
                                   f"its app's policies.py (see docs/access.md)")
    return pol


# --- the decision ---------------------------------------------------------------------------

def decide(p: Principal, action: str, obj) -> bool:
    """The decision for a principal (what policies call to ask another policy)."""
    pol = policy_for(type(obj))
    return pol is not None and pol.can(p, action, obj)


def can(user, action: str, obj=None) -> bool:
    p = principal(user)
    if obj is None:
        pol = _GLOBAL.get(str(action))
        return pol is not None and pol.can_without_object(p, action)
    return decide(p, action, obj)


def require(user, action: str, obj=None) -> None:
    """Raise Http404 when the user may not see `obj`, PermissionDenied when they may not act."""
    if obj is not None and action != Action.VIEW and not can(user, Action.VIEW, obj):
        raise Http404
    if not can(user, action, obj):
        if action == Action.VIEW:
            raise Http404
        raise PermissionDenied


def visible(user, qs: QuerySet) -> QuerySet:
    """Filter a queryset of any guarded model to what the user may see."""
    return _policy(qs.model).visible(principal(user), qs)


def visible_rows(user, qs: QuerySet) -> QuerySet:
    """`visible`, written as a condition on each row: for a query that its own selective condition drives
    (e.g. "My tasks": the records waiting in one workflow state). The same rows as `visible`
    (tests/web/test_access_rows.py holds every policy to that)."""
    return _policy(qs.model).visible_rows(principal(user), qs)


def visible_orgs(user, qs: QuerySet | None = None) -> QuerySet:
    from ecotown.registry.models import Organisation

    return visible(user, Organisation.objects.all() if qs is None else qs)


def public(qs: QuerySet) -> QuerySet:
    """What anyone may see without signing in (published pages)."""
    return _policy(qs.model).public(qs)


def get_or_404(user, qs: QuerySet, **lookup):
    obj = visible(user, qs).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
