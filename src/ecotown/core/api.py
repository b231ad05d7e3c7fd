"""Helpers for the app API routers (django-ninja): authentication, the language preference,
paging, problem lists and the shared output schemas (`Out`, `Page[T]`, `Detail`). App routers
import these, never the root `ecotown.api`."""
from __future__ import annotations

from typing import Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict


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


SCHEMA_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "float_parsing": lambda: _("Enter a number."),
    "float_type": lambda: _("Enter a number."),
    "decimal_parsing": lambda: _("Enter a number."),
    "string_type": lambda: _("Enter text."),
    "string_too_long": lambda: _("This text is too long."),
    "bool_parsing": lambda: _("Use true or false."),
    "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "extra_forbidden": lambda: _("This field is not accepted."),
}


def problem_list(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "message_dict"):
        return [{"field": f if f != "__all__" else None, "message": m}
                for f, msgs in exc.message_dict.items() for m in msgs]
    return [{"field": None, "message": m} for m in exc.messages]


def paginate(qs, limit: int, offset: int, serialise) -> dict:
    limit = max(1, min(int(limit or 50), 500))
    offset = max(0, int(offset or 0))
    return {"items": [serialise(o) for o in qs[offset:offset + limit]], "count": qs.count()}


T = TypeVar("T")


class Out(Schema):
    """Base of the output schemas: a body holds exactly the declared fields (an undeclared key is an error,
    so a schema cannot silently drop part of a response)."""

    model_config = ConfigDict(extra="forbid")


class Page(Out, Generic[T]):
    """A list: `{"items": [...], "count": N}` (see `paginate`)."""

    items: list[T]
    count: int


class Detail(Out):
    """`{"detail": message}`: a refusal with one message in the caller's language."""

    detail: str
