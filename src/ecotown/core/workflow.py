"""One state machine for every object that moves through states.

Each app declares a `Table` of `Transition`s for its model (next to its services) and registers it
in its AppConfig.ready(): `workflow.register(Model, table, state_field="state")`. A table registered
on a base class (e.g. reporting's abstract `ReviewedRecord`) is inherited by its subclasses.

`transition(actor, objects, name, reason="")` is the one way to move objects:
1. who may: `ecotown.access.require(actor, action, obj)` for every object (the access module
   decides: 404 when the object is not visible, 403 when the actor may not act);
2. legal: every object in a from-state (read again from the database), the reason given when the
   transition needs one, the transition's guards satisfied — otherwise `IllegalTransition` (one
   exception class: error codes, messages, the objects concerned) and nothing changes;
3. then, in one transaction: the state set, the stamps run (e.g. `verified_by/verified_at`), one
   `ChangeRecord` per object with the event code (e.g. `reporting.verify`) and from/to state, and the
   effects run once for the objects moved (e.g. `records_changed`, notifications).
`events(model_or_obj, name=None)` answers "what exactly was approved, by whom, when".

Multi-step workflows (Workflow → ordered Tasks; WorkflowState and TaskState per run, in the spirit
of Wagtail's) are at the end of this module; their transitions go through the same `transition()`.

`actor=None` is the trusted operator (command line, demo, background tasks): no access check.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown.core import history
from ecotown.core.errors import CoreError

WRONG_STATE = CoreError.WRONG_STATE
REASON_REQUIRED = CoreError.REASON_REQUIRED
WORKFLOW_RUNNING = CoreError.WORKFLOW_RUNNING


class IllegalTransition(ValidationError):
    """A transition refused as a whole (nothing changed).

    `problems` = [{"code", "message", "field", "object": {"model", "id"} or None}], `objects` the
    objects concerned, `code` the first problem's code. It is a ValidationError (pages that show
    validation messages show these too, with the field as key: `message_dict`); the API answers 409.
    """

    def __init__(self, problems: list[dict], objects: Iterable = ()):
        self.problems = problems
        self.objects = list(objects)
        by_field: dict[str, list[ValidationError]] = {}
        for p in problems:  # each with its code (ecotown.core.errors.problems reads them)
            by_field.setdefault(p["field"] or "__all__", []).append(ValidationError(p["message"], code=p["code"]))
        super().__init__(by_field)
        self.code = problems[0]["code"] if problems else WRONG_STATE

    def as_detail(self) -> list[dict]:
        return [dict(p) for p in self.problems]


def problem(code: str, message: str, obj=None, field: str | None = None) -> dict:
    return {"code": str(code), "message": str(message), "field": field,
            "object": None if obj is None else {"model": obj._meta.label_lower, "id": obj.pk}}


@dataclass
class Context:
    """What a stamp, guard or effect is given."""
    actor: Any
    transition: Transition
    table: Table
    reason: str
    at: Any
    objects: list
    data: dict = field(default_factory=dict)  # extra keyword arguments given to transition()


Guard = Callable[[Context, list], Iterable[tuple[Any, str, str]]]   # -> (obj, code, message) refusals
Stamp = Callable[[Context, Any], None]                              # sets fields of one object before it is saved
Effect = Callable[[Context], None]                                  # after every object is saved


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]                   # from-states
    target: str | None                        # to-state; None: the state stays (a decision that does not move it)
    action: str | tuple[str, ...] | None      # access action(s) on the object (any one suffices); None: only as a
                                              # consequence of another change (`system=True`), never asked by a user
    reason_required: bool = False
    event: str = ""                           # event code; default "<table prefix>.<name>"
    note: str = ""                            # history note; "{reason}" and transition() keywords are filled in
    guards: tuple[Guard, ...] = ()
    stamps: tuple[Stamp, ...] = ()
    effects: tuple[Effect, ...] = ()
    label: Any = ""                           # shown in messages (translatable)
    wrong_state: Any = ""                     # message when an object is not in a from-state; %(object)s or %(record)s
    reason_message: Any = ""                  # message when the reason is missing
    done: Any = ""                            # what happened, for the notification: ngettext_lazy(..., "n");
                                              # empty: the transition notifies nobody
    tell: Who | None = None                   # also told (no action asked: "for your information"), besides
                                              # whoever acts next in the target state
    told: Any = ""                            # the body of what `tell` receives (default: "For your information.")


class Table:
    """The declared transitions of one model (and its subclasses)."""

    def __init__(self, prefix: str, transitions: Iterable[Transition], *, live: Callable[[Any], bool] | None = None,
                 live_fields: tuple[str, ...] = (), label: Callable[[Any], str] = str,
                 next: dict[str, Next] | None = None, subject: Callable[[list], str] | None = None,
                 link: Callable[[list], str] | None = None, related: tuple[str, ...] = ()):
        self.prefix = prefix
        self.transitions = {t.name: t for t in transitions}
        self.live = live                # objects outside it (e.g. old versions) are in no from-state
        self.live_fields = live_fields  # the fields `live` reads (read again from the database with the state)
        self.label = label              # how an object is named in messages
        # who acts next, per state (notifications and "My tasks"; see the end of this module)
        self.next = dict(next or {})  # state -> Next, or a tuple of Next (several people wait on it)
        self.subject = subject          # objects -> what they belong to, in the active language (a notification's title)
        self.link = link                # objects -> the page that shows them (one object: its own page)
        self.related = related          # select_related() for the objects listed as tasks

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def event_code(self, t: Transition) -> str:
        return t.event or f"{self.prefix}.{t.name}"


@dataclass(frozen=True)
class Spec:
    model: type
    table: Table
    state_field: str


_registry: dict[type, Spec] = {}


def register(model: type, table: Table, state_field: str = "state") -> Table:
    _registry[model] = Spec(model, table, state_field)
    return table


def spec_for(model: type) -> Spec:
    for cls in model.__mro__:
        if cls in _registry:
            return _registry[cls]
    raise LookupError(f"no workflow table is registered for {model.__name__}")


def table_for(model_or_obj) -> Table:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return spec_for(model).table


def state_of(obj) -> str:
    return getattr(obj, spec_for(type(obj)).state_field)


def _actions(t: Transition) -> tuple[str, ...]:
    return (t.action,) if isinstance(t.action, str) else tuple(t.action or ())


def may(actor, obj, name: str) -> bool:
    """Whether the actor may ask for this transition of this object (access only, not the state)."""
    from ecotown import access

    t = table_for(obj)[name]
    if t.action is None:
        return False
    return actor is None or any(access.can(actor, a, obj) for a in _actions(t))


def available(actor, obj) -> list[Transition]:
    """The transitions the actor may ask for from the object's current state (for pages and buttons)."""
    spec = spec_for(type(obj))
    state = getattr(obj, spec.state_field)
    live = spec.table.live is None or spec.table.live(obj)
    return [t for t in spec.table.transitions.values()
            if live and state in t.source and t.action is not None and may(actor, obj, t.name)]


def _require(actor, t: Transition, obj, system: bool) -> None:
    from ecotown import access

    if t.action is None:
        if not system:
            raise PermissionDenied(f"{t.name} happens only as a consequence of another change")
        return
    if actor is None:
        return
    actions = _actions(t)
    if not any(access.can(actor, a, obj) for a in actions):
        access.require(actor, actions[0], obj)  # 404 when not visible, else 403
        raise PermissionDenied


def _fresh_states(objs: list, specs: list[Spec]) -> None:
    """Read the states (and the fields `live` reads) again from the database, locked for the transaction,
    so a stale object cannot move from a state it is no longer in."""
    by_model: dict[tuple, list] = {}
    for o, s in zip(objs, specs):
        if o.pk is not None:
            by_model.setdefault((type(o), (s.state_field, *s.table.live_fields)), []).append(o)
    for (model, fields), group in by_model.items():
        rows = {row[0]: row[1:] for row in model._base_manager.select_for_update().filter(
            pk__in=[o.pk for o in group]).values_list("pk", *fields)}
        for o in group:
            for fname, value in zip(fields, rows.get(o.pk, ())):
                setattr(o, fname, value)


def _wrong_state_message(t: Transition, table: Table, obj, spec: Spec) -> str:
    label = table.label(obj)
    if t.wrong_state:
        return str(t.wrong_state) % {"object": label, "record": label}
    display = getattr(obj, f"get_{spec.state_field}_display", None)
    return _("%(object)s: “%(transition)s” is not possible while it is %(state)s.") % {
        "object": label, "transition": t.label or t.name,
        "state": display() if display else getattr(obj, spec.state_field)}


def transition(actor, objects, name: str, reason: str = "", *, note: str | None = None, system: bool = False,
               **data) -> list:
    """Move `objects` (one or many) by the transition `name`; all or nothing. Returns the objects.

    `note` overrides the table's history note; `system=True` allows a transition that happens only as
    a consequence (no access action); other keywords reach the stamps, guards and effects as `ctx.data`.
    """
    objs = [objects] if isinstance(objects, models.Model) else list(objects)
    if not objs:
        return []
    reason = (reason or "").strip()
    with transaction.atomic(), history.batch():
        specs = [spec_for(type(o)) for o in objs]
        for o, s in zip(objs, specs):
            if name not in s.table.transitions:
                raise LookupError(f"{type(o).__name__} has no transition {name!r}")
        for o, s in zip(objs, specs):
            _require(actor, s.table[name], o, system)
        _fresh_states(objs, specs)
        problems: list[dict] = []
        groups: dict[int, tuple[Spec, list]] = {}
        for o, s in zip(objs, specs):
            t = s.table[name]
            live = s.table.live is None or s.table.live(o)
            if not live or getattr(o, s.state_field) not in t.source:
                problems.append(problem(WRONG_STATE, _wrong_state_message(t, s.table, o, s), o, s.state_field))
                continue
            groups.setdefault(id(s.table), (s, []))[1].append(o)
        missing = [s for s in {id(s.table): s for s in specs}.values() if s.table[name].reason_required]
        if missing and not reason:
            t = missing[0].table[name]
            problems.append(problem(REASON_REQUIRED, t.reason_message or _("Give a reason."), None, "reason"))
        now = timezone.now()
        contexts = []
        for s, group in groups.values():
            t = s.table[name]
            ctx = Context(actor=actor, transition=t, table=s.table, reason=reason, at=now, objects=group, data=data)
            for guard in t.guards:
                for o, code, message in guard(ctx, group):
                    problems.append(problem(code, message, o, s.state_field))
            contexts.append((s, ctx))
        if problems:
            raise IllegalTransition(problems, objs)
        for s, ctx in contexts:
            t = ctx.transition
            code = s.table.event_code(t)
            text = note if note is not None else (t.note or t.name).format(reason=reason, **data)
            for o in ctx.objects:
                old = getattr(o, s.state_field)
                new = old if t.target is None else t.target
                setattr(o, s.state_field, new)
                for stamp in t.stamps:
                    stamp(ctx, o)
                history.save(actor, o, text, validate=False, event=(code, old, new))
            for effect in t.effects:
                effect(ctx)
        for s, ctx in contexts:
            t = ctx.transition
            if t.done:
                announce(actor, ctx.objects, t.done, tell=t.tell, told=t.told, state=t.target,
                         reason=ctx.reason if t.reason_required else "")  # (a person's reason, quoted)
    return objs


def events(model_or_obj, name: str | None = None):
    """The transitions recorded for one object or every object of a model (a base class: all its
    concrete subclasses), oldest first, with the actor: ChangeRecords with `event`, `from_state`,
    `to_state`, `actor`, `at`. `name` is a transition name of the model's table ("verify") or an event
    code ("reporting.verify")."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from ecotown.core.models import ChangeRecord

    if isinstance(model_or_obj, models.Model):
        model = type(model_or_obj)
        qs = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                         object_id=str(model_or_obj.pk))
        concrete = [model]
    else:
        model = model_or_obj
        concrete = [m for m in apps.get_models() if issubclass(m, model)]
        qs = ChangeRecord.objects.filter(content_type__in=[ContentType.objects.get_for_model(m) for m in concrete])
    qs = qs.exclude(event="")
    if name is not None:
        if "." in name:
            qs = qs.filter(event=name)
        else:
            codes = set()
            for m in concrete:
                table = table_for(m)
                if name in table.transitions:
                    codes.add(table.event_code(table[name]))
            qs = qs.filter(event__in=codes)
    return qs.select_related("actor").order_by("at", "id")


# --- who acts next: notifications and "My tasks" -----------------------------------------------
#
# Each table declares, per state, who acts next on an object in that state (`Table(next={state: Next(...)})`,
# with a `Who` resolver written in the workflow's own app). From that one declaration:
# - `transition()` tells whoever acts next in the target state (and the transition's `tell`, for their
#   information) — one notification per person summarising the objects, in-app and by e-mail in their
#   language, with a link they may open; never the actor;
# - `announce()` does the same for objects that enter a state without a transition (records saved as
#   drafts, an enquiry sent, a registration requested);
# - `tasks(user)` lists what waits for a user ("My tasks"), and `waiting_label()` says whom an object
#   waits for (the factory's reporting page).
# A candidate becomes a recipient or sees a task only when access lets them see the object and do the
# declared action (`ecotown.access`): the resolvers narrow down, the policies decide.


class Who:
    """Who acts next on objects (the base of the resolvers). `users(objs)` → {object pk: set of user
    ids} (the candidates); `q(p)` → a Q over the objects' model selecting those the principal is a
    candidate for (None: none of them); `member_q(p)` → the objects of organisations `p` belongs to."""

    def users(self, objs) -> dict[Any, set[int]]:
        raise NotImplementedError

    def q(self, p):
        raise NotImplementedError

    def __or__(self, other: Who) -> Who:
        return AnyOf(self, other)


class Members(Who):
    """Active members holding one of `roles` in the object's organisation (`at="organisation"`), in the
    organisation's parent — its estate, port or the authority (`at="parent"`) — or anywhere (`at=None`:
    e.g. every authority officer). `field` is the object's organisation id (a lookup path)."""

    def __init__(self, roles, *, at: str | None = "organisation", field: str = "organisation_id",
                 org_of: Callable[[Any], Any] | None = None):
        self.roles = frozenset(str(r) for r in roles)
        self.at = at
        self.field = field
        self.org_of = org_of or (lambda o: getattr(o, field))

    def users(self, objs) -> dict[Any, set[int]]:
        from ecotown.accounts.models import Membership
        from ecotown.registry.models import Organisation

        memberships = Membership.objects.filter(is_active=True, role__in=self.roles, user__is_active=True)
        if self.at is None:
            everyone = set(memberships.values_list("user_id", flat=True))
            return {o.pk: set(everyone) for o in objs}
        org_ids = {o.pk: self.org_of(o) for o in objs}
        if self.at == "parent":
            parents = dict(Organisation.objects.filter(pk__in=set(org_ids.values()) - {None})
                           .values_list("pk", "parent_id"))
            org_ids = {k: parents.get(v) for k, v in org_ids.items()}
        by_org: dict[int, set[int]] = {}
        for org_id, user_id in memberships.filter(organisation_id__in=set(org_ids.values()) - {None}).values_list(
                "organisation_id", "user_id"):
            by_org.setdefault(org_id, set()).add(user_id)
        return {k: set(by_org.get(v, ())) for k, v in org_ids.items()}

    def q(self, p):
        from django.db.models import Q

        from ecotown.registry.models import Organisation

        ids = sorted(org for org, roles in p.roles.items() if roles & self.roles)
        if not ids:
            return None
        if self.at is None:
            return Q()
        if self.at == "parent":
            if self.field.endswith("_id"):  # through the foreign key: a join, not a subquery of every child
                # organisation (PostgreSQL merged 70,000 organisations by id to find the authority's 74 estates)
                return Q(**{f"{self.field[:-3]}__parent_id__in": ids})
            return Q(**{f"{self.field}__in": Organisation.objects.filter(parent_id__in=ids).values("pk")})
        return Q(**{f"{self.field}__in": ids})


class Person(Who):
    """The user named in a field of the object (`assigned_to`, `user`, `requested_by` …)."""

    def __init__(self, field: str):
        self.field = field

    def users(self, objs) -> dict[Any, set[int]]:
        return {o.pk: {getattr(o, f"{self.field}_id")} - {None} for o in objs}

    def q(self, p):
        from django.db.models import Q

        return Q(**{f"{self.field}_id": p.user_id}) if p.user_id else None


class AnyOf(Who):
    """Everyone any of the resolvers names."""

    def __init__(self, *parts: Who):
        self.parts = parts

    def users(self, objs) -> dict[Any, set[int]]:
        out: dict[Any, set[int]] = {o.pk: set() for o in objs}
        for part in self.parts:
            for k, ids in part.users(objs).items():
                out[k] |= ids
        return out

    def q(self, p):
        qs = [q for q in (part.q(p) for part in self.parts) if q is not None]
        if not qs:
            return None
        out = qs[0]
        for q in qs[1:]:
            out |= q
        return out


@dataclass(frozen=True)
class Next:
    """Who acts next on an object in one state, and what they are asked."""
    who: Who
    action: str | tuple[str, ...] | None = None  # the access action they need (None: seeing the object is enough)
    task: Any = ""            # what they are asked, for task lists: gettext_lazy("Verify")
    asks: Any = ""            # the notification's body: gettext_lazy("They wait for your verification.")
    waiting: Any = ""         # whom the object waits for, to anyone: gettext_lazy("waiting for the estate to verify")
    waiting_own: Any = ""     # … to a member of the object's organisation: gettext_lazy("waiting for your approver")
    due: Callable[[Any], Any] | None = None     # object -> due date (None: no due date)
    group: Callable | None = None  # (user, queryset, next, memo) -> [Item]: tasks grouped (e.g. per organisation and month)
    where: Any = None         # a Q (or model -> Q): of the objects in the state, those that really wait for these
                              # people (inventories with records; drafts sent back)
    what: Callable[[Any], str] | None = None  # how a task names the object (default: the table's label)
    limit: int = 50           # tasks listed one by one: at most this many per state and model


@dataclass
class Item:
    """One entry of a user's task list."""
    kind: str                 # the table's prefix ("reporting", "carbon.inventory" …)
    task: str                 # what to do ("Verify")
    what: str                 # what it is about ("3 records · March 2026", "GHG inventory 2568")
    org: str                  # whose it is
    link: str
    n: int = 1
    counted: bool = False     # `n` records (a group), shown as a count
    due: Any = None           # a date, or None
    key: tuple = ()           # items with the same key are one (their counts add up)
    when: Any = None          # what it is about in time (a record's month): without a due date, oldest first

    @property
    def days_left(self):
        return None if self.due is None else (self.due - timezone.localdate()).days

    @property
    def days_late(self):
        left = self.days_left
        return -left if left is not None and left < 0 else 0


def _may(user, action, obj) -> bool:
    from ecotown import access

    if not access.can(user, "view", obj):
        return False
    if action is None:
        return True
    actions = (action,) if isinstance(action, str) else tuple(action)
    return any(access.can(user, a, obj) for a in actions)


def _in_lang(lang: str, fn: Callable[[], str]) -> str:
    from django.utils import translation

    with translation.override(lang):
        return str(fn())


def announce(actor, objects, done, *, tell: Who | None = None, told="", state: str | None = None,
             n: int | None = None, reason: str = "") -> int:
    """Tell whoever acts next on `objects` (in `state`, default: each object's current state) and whoever
    `tell` names (for their information): one notification per person summarising the objects
    ("Factory One: 12 records submitted"), in-app and by e-mail in the person's language, with a link to
    the page showing them. `done` is what happened (ngettext_lazy with "%(n)s"; `n` overrides the count,
    e.g. rows of an import given as one probe object). Someone who acts next gets only the objects they
    may see and act on; someone told gets a link only when they may open it (`told`: their message).
    A transition's reason is quoted. Never the actor. Returns the number of notifications."""
    from ecotown.accounts.models import User
    from ecotown.core.services import notify

    objs = [objects] if isinstance(objects, models.Model) else list(objects)
    if not objs or not done:
        return 0
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    by_table: dict[int, tuple[Spec, list]] = {}
    for o in objs:
        s = spec_for(type(o))
        by_table.setdefault(id(s.table), (s, []))[1].append(o)
    plans = []   # (table, objects, user id, Next or None)
    wanted: set[int] = set()
    for s, group in by_table.values():
        if s.table.related:
            models.prefetch_related_objects(group, *s.table.related)
        by_state: dict[str, list] = {}
        for o in group:
            by_state.setdefault(state if state is not None else getattr(o, s.state_field), []).append(o)
        for st, members in by_state.items():
            for nxt in _nexts(s.table, st):
                concerned = _where(nxt, members)
                for user_id, got in _invert(nxt.who.users(concerned), concerned).items() if concerned else ():
                    plans.append((s.table, got, user_id, nxt))
                    wanted.add(user_id)
        if tell is not None:
            for user_id, got in _invert(tell.users(group), group).items():
                plans.append((s.table, got, user_id, None))
                wanted.add(user_id)
    wanted.discard(actor_id)
    if not wanted:
        return 0
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)}
    # one notification per person: what they act on first, then what they are told
    per_user: dict[int, dict] = {}
    for table, got, user_id, nxt in plans:
        user = users.get(user_id)
        if user is None:
            continue
        entry = per_user.setdefault(user_id, {"table": table, "act": {}, "told": {}, "next": None})
        if nxt is not None:
            mine = [o for o in got if _may(user, nxt.action, o)]
            if mine:
                entry["act"].update((id(o), o) for o in mine)
                entry["next"] = entry["next"] or nxt
        else:
            entry["told"].update((id(o), o) for o in got)
    sent = 0
    for user_id, entry in per_user.items():
        user, table = users[user_id], entry["table"]
        acting = bool(entry["act"])
        shown = list(entry["act"].values()) if acting else list(entry["told"].values())
        if not shown:
            continue
        linkable = shown if acting else [o for o in shown if _may(user, None, o)]
        count = n if n is not None else len(shown)
        link = table.link(linkable) if (table.link and linkable) else ""

        def title(shown=shown, count=count):
            what = done % {"n": count}
            return f"{table.subject(shown)}: {what}" if table.subject else str(what)

        def body(nxt=entry["next"], acting=acting):
            text = str(nxt.asks or "") if acting else str(told or _("For your information."))
            if reason:
                text = (text + "\n" + _("Reason: %(reason)s") % {"reason": reason}).strip()
            return text

        notify(user, title_th=_in_lang("th", title)[:300], title_en=_in_lang("en", title)[:300],
               body_th=_in_lang("th", body), body_en=_in_lang("en", body), link=link[:300])
        sent += 1
    return sent


def _nexts(table: Table, state) -> tuple[Next, ...]:
    """The declarations of who acts next in a state (one, or several: e.g. a returned draft waits for its
    approver to submit it and for its preparers to correct it)."""
    found = table.next.get(state)
    if found is None:
        return ()
    return tuple(found) if isinstance(found, (tuple, list)) else (found,)


def _where(nxt: Next, objs: list) -> list:
    """Of `objs`, those the declaration's `where` keeps (one query; unsaved objects never match a `where`)."""
    if nxt.where is None:
        return objs
    by_model: dict[type, list] = {}
    for o in objs:
        if o.pk is not None:
            by_model.setdefault(type(o), []).append(o)
    keep: set = set()
    for model, group in by_model.items():
        cond = nxt.where(model) if callable(nxt.where) else nxt.where
        keep |= {(model, pk) for pk in model._base_manager.filter(cond, pk__in=[o.pk for o in group])
                 .values_list("pk", flat=True)}
    return [o for o in objs if (type(o), o.pk) in keep]


def _invert(by_obj: dict[Any, set[int]], objs: list) -> dict[int, list]:
    out: dict[int, list] = {}
    for o in objs:
        for user_id in by_obj.get(o.pk, ()):
            out.setdefault(user_id, []).append(o)
    return out


def _concrete() -> list[tuple[type, Spec]]:
    """Every concrete model with a registered table (a table on an abstract base: its subclasses)."""
    from django.apps import apps

    out = []
    for m in apps.get_models():
        try:
            out.append((m, spec_for(m)))
        except LookupError:
            continue
    return out


def tasks(user, *, limit: int | None = None) -> list[Item]:
    """What waits for `user` in every workflow ("My tasks"), soonest due first: built from the tables'
    `next` declarations (the same that decide who is notified), cut to what access lets the user see and
    do. A constant number of queries: at most one (or one per group) per declared state and model."""
    from ecotown import access

    p = access.principal(user)
    if not p.authenticated:
        return []
    memo: dict = {}
    merged: dict[tuple, Item] = {}
    items: list[Item] = []
    for model, spec in _concrete():
        table = spec.table
        for st, nxt in ((st, n) for st in table.next for n in _nexts(table, st)):
            q = nxt.who.q(p)
            if q is None:
                continue
            qs = model._base_manager.filter(q, **{spec.state_field: st})
            if table.live_fields:
                qs = qs.filter(**{f: True for f in table.live_fields})
            if nxt.where is not None:
                qs = qs.filter(nxt.where(model) if callable(nxt.where) else nxt.where)
            qs = access.visible_rows(user, qs)
            if nxt.group is not None:
                found = nxt.group(user, qs, nxt, memo)
            else:
                found = []
                for o in qs.select_related(*table.related).order_by("pk")[:nxt.limit]:
                    if not _may(user, nxt.action, o):
                        continue
                    found.append(Item(kind=table.prefix, task=str(nxt.task), what=(nxt.what or table.label)(o),
                                      org=table.subject([o]) if table.subject else "",
                                      link=table.link([o]) if table.link else "",
                                      due=nxt.due(o) if nxt.due else None, key=(table.prefix, st, model.__name__, o.pk)))
            for it in found:
                if it.key and it.key in merged:
                    merged[it.key].n += it.n
                    continue
                if it.key:
                    merged[it.key] = it
                items.append(it)
    import datetime as _dt

    items.sort(key=lambda i: (i.due is None, i.due or _dt.date.max, i.when or _dt.date.max, i.kind, i.org, i.what))
    return items[:limit] if limit else items


def waiting_label(user, obj, state: str | None = None) -> str:
    """Whom `obj` (or any object of its table in `state`) waits for, as the user reads it: "waiting for
    you" when the user acts next, the declaration's own wording for a member of the object's
    organisation ("waiting for your approver"), its general wording otherwise; "" when nobody acts next."""
    from ecotown import access

    spec = spec_for(type(obj))
    found = _nexts(spec.table, state if state is not None else getattr(obj, spec.state_field))
    if not found:
        return ""
    nxt = found[0]  # (the first declared: who moves it on)
    p = access.principal(user)
    if getattr(user, "pk", None) in nxt.who.users([obj]).get(obj.pk, set()) and _may(user, nxt.action, obj):
        return _("waiting for you")
    org_id = getattr(obj, "organisation_id", None)
    if nxt.waiting_own and org_id is not None and org_id in p.roles:
        return str(nxt.waiting_own)
    return str(nxt.waiting)


# --- multi-step workflows: Workflow / Task / WorkflowState / TaskState ---------------------------

_listeners: dict[tuple[str, str], list[Callable]] = {}


def listen(workflow_code: str, outcome: str, fn: Callable) -> Callable:
    """Run `fn(ctx, run)` inside the transaction when a run of the workflow ends: outcome "finish"
    (every task approved), "reject" or "cancel". A capability registers here what the outcome means
    for its object (e.g. certification: issue the certificate)."""
    _listeners.setdefault((workflow_code, outcome), [])
    if fn not in _listeners[(workflow_code, outcome)]:
        _listeners[(workflow_code, outcome)].append(fn)
    return fn


def unlisten(workflow_code: str, outcome: str, fn: Callable) -> None:
    if fn in _listeners.get((workflow_code, outcome), []):
        _listeners[(workflow_code, outcome)].remove(fn)


def _organisation_id(obj):
    org_id = getattr(obj, "organisation_id", None)
    if org_id is None and hasattr(obj, "history_organisation_id"):
        org_id = obj.history_organisation_id()
    return org_id


def _new_task_state(actor, run, task):
    from ecotown.core.models import TaskState

    ts = TaskState(workflow_state=run, task=task)
    history.save(actor, ts, f"task {task.code} started", validate=False,
                 event=("workflow.task.start", "", TaskState.IN_PROGRESS))
    run.current_task_state = ts
    history.save(actor, run, f"task {task.code}", validate=False)
    announce(actor, ts, TASK_STARTED)  # whoever decides it is told
    return ts


@transaction.atomic
def start(actor, workflow, obj):
    """Start `workflow` on `obj`: a WorkflowState and the TaskState of the first task. Refused
    (IllegalTransition, code workflow_running) while a run of it on the object is open."""
    from django.contrib.contenttypes.models import ContentType

    from ecotown import access
    from ecotown.core.models import WorkflowState

    if actor is not None:
        access.require(actor, workflow.start_action, obj)
    ct = ContentType.objects.get_for_model(type(obj))
    open_states = (WorkflowState.IN_PROGRESS, WorkflowState.NEEDS_CHANGES)
    if WorkflowState.objects.select_for_update().filter(workflow=workflow, content_type=ct, object_id=str(obj.pk),
                                                        status__in=open_states).exists():
        raise IllegalTransition([problem(WORKFLOW_RUNNING, _("This workflow is already running on %(object)s.") % {
            "object": obj}, obj, "workflow")], [obj])
    tasks = list(workflow.tasks.order_by("position"))
    if not tasks:
        raise ValueError(f"workflow {workflow.code} has no tasks")
    run = WorkflowState(workflow=workflow, content_type=ct, object_id=str(obj.pk), organisation_id=_organisation_id(obj),
                        requested_by=actor if getattr(actor, "is_authenticated", False) else None)
    history.save(actor, run, f"workflow {workflow.code} started", validate=False,
                 event=("workflow.start", "", WorkflowState.IN_PROGRESS))
    _new_task_state(actor, run, tasks[0])
    return run


def _finish_task(ctx: Context, ts) -> None:
    ts.finished_at = ctx.at
    ts.finished_by = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
    ts.comment = ctx.reason


def _after_approve(ctx: Context) -> None:
    for ts in ctx.objects:
        run = ts.workflow_state
        nxt = run.workflow.tasks.filter(position__gt=ts.task.position).order_by("position").first()
        if nxt is not None:
            _new_task_state(ctx.actor, run, nxt)
        else:
            transition(ctx.actor, run, "finish", system=True)


def _run_follows(run_transition: str) -> Effect:
    def effect(ctx: Context) -> None:
        for ts in ctx.objects:
            transition(ctx.actor, ts.workflow_state, run_transition, ctx.reason, system=True)
    return effect


def _end_run(ctx: Context, run) -> None:
    run.finished_at = ctx.at


def _tell(outcome: str) -> Effect:
    def effect(ctx: Context) -> None:
        for run in ctx.objects:
            for fn in list(_listeners.get((run.workflow.code, outcome), [])):
                fn(ctx, run)
    return effect


def _restart_task(ctx: Context) -> None:
    for run in ctx.objects:
        _new_task_state(ctx.actor, run, run.current_task_state.task)


def _cancel_task(ctx: Context) -> None:
    from ecotown.core.models import TaskState

    for run in ctx.objects:
        ts = run.current_task_state
        if ts is not None and ts.status == TaskState.IN_PROGRESS:
            transition(ctx.actor, ts, "cancel", system=True)


def _task_label(ts) -> str:
    return ts.task.name_en if _lang_en() else ts.task.name_th


def _run_label(run) -> str:
    return run.workflow.name_en if _lang_en() else run.workflow.name_th


def _lang_en() -> bool:
    from django.utils import translation

    return (translation.get_language() or "th").startswith("en")


class Deciders(Who):
    """Who decides a task of a multi-step workflow: the nearest people who may do the task's action on the
    object — the members of the object's organisation, else the managers of its estate, else the
    authority's staff (access decides who may)."""

    def users(self, objs) -> dict[Any, set[int]]:
        from ecotown.accounts.models import Membership, User
        from ecotown.accounts.roles import AUTHORITY_ROLES
        from ecotown.registry.models import Organisation

        out = {}
        for ts in objs:
            org_id = ts.workflow_state.organisation_id
            parent = Organisation.objects.filter(pk=org_id).values_list("parent_id", flat=True).first()
            tiers = [Membership.objects.filter(organisation_id=org_id), Membership.objects.filter(
                organisation_id=parent, role="estate_manager"), Membership.objects.filter(role__in=AUTHORITY_ROLES)]
            out[ts.pk] = set()
            for tier in tiers:
                ids = set(tier.filter(is_active=True).values_list("user_id", flat=True))
                able = {u.pk for u in User.objects.filter(pk__in=ids, is_active=True) if _may(u, "decide", ts)}
                if able:
                    out[ts.pk] = able
                    break
        return out

    def q(self, p):
        from django.db.models import Q

        return Q() if p.authenticated else None


def _task_link(objs) -> str:
    from django.urls import reverse

    from ecotown.core.models import TaskState

    run = objs[0] if not isinstance(objs[0], TaskState) else objs[0].workflow_state
    target = run.content_object
    url = getattr(target, "get_absolute_url", None)
    return url() if url else reverse("tasks")


def _task_subject(objs) -> str:
    from ecotown.core.models import TaskState

    run = objs[0].workflow_state if isinstance(objs[0], TaskState) else objs[0]
    return f"{_run_label(run)}: {run.content_object}"


TASK_STARTED = gettext_lazy("a step waits for a decision")


def _register_core() -> None:
    from django.utils.translation import npgettext_lazy

    from ecotown.core.models import TaskState, WorkflowState

    T, W = TaskState, WorkflowState
    register(TaskState, Table("workflow.task", [
        Transition("approve", (T.IN_PROGRESS,), T.APPROVED, "decide", note="approved", stamps=(_finish_task,),
                   effects=(_after_approve,), label=pgettext_lazy("workflow", "approve"),
                   wrong_state=gettext_lazy("%(object)s has already been decided.")),
        Transition("reject", (T.IN_PROGRESS,), T.REJECTED, "decide", reason_required=True, note="rejected: {reason}",
                   stamps=(_finish_task,), effects=(_run_follows("reject"),), label=pgettext_lazy("workflow", "reject"),
                   wrong_state=gettext_lazy("%(object)s has already been decided."),
                   reason_message=gettext_lazy("Say why it is rejected.")),
        Transition("request_changes", (T.IN_PROGRESS,), T.CHANGES_REQUESTED, "decide", reason_required=True,
                   note="changes requested: {reason}", stamps=(_finish_task,),
                   effects=(_run_follows("request_changes"),), label=pgettext_lazy("workflow", "request changes"),
                   wrong_state=gettext_lazy("%(object)s has already been decided."),
                   reason_message=gettext_lazy("Say which changes are needed.")),
        Transition("cancel", (T.IN_PROGRESS,), T.CANCELLED, None, note="cancelled", stamps=(_finish_task,)),
    ], label=_task_label, subject=_task_subject, link=_task_link, related=("task", "workflow_state__workflow"),
        next={T.IN_PROGRESS: Next(Deciders(), "decide", task=gettext_lazy("Decide"),
                                  asks=gettext_lazy("It waits for your decision."),
                                  waiting=gettext_lazy("waiting for a decision"))}), state_field="status")
    register(WorkflowState, Table("workflow", [
        Transition("finish", (W.IN_PROGRESS,), W.APPROVED, None, note="finished", stamps=(_end_run,),
                   effects=(_tell("finish"),), done=npgettext_lazy("notification", "approved", "%(n)s approved", "n"),
                   tell=Person("requested_by")),
        Transition("reject", (W.IN_PROGRESS,), W.REJECTED, None, note="rejected: {reason}", stamps=(_end_run,),
                   effects=(_tell("reject"),), done=npgettext_lazy("notification", "rejected", "%(n)s rejected", "n"),
                   tell=Person("requested_by")),
        Transition("request_changes", (W.IN_PROGRESS,), W.NEEDS_CHANGES, None, note="changes requested: {reason}",
                   done=npgettext_lazy("notification", "changes requested", "changes requested (%(n)s)", "n")),
        Transition("resubmit", (W.NEEDS_CHANGES,), W.IN_PROGRESS, "resubmit", note="resubmitted",
                   effects=(_restart_task,), label=pgettext_lazy("workflow", "resubmit")),
        Transition("cancel", (W.IN_PROGRESS, W.NEEDS_CHANGES), W.CANCELLED, "cancel", note="cancelled",
                   stamps=(_end_run,), effects=(_cancel_task, _tell("cancel")), label=pgettext_lazy("workflow", "cancel")),
    ], label=_run_label, subject=_task_subject, link=_task_link, related=("workflow",),
        next={W.NEEDS_CHANGES: Next(Person("requested_by"), "resubmit", task=gettext_lazy("Make the changes and resubmit"),
                                    asks=gettext_lazy("Make the changes asked for, then resubmit."),
                                    waiting=gettext_lazy("waiting for the changes"))}), state_field="status")

