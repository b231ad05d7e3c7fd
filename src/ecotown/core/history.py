"""Change history: every write to a tracked model goes through here and leaves a ChangeRecord.

`TrackedModel.save()/delete()` and its queryset's bulk operations refuse to run outside
`history.writing()`; the helpers below (`save`, `delete`, `bulk_create`) open it and write the
record. So a service that forgets to record a change fails loudly instead of silently.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import json
import uuid
from contextlib import contextmanager
from json.encoder import encode_basestring_ascii as _encode_str
from operator import itemgetter

from django.utils.translation import gettext_lazy
from django.db import models, transaction

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("ecotown_history_writing", default=False)

# --- what follows a write: derived tables kept in step, in the same transaction ---------------------
# An app that keeps a summary of a tracked model (reporting's month states of activity records) registers
# `after_write(Model, fn)`; `fn(objs)` is then called after every save, delete and bulk_create of Model
# (objects as written, and for a save the object as it was; a deleted one keeps its fields), inside the writing transaction — so the summary
# commits or rolls back with the change. Inside `batch()` the calls are gathered and made once at its end.
_after: dict[type, list] = {}
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ecotown_history_pending", default=None)


def after_write(model: type, fn) -> None:
    fns = _after.setdefault(model, [])
    if fn not in fns:
        fns.append(fn)


def _written(model: type, objs: list) -> None:
    fns = _after.get(model)
    if not fns or not objs:
        return
    pending = _pending.get()
    if pending is not None:
        pending.setdefault(model, []).extend(objs)
        return
    for fn in fns:
        fn(objs)


@contextmanager
def batch():
    """Gather the after-write calls of the block and make them once, at its end (a workflow moving
    200 records refreshes a summary once, not 200 times). Nested blocks join the outer one."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    for model, objs in pending.items():
        for fn in _after.get(model, []):
            fn(objs)


class UntrackedWrite(RuntimeError):
    """A tracked model was written without going through ecotown.core.history."""


@contextmanager
def writing():
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _guard(model) -> None:
    if not _writing.get():
        raise UntrackedWrite(
            f"{model.__name__} is a tracked model: write it with ecotown.core.history "
            "(save/delete/bulk_create) so that the change is recorded"
        )


class TrackedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _guard(self.model)
        return super().update(**kwargs)

    def delete(self):
        _guard(self.model)
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        _guard(self.model)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        _guard(self.model)
        return super().bulk_update(objs, *args, **kwargs)


class TrackedModel(models.Model):
    """Base class of every registry and workflow model whose changes are recorded.

    Subclasses may set `PERSONAL_FIELDS` (never copied into history snapshots; PDPA) and
    `history_organisation()` (the organisation whose access rules apply to the history rows).
    """

    PERSONAL_FIELDS: tuple[str, ...] = ()
    HISTORY_EXCLUDE: tuple[str, ...] = ("search_text", "updated_at", "created_at")

    objects = TrackedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        _guard(type(self))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _guard(type(self))
        return super().delete(*args, **kwargs)

    def history_organisation_id(self):
        return None

    def snapshot(self) -> dict:
        data = {}
        for field in self._meta.concrete_fields:
            if field.name in self.HISTORY_EXCLUDE:
                continue
            value = getattr(self, field.attname)
            if field.name in self.PERSONAL_FIELDS:
                data[field.name] = "•" if value else ""
                continue
            data[field.name] = _jsonable(value)
        return data


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return None
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return getattr(value, "name", None)
    return value


def _record(actor, obj: TrackedModel, action: str, before: dict | None, after: dict | None, note: str = "",
            event: tuple[str, str, str] | None = None):
    from ecotown.core.models import ChangeRecord

    code, from_state, to_state = event or ("", "", "")

    changed = None
    if before is not None and after is not None:
        changed = sorted(k for k in after if before.get(k) != after.get(k))
    return ChangeRecord.objects.create(
        content_type=ChangeRecord.content_type_for(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation_id=obj.history_organisation_id(),
        before=before,
        after=after,
        changed_fields=changed,
        note=note[:500],
        event=code,
        from_state=from_state,
        to_state=to_state,
    )


@transaction.atomic
def save(actor, obj: TrackedModel, note: str = "", *, validate: bool = True,
         event: tuple[str, str, str] | None = None) -> TrackedModel:
    """Create or update `obj`, recording who did it and what changed. Returns the object.
    `event` = (code, from state, to state) when the change is a workflow transition
    (`ecotown.core.workflow.transition` passes it)."""
    creating = obj._state.adding or obj.pk is None
    before = old = None
    if not creating:
        old = type(obj).objects.filter(pk=obj.pk).first()
        before = old.snapshot() if old is not None else None
    if validate:
        obj.full_clean()
    with writing():
        obj.save()
    after = obj.snapshot()
    _written(type(obj), [obj] if old is None else [old, obj])  # (both: a change may move it to another year)
    if before == after and event is None:
        return obj
    _record(actor, obj, "create" if creating else "update", before, after, note, event)
    return obj


@transaction.atomic
def delete(actor, obj: TrackedModel, note: str = "") -> None:
    before = obj.snapshot()
    pk = obj.pk
    _record(actor, obj, "delete", before, None, note)
    with writing():
        obj.delete()
    obj.pk = pk
    _written(type(obj), [obj])


@transaction.atomic
def bulk_create(actor, objs: list[TrackedModel], note: str = "", batch_size: int = 2000, *,
                fast: bool | None = None) -> list[TrackedModel]:
    """Insert many objects and one ChangeRecord each (used by imports and the demo).

    On SQLite and PostgreSQL, new objects of a plain model (auto primary key, no multi-table
    inheritance, ordinary field types) take a fast path that writes exactly the same rows as the ORM
    path: prepared value tuples inserted in large batches (`INSERT … RETURNING id` on SQLite,
    sequence ids + `COPY` on PostgreSQL) and the ChangeRecords likewise, each snapshot JSON-encoded
    once. `fast=False` forces the ORM path, `fast=True` requires the fast one.
    """
    if not objs:
        return objs
    model = type(objs[0])
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    use_fast = _fast_ok(model, objs, connection) if fast is not False else False
    if fast and not use_fast:
        raise ValueError(f"the fast path cannot write these {model.__name__} objects")
    if use_fast:
        created = []
        for i in range(0, len(objs), batch_size):
            part = objs[i:i + batch_size]
            _fast_insert(connection, model, part)
            _fast_history(connection, actor, part, note)
            created.extend(part)
    else:
        created = _bulk_create_orm(actor, objs, note, batch_size)
    _written(model, created)
    return created


def _bulk_create_orm(actor, objs, note, batch_size):
    from ecotown.core.models import ChangeRecord

    model = type(objs[0])
    with writing():
        created = model.objects.bulk_create(objs, batch_size=batch_size)
    if any(o.pk is None for o in created):  # backends without RETURNING: reload ids
        raise RuntimeError("bulk_create did not return primary keys")
    ct = ChangeRecord.content_type_for(created[0])
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    records = [
        ChangeRecord(
            content_type=ct,
            object_id=str(o.pk),
            object_repr=str(o)[:200],
            action="create",
            actor=actor_obj,
            organisation_id=o.history_organisation_id(),
            before=None,
            after=o.snapshot(),
            note=note[:500],
        )
        for o in created
    ]
    ChangeRecord.objects.bulk_create(records, batch_size=batch_size)
    return created


# --- the fast path of bulk_create ------------------------------------------------------------

_FAST_TYPES = frozenset({
    "CharField", "TextField", "SlugField", "EmailField", "URLField", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
    "BooleanField", "DateField", "DateTimeField", "DecimalField", "FloatField", "UUIDField", "ForeignKey",
    "OneToOneField", "JSONField",
})
_AUTO_TYPES = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})  # what _jsonable returns unchanged
_JSON_AS = {dt.date: dt.date.isoformat, dt.datetime: dt.datetime.isoformat, decimal.Decimal: str, uuid.UUID: str}
_NOTHING = object()
_NO_MEMO = (float, decimal.Decimal)  # equal but written differently (1.0 / 1.00): always prepared


def _fast_ok(model, objs, connection) -> bool:
    if connection.vendor == "sqlite":
        if not connection.features.can_return_rows_from_bulk_insert:  # INSERT … RETURNING: SQLite >= 3.35
            return False
    elif connection.vendor == "postgresql":
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        if not is_psycopg3:  # COPY as psycopg 3 does it
            return False
    else:
        return False
    meta = model._meta
    if meta.parents or meta.proxy or meta.pk is None or meta.pk.get_internal_type() not in _AUTO_TYPES:
        return False
    for f in meta.concrete_fields:
        if f is meta.pk:
            continue
        if f.get_internal_type() not in _FAST_TYPES or f.has_db_default() or getattr(f, "generated", False):
            return False
    return all(type(o) is model and o.pk is None for o in objs)


def _fields(model):
    meta = model._meta
    return [f for f in meta.concrete_fields if f is not meta.pk]


# PostgreSQL column types whose binary COPY takes the values Django prepares for them (psycopg dumps them
# by the column's type): text, varchar, int2/4/8, bool, numeric, date, timestamptz, uuid, jsonb, float4/8
_PG_BINARY_OIDS = frozenset({25, 1043, 21, 23, 20, 16, 1700, 1082, 1184, 2950, 3802, 700, 701})


def _quoted(name: str) -> str:
    return '"%s"' % name.replace('"', '""')


def _pg_binary_types(raw, table: str, columns: list[str]) -> list[int] | None:
    """The columns' type oids when all can be copied in binary (faster), else None (text COPY)."""
    raw.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [_quoted(table)])
    types = dict(raw.fetchall())
    oids = [types.get(c) for c in columns]
    return oids if all(o in _PG_BINARY_OIDS for o in oids) else None


def _sqlite_param_limit(raw) -> int:
    import sqlite3

    try:
        return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except Exception:  # Python < 3.11
        return 999


def _insert_rows(connection, table: str, columns: list[str], rows: list[tuple], pk: str | None) -> list[int]:
    """Insert prepared rows; with `pk` (PostgreSQL: the rows carry no id) the new ids, in row order."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        if connection.vendor == "postgresql":
            ids: list[int] = []
            if pk:
                raw.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                            [qn(table), pk, len(rows)])
                ids = sorted(r[0] for r in raw.fetchall())
                rows = [(i, *r) for i, r in zip(ids, rows)]
                columns = [pk, *columns]
                cols = f"{qn(pk)}, {cols}"
            oids = _pg_binary_types(raw, table, columns)
            with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN" + (" (FORMAT BINARY)" if oids else "")) as copy:
                if oids:
                    copy.set_types(oids)
                write = copy.write_row
                for r in rows:
                    write(r)
            return ids
        # SQLite: as many rows per statement as its parameter limit allows
        ncol = len(columns)
        if not pk:
            raw.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join('?' * ncol)})", rows)
            return []
        per = max(1, min(_sqlite_param_limit(connection.connection), 32766) // ncol)
        one = "(" + ", ".join("?" * ncol) + ")"
        ids = []
        for i in range(0, len(rows), per):
            part = rows[i:i + per]
            raw.execute(f"INSERT INTO {qn(table)} ({cols}) VALUES {', '.join([one] * len(part))} RETURNING {qn(pk)}",
                        [v for r in part for v in r])
            got = sorted(r[0] for r in raw.fetchall())  # AUTOINCREMENT ids grow in insertion order
            if len(got) != len(part):
                raise RuntimeError("the insert did not return one id per row")
            ids.extend(got)
        return ids
    finally:
        raw.close()


_INT_TYPES = frozenset({"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                        "PositiveSmallIntegerField", "PositiveBigIntegerField"}) | _AUTO_TYPES
_TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})


def _preparer(f, connection):
    """(type, converter) for the values a field's get_db_prep_save passes through unchanged or maps trivially
    on this backend — checked against Django's own preparation in tests/web/test_history.py — else None."""
    kind = f.get_internal_type()
    if kind in ("ForeignKey", "OneToOneField"):
        kind = f.target_field.get_internal_type()
    same = None
    if kind in _TEXT_TYPES:
        return str, same
    if kind in _INT_TYPES:  # (psycopg 3 wants its Int2/Int4/Int8 there: Django's preparation stays)
        return (int, same) if connection.vendor == "sqlite" else None
    if kind == "BooleanField":
        return bool, same
    if kind == "DecimalField":
        return decimal.Decimal, same
    if kind == "DateField":
        return dt.date, (same if connection.vendor == "postgresql" else dt.date.isoformat)
    if kind == "UUIDField":
        return uuid.UUID, (same if connection.features.has_native_uuid_field else (lambda u: u.hex))
    return None


def _prepare_column(f, values: list, connection) -> list:
    """Database values of one field for many objects, as `f.get_db_prep_save` gives them (None is NULL for
    every field type here; a value equal to the previous one reuses its preparation)."""
    prep = f.get_db_prep_save
    fast = _preparer(f, connection)
    out = []
    append = out.append
    last_v, last_p = _NOTHING, None
    for v in values:
        if v is None:
            append(None)
            continue
        t = type(v)
        if fast is not None and t is fast[0]:
            append(v if fast[1] is None else fast[1](v))
            continue
        if t is type(last_v) and t not in _NO_MEMO and v == last_v:
            append(last_p)
            continue
        last_v, last_p = v, prep(v, connection)
        append(last_p)
    return out


def _column(objs, dicts, attname) -> list:
    """One attribute of many objects (from their __dict__; getattr when it is not there)."""
    try:
        return list(map(itemgetter(attname), dicts))
    except KeyError:
        return [getattr(o, attname) for o in objs]


def _fast_insert(connection, model, objs: list[TrackedModel]) -> None:
    """The objects' INSERT (pre_save and db preparation as the ORM does them); sets their pk."""
    meta = model._meta
    fields = _fields(model)
    for o in objs:
        if o._state.fields_cache or meta.private_fields:  # related objects given as objects: their ids
            o._prepare_related_fields_for_save(operation_name="bulk_create")
    # auto_now(_add): one moment for the batch, set on every object as the field's pre_save would
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = f.pre_save(objs[0], True)
            for o in objs[1:]:
                setattr(o, f.attname, value)
    dicts = [o.__dict__ for o in objs]
    columns = [_prepare_column(f, _column(objs, dicts, f.attname), connection) for f in fields]
    ids = _insert_rows(connection, meta.db_table, [f.column for f in fields], list(zip(*columns)), meta.pk.column)
    for o, pk in zip(objs, ids):
        o.pk = pk
        o._state.adding = False
        o._state.db = connection.alias


def _json(v) -> str:
    """`json.dumps(v)` (default settings, as Django's JSONField stores), quicker for the usual types."""
    if v is None:
        return "null"
    t = type(v)
    if t is str:
        return _encode_str(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return int.__repr__(v)
    return json.dumps(v)


def _snapshot_texts(model, objs: list[TrackedModel]) -> list[str]:
    """`json.dumps(o.snapshot())` of many objects — the same text, built column by column."""
    if model.snapshot is not TrackedModel.snapshot:  # a model with its own snapshot
        return [json.dumps(o.snapshot()) for o in objs]
    dicts = [o.__dict__ for o in objs]
    columns = []
    for f in model._meta.concrete_fields:
        if f.name in model.HISTORY_EXCLUDE:
            continue
        values = _column(objs, dicts, f.attname)
        if f.name in model.PERSONAL_FIELDS:
            values = ["•" if v else "" for v in values]
        elif not all(type(v) in _PLAIN_TYPES for v in values):
            values = [v if type(v) in _PLAIN_TYPES else _JSON_AS.get(type(v), _jsonable)(v) for v in values]
        key = _encode_str(f.name) + ": "
        texts = []
        last_v, last_t = _NOTHING, ""
        for v in values:
            if type(v) is not type(last_v) or v != last_v or type(v) is float:
                last_v, last_t = v, key + _json(v)
            texts.append(last_t)
        columns.append(texts)
    if not columns:
        return ["{}"] * len(objs)
    return ["{" + ", ".join(parts) + "}" for parts in zip(*columns)]


def _as_is(text: str) -> str:
    return text


def _fast_history(connection, actor, objs: list[TrackedModel], note: str) -> None:
    from django.utils import timezone

    from ecotown.core.models import ChangeRecord

    model = type(objs[0])
    ct_id = ChangeRecord.content_type_for(objs[0]).pk
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    meta = ChangeRecord._meta
    at = meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    note = note[:500]
    texts = _snapshot_texts(model, objs)
    if connection.vendor == "postgresql":  # the JSON text as it is, for the jsonb column
        from psycopg.types.json import Jsonb

        texts = [Jsonb(t, dumps=_as_is) for t in texts]
    rows = [(ct_id, str(o.pk), str(o)[:200], "create", actor_id, at, o.history_organisation_id(), None, after,
             None, note, "", "", "") for o, after in zip(objs, texts)]
    columns = [meta.get_field(n).column for n in ("content_type", "object_id", "object_repr", "action", "actor", "at",
                                                   "organisation_id", "before", "after", "changed_fields", "note",
                                                   "event", "from_state", "to_state")]
    _insert_rows(connection, meta.db_table, columns, rows, None)


def tracked_models():
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TrackedModel)]


# --- reading a change record as a person does ----------------------------------------------------

#: labels of the fields that carry no verbose name of their own (shared by many models)
HISTORY_LABELS = {
    "is_current": gettext_lazy("current version"),
    "is_counted": gettext_lazy("counted in results"),
    "version": gettext_lazy("version"),
    "series": gettext_lazy("series of versions"),
    "supersedes": gettext_lazy("replaces version"),
    "source": gettext_lazy("entered through"),
    "batch": gettext_lazy("import"),
    "created_by": gettext_lazy("created by"),
    "submitted_at": gettext_lazy("submitted at"),
    "submitted_by": gettext_lazy("submitted by"),
    "verified_at": gettext_lazy("verified at"),
    "verified_by": gettext_lazy("verified by"),
    "status": gettext_lazy("status"),
    "note": gettext_lazy("note"),
    "year": gettext_lazy("year"),
    "unit": gettext_lazy("unit"),
    "activity": gettext_lazy("activity"),
    "organisation": gettext_lazy("organisation"),
    "name_th": gettext_lazy("name (Thai)"),
    "name_en": gettext_lazy("name (English)"),
    "totals": gettext_lazy("totals"),
    "final_totals": gettext_lazy("totals when finalised"),
    "finalised_at": gettext_lazy("finalised at"),
    "finalised_by": gettext_lazy("finalised by"),
    "restated_at": gettext_lazy("restated at"),
    "restated_reason": gettext_lazy("reason for the restatement"),
    "computed_at": gettext_lazy("computed at"),
    "pending_corrections": gettext_lazy("corrections awaiting verification"),
    "acknowledged_at": gettext_lazy("acknowledged at"),
    "acknowledged_by": gettext_lazy("acknowledged by"),
    "is_active": gettext_lazy("active"),
    "role": gettext_lazy("role"),
    "user": gettext_lazy("user"),
    "valid_from": gettext_lazy("valid from"),
    "valid_to": gettext_lazy("valid to"),
    "published_at": gettext_lazy("published at"),
    "published_by": gettext_lazy("published by"),
    "decided_at": gettext_lazy("decided at"),
    "decided_by": gettext_lazy("decided by"),
}


def field_label(model, name: str) -> str:
    """A field's verbose name ("area of green space (rai)"), capitalised; the name itself only for a key that
    is no field of the model (an old snapshot)."""
    from django.utils.translation import gettext

    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist or no model
        field = None
    auto = field is None or str(field.verbose_name) == name.replace("_", " ")
    label = str(HISTORY_LABELS[name]) if auto and name in HISTORY_LABELS else (
        gettext(name.replace("_", " ")) if auto else str(field.verbose_name))
    return label[:1].upper() + label[1:]


def display_value(model, name: str, value, lang: str, buddhist_era: bool | None = None) -> str:
    """A stored snapshot value as the reader expects it: choice labels, yes/no, dates and times in Bangkok
    in the reader's era, numbers with separators, a related object by its name."""
    from django.db import models as m
    from django.utils.dateparse import parse_date, parse_datetime

    from ecotown.core import dates, numbers

    if value is None or value == "":
        return "∅"
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001
        field = None
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool) or isinstance(field, m.BooleanField):
        return numbers.yes_no(bool(value))
    if isinstance(field, m.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return dates.format_date(parsed, lang, buddhist_era, with_time=True)
    if isinstance(field, m.DateField) and isinstance(value, str):
        parsed = parse_date(value[:10])
        if parsed is not None:
            return dates.format_date(parsed, lang, buddhist_era)
    if isinstance(field, m.ForeignKey) and value not in (None, ""):
        try:
            related = field.related_model._base_manager.filter(pk=value).first()
        except Exception:  # noqa: BLE001 - a value of another type
            related = None
        if related is None:
            return str(value)
        name = getattr(related, "display_name", None)
        return str((name() if callable(name) else name) or related)
    if isinstance(field, (m.DecimalField, m.FloatField)) or (isinstance(value, float)):
        try:
            return numbers.quantity(value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(field, m.JSONField) or isinstance(value, (dict, list)):
        from django.utils.translation import gettext

        return gettext("(details)")
    return str(value)


def readable_diff(record, lang: str, buddhist_era: bool | None = None) -> list[tuple[str, str, str]]:
    """[(field label, before, after)] of an update, in the reader's language."""
    model = record.content_type.model_class()
    return [(field_label(model, k), display_value(model, k, b, lang, buddhist_era),
             display_value(model, k, a, lang, buddhist_era)) for k, b, a in record.diff()]


def event_label(record) -> str:
    """The workflow transition of a change record in words ("ส่งข้อมูล" / "submit"), not its event code."""
    from ecotown.core import workflow

    if not record.event:
        return ""
    model = record.content_type.model_class()
    try:
        table = workflow.table_for(model)
    except Exception:  # noqa: BLE001 - no workflow for the model (any more)
        table = None
    if table is not None:
        for t in table.transitions.values():
            if table.event_code(t) == record.event:
                return str(t.label or t.name.replace("_", " "))
    return record.event.rsplit(".", 1)[-1].replace("_", " ")


#: notes the system writes in English into a change record, read back in the reader's language:
#: (pattern of the stored note, message with the pattern's named groups)
SYSTEM_NOTES = [
    (r"no longer counted: version (?P<v>\d+) verified",
     gettext_lazy("no longer counted: version %(v)s verified")),
    (r"no longer counted: replaced by record (?P<id>\d+) \(verified\)",
     gettext_lazy("no longer counted: replaced by record %(id)s (verified)")),
]


def display_note(note: str) -> str:
    """A change record's note as the reader reads it: a system note translated, a person's note as written."""
    import re

    for pattern, message in SYSTEM_NOTES:
        m = re.fullmatch(pattern, note or "")
        if m:
            return str(message) % m.groupdict()
    return note
