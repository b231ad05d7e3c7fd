"""Helpers for the app API routers (django-ninja): authentication, the language preference,
paging, the shared output schemas (`Out`, `Page[T]`) and the error bodies (`ProblemBody` for a
422, `StatusBody` for a 401/403/404, `ConflictBody` for a 409; built by `ecotown.core.errors`).
App routers import these, never the root `ecotown.api`."""
from __future__ import annotations

from typing import Generic, TypeVar

from django.utils import translation
from ninja import Schema
from ninja.security import HttpBearer, SessionAuth
from pydantic import BaseModel, ConfigDict


def prefer_user_language(request, user) -> None:
    if not request.META.get("HTTP_ACCEPT_LANGUAGE") and user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        from ecotown.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
            prefer_user_language(request, user)
        return user


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user:
            prefer_user_language(request, user)
        return user


def paginate(qs, limit: int, offset: int, serialise, *, on=None) -> dict:
    """One page of `qs` (ordered by an index that serves its order) and the total; with `on` (the tracked
    models the filter reads) the total is counted once per filter and kept until one of them is written
    (ecotown.core.cache)."""
    from ecotown.core import cache

    limit = max(1, min(int(limit or 50), 500))
    offset = max(0, int(offset or 0))
    from ecotown.web.paging import window

    return {"items": [serialise(o) for o in window(qs, offset, offset + limit)],
            "count": cache.count(qs, on=on) if on else qs.count()}


T = TypeVar("T")


class Out(BaseModel):
    """Base of the output schemas: a body holds exactly the declared fields (an undeclared key is an error,
    so a schema cannot silently drop part of a response).

    A plain pydantic model, not `ninja.Schema`: the serialisers hand over dicts, and ninja's Schema
    wraps every value of every item in its attribute getter (a 50-item list took 2–3 ms more that
    way; benchmarks/README.md, registry at national scale)."""

    model_config = ConfigDict(extra="forbid")


class Page(Out, Generic[T]):
    """A list: `{"items": [...], "count": N}` (see `paginate`)."""

    items: list[T]
    count: int


# --- the error bodies (ecotown.core.errors builds them; the root API documents them on every operation)

class Problem(Schema):
    """One problem: the field it is on (null: the whole request), a stable code, the message in the
    caller's language."""

    field: str | None = None
    code: str
    message: str


class ProblemBody(Schema):
    """The body of a 422: `{"detail": [Problem, ...]}`, every problem found at once."""

    detail: list[Problem]


class StatusProblem(Schema):
    """The one problem of a 401, 403 or 404: a stable code and the message."""

    code: str
    message: str


class StatusBody(Schema):
    """The body of a 401, 403 or 404: `{"detail": [StatusProblem]}`."""

    detail: list[StatusProblem]


class ObjectRef(Schema):
    model: str
    id: int


class ConflictProblem(Schema):
    """One reason a workflow transition was refused (ecotown.core.workflow): the object concerned."""

    code: str
    message: str
    field: str | None = None
    object: ObjectRef | None = None


class ConflictBody(Schema):
    """The body of a 409: `{"detail": [ConflictProblem, ...]}` (nothing was changed)."""

    detail: list[ConflictProblem]
