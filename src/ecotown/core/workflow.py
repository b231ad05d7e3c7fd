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


class Table:
    """The declared transitions of one model (and its subclasses)."""

    def __init__(self, prefix: str, transitions: Iterable[Transition], *, live: Callable[[Any], bool] | None = None,
                 live_fields: tuple[str, ...] = (), label: Callable[[Any], str] = str):
        self.prefix = prefix
        self.transitions = {t.name: t for t in transitions}
        self.live = live                # objects outside it (e.g. old versions) are in no from-state
        self.live_fields = live_fields  # the fields `live` reads (read again from the database with the state)
        self.label = label              # how an object is named in messages

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
    with transaction.atomic():
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


def _register_core() -> None:
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
    ], label=_task_label), state_field="status")
    register(WorkflowState, Table("workflow", [
        Transition("finish", (W.IN_PROGRESS,), W.APPROVED, None, note="finished", stamps=(_end_run,),
                   effects=(_tell("finish"),)),
        Transition("reject", (W.IN_PROGRESS,), W.REJECTED, None, note="rejected: {reason}", stamps=(_end_run,),
                   effects=(_tell("reject"),)),
        Transition("request_changes", (W.IN_PROGRESS,), W.NEEDS_CHANGES, None, note="changes requested: {reason}"),
        Transition("resubmit", (W.NEEDS_CHANGES,), W.IN_PROGRESS, "resubmit", note="resubmitted",
                   effects=(_restart_task,), label=pgettext_lazy("workflow", "resubmit")),
        Transition("cancel", (W.IN_PROGRESS, W.NEEDS_CHANGES), W.CANCELLED, "cancel", note="cancelled",
                   stamps=(_end_run,), effects=(_cancel_task, _tell("cancel")), label=pgettext_lazy("workflow", "cancel")),
    ], label=_run_label), state_field="status")
