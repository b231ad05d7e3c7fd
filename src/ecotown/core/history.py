"""Change history: every write to a tracked model goes through here and leaves a ChangeRecord.

`TrackedModel.save()/delete()` and its queryset's bulk operations refuse to run outside
`history.writing()`; the helpers below (`save`, `delete`, `bulk_create`) open it and write the
record. So a service that forgets to record a change fails loudly instead of silently.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from contextlib import contextmanager

from django.db import models, transaction

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("ecotown_history_writing", default=False)


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


def _record(actor, obj: TrackedModel, action: str, before: dict | None, after: dict | None, note: str = ""):
    from ecotown.core.models import ChangeRecord

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
    )


@transaction.atomic
def save(actor, obj: TrackedModel, note: str = "", *, validate: bool = True) -> TrackedModel:
    """Create or update `obj`, recording who did it and what changed. Returns the object."""
    creating = obj._state.adding or obj.pk is None
    before = None
    if not creating:
        old = type(obj).objects.filter(pk=obj.pk).first()
        before = old.snapshot() if old is not None else None
    if validate:
        obj.full_clean()
    with writing():
        obj.save()
    after = obj.snapshot()
    if before == after:
        return obj
    _record(actor, obj, "create" if creating else "update", before, after, note)
    return obj


@transaction.atomic
def delete(actor, obj: TrackedModel, note: str = "") -> None:
    before = obj.snapshot()
    pk = obj.pk
    _record(actor, obj, "delete", before, None, note)
    with writing():
        obj.delete()
    obj.pk = pk


@transaction.atomic
def bulk_create(actor, objs: list[TrackedModel], note: str = "", batch_size: int = 2000) -> list[TrackedModel]:
    """Insert many objects and one ChangeRecord each (used by imports and the demo)."""
    from ecotown.core.models import ChangeRecord

    if not objs:
        return objs
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


def tracked_models():
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TrackedModel)]
