"""Error codes: one mechanism for services, forms and the API.

Each capability declares its codes as an enum in its own `errors.py`::

    class RegistryError(ErrorCode):
        HAS_CHILDREN = "has_children", _("This organisation still has organisations in it.")

Every member is a stable code (snake_case, the API's `code`) with one English message (named
`%(param)s` placeholders) translated through the project catalogue. A service raises::

    raise RegistryError.HAS_CHILDREN.invalid()                    # not tied to a field
    raise RegistryError.UNKNOWN_PROVINCE.invalid("province", code="99")

which is a Django `ValidationError({field: [ValidationError(message, code=..., params=...)]})`:
forms show it as before, and `problems(exc)` turns it (or a pydantic/ninja schema error, or a
calculator `InputError`) into the one shape `[{"field", "code", "message"}]` with the message in
the caller's (active) language — it is rendered only when read.

Several problems at once: `errs = Problems(); errs.add("field", Code.X, **params); errs.raise_if_any()`.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

#: every enum class declared with ErrorCode, by class name (for the catalogue test and the docs)
REGISTRY: dict[str, type[ErrorCode]] = {}


class ErrorCode(str, enum.Enum):
    """Base of every app's error-code enum: members are `NAME = "code", _("English message")` with
    `_` = gettext_noop (so makemessages finds the msgid); the message is translated when read."""

    def __new__(cls, value: str, msgid: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.msgid = msgid  # the English source text (the catalogue's msgid)
        obj.message = gettext_lazy(msgid)  # rendered in the reader's language when read
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    def __str__(self) -> str:
        return self.value

    @property
    def code(self) -> str:
        return self.value

    def render(self, /, **params) -> str:
        """The message in the active language with PARAMS filled in."""
        text = str(self.message)
        return text % params if params else text

    def error(self, /, **params) -> ValidationError:
        """A field-less Django ValidationError carrying this code (message rendered when read)."""
        return ValidationError(self.message, code=self.value, params=params or None)

    def invalid(self, field: str | None = None, /, **params) -> ValidationError:
        """ValidationError({field: [this error]}); FIELD None means the whole object (`__all__`)."""
        return ValidationError({field or "__all__": [self.error(**params)]})


class Problems:
    """Collect coded problems across fields; raise them all at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str | None, error_code: ErrorCode, /, **params) -> None:
        self.errors.setdefault(field or "__all__", []).append(error_code.error(**params))

    def extend(self, exc: ValidationError, field: str | None = None) -> None:
        """Merge another ValidationError (e.g. from full_clean), keeping its codes; a field-less
        one goes on FIELD."""
        if hasattr(exc, "error_dict"):
            for name, errs in exc.error_dict.items():
                self.errors.setdefault(name, []).extend(errs)
        else:
            self.errors.setdefault(field or "__all__", []).extend(exc.error_list)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def exception(self) -> ValidationError:
        return ValidationError(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.exception()


def _field_text(field: str | None) -> str | None:
    return None if field in (None, "__all__", "") else field


#: Django's own field-validation codes, named as ours (their messages stay Django's, translated)
DJANGO_CODES = {
    "blank": "required",
    "null": "required",
    "max_length": "too_long",
    "invalid_choice": "not_a_choice",
    "unique": "already_exists",
    "unique_together": "already_exists",
}


def _one(field: str | None, err: ValidationError) -> dict:
    message = err.message
    if err.params:
        message = str(message) % err.params
    code = str(err.code or "invalid")
    return {"field": _field_text(field), "code": DJANGO_CODES.get(code, code), "message": str(message)}


def problems(exc: ValidationError) -> list[dict]:
    """A Django ValidationError as `[{"field", "code", "message"}]` in the active language."""
    out: list[dict] = []
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            for err in errs:
                for leaf in err.error_list:
                    out.append(_one(field, leaf))
    else:
        for leaf in exc.error_list:
            out.append(_one(None, leaf))
    return out


# --- calculators (ecotown.calc: Django-free problems with their own Thai/English text) --------

def _calc_lang() -> str:
    from ecotown.core.i18n import ui_lang

    return ui_lang()


def calc_message(problem, where: bool = True) -> str:
    """A calculator Problem in the active language, lazily; WHERE adds its file/line/path."""
    if where:
        return lazy(lambda: problem.format(_calc_lang()), str)()
    return lazy(lambda: problem.message(_calc_lang()), str)()


def calc_error(problem, where: bool = True) -> ValidationError:
    """One calculator Problem as a field-less ValidationError with the calculator's code."""
    return ValidationError(calc_message(problem, where), code=problem.code)


def from_calc(field: str, input_error, *, limit: int | None = None, rewrite=None) -> ValidationError:
    """A calculator InputError as a service ValidationError on FIELD: one coded error per problem
    (the calculator's code; its Thai/English text in the reader's language, with where it is).

    LIMIT keeps the first problems and adds one `more_problems`; REWRITE maps each rendered message
    (e.g. to put the uploaded file's name for a temporary one)."""
    probs = list(input_error.problems)
    shown = probs if limit is None else probs[:limit]
    errs = []
    for p in shown:
        if rewrite is None:
            errs.append(calc_error(p))
        else:
            errs.append(ValidationError(lazy(lambda p=p: rewrite(p.format(_calc_lang())), str)(), code=p.code))
    if len(probs) > len(shown):
        errs.append(CoreError.MORE_PROBLEMS.error(n=len(probs) - len(shown)))
    return ValidationError({field: errs})


def calc_problems(input_error, lang: str) -> list[dict]:
    """A calculator InputError as `[{"path", "code", "message", ...}]` in LANG."""
    return [p.to_dict(lang) for p in input_error.problems]


# --- codes of the whole platform (API status errors and schema errors) ---------------------

class CoreError(ErrorCode):
    """Errors every capability shares: request shape (schema), access, files."""

    # schema and field errors (pydantic error types and Django field codes map onto these)
    REQUIRED = "required", _("This field is required.")
    NOT_A_WHOLE_NUMBER = "not_a_whole_number", _("Enter a whole number.")
    NOT_A_NUMBER = "not_a_number", _("Enter a number.")
    NOT_TEXT = "not_text", _("Enter text.")
    TOO_LONG = "too_long", _("This text is too long.")
    NOT_A_BOOLEAN = "not_a_boolean", _("Use true or false.")
    NOT_A_DATE = "not_a_date", _("Enter a date as YYYY-MM-DD.")
    INVALID_JSON = "invalid_json", _("The request body is not valid JSON.")
    UNKNOWN_FIELD = "unknown_field", _("This field is not accepted.")
    NOT_A_CHOICE = "not_a_choice", _("Choose one of the listed values.")
    ALREADY_EXISTS = "already_exists", _("This already exists.")
    INVALID = "invalid", _("This value is not valid.")
    MORE_PROBLEMS = "more_problems", _("… and %(n)s more problems")
    # status errors of the API
    NOT_FOUND = "not_found", _("Not found.")
    FORBIDDEN = "forbidden", _("You may not do this.")
    NOT_SIGNED_IN = "not_signed_in", _("Sign in first: send a bearer token or use a session.")
    # workflow transitions refused (ecotown.core.workflow; the API answers 409)
    WRONG_STATE = "wrong_state", _("This cannot be done in the current state.")
    REASON_REQUIRED = "reason_required", _("Give a reason.")
    WORKFLOW_RUNNING = "workflow_running", _("This workflow is already running on %(object)s.")
    # attachments (core.services)
    FILE_TOO_LARGE = "file_too_large", _("The file is larger than %(limit)s.")
    FILE_TYPE_NOT_ACCEPTED = "file_type_not_accepted", _(
        "This kind of file is not accepted: use PDF, JPEG, PNG, Excel (.xlsx) or CSV.")
    IMAGE_UNREADABLE = "image_unreadable", _("The image could not be read.")


#: pydantic (django-ninja) error types -> our codes
SCHEMA_CODES: dict[str, CoreError] = {
    "missing": CoreError.REQUIRED,
    "int_parsing": CoreError.NOT_A_WHOLE_NUMBER,
    "int_type": CoreError.NOT_A_WHOLE_NUMBER,
    "int_from_float": CoreError.NOT_A_WHOLE_NUMBER,
    "float_parsing": CoreError.NOT_A_NUMBER,
    "float_type": CoreError.NOT_A_NUMBER,
    "decimal_parsing": CoreError.NOT_A_NUMBER,
    "decimal_type": CoreError.NOT_A_NUMBER,
    "string_type": CoreError.NOT_TEXT,
    "string_too_long": CoreError.TOO_LONG,
    "bool_parsing": CoreError.NOT_A_BOOLEAN,
    "bool_type": CoreError.NOT_A_BOOLEAN,
    "date_from_datetime_parsing": CoreError.NOT_A_DATE,
    "date_parsing": CoreError.NOT_A_DATE,
    "date_type": CoreError.NOT_A_DATE,
    "json_invalid": CoreError.INVALID_JSON,
    "extra_forbidden": CoreError.UNKNOWN_FIELD,
    "enum": CoreError.NOT_A_CHOICE,
    "literal_error": CoreError.NOT_A_CHOICE,
}

_SCHEMA_LOC_SKIP = ("body", "query", "path", "payload", "form", "header", "cookie")


def schema_problems(errors: Iterable[dict]) -> list[dict]:
    """pydantic error dicts (django-ninja's ValidationError.errors) in our shape and language."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in _SCHEMA_LOC_SKIP]
        known = SCHEMA_CODES.get(err.get("type"))
        if known is not None:
            code, message = known.value, known.render()
        else:  # an unmapped pydantic type: keep pydantic's own text, code "invalid"
            code, message = CoreError.INVALID.value, err.get("msg", "") or CoreError.INVALID.render()
        out.append({"field": ".".join(loc) or None, "code": code, "message": message})
    return out


def status_body(error_code: ErrorCode, /, **params) -> dict:
    """The body of a 401/403/404/409: `{"detail": [{"code", "message"}]}`."""
    return {"detail": [{"code": error_code.value, "message": error_code.render(**params)}]}


def find(code: str, *prefer: type[ErrorCode]) -> ErrorCode | None:
    """The member whose code is CODE: first in the PREFER enums, then in every declared enum (in the
    order they were declared). Lets a pipeline render a code another app declared (a record kind's
    own cell checks raise `kinds.Invalid(code)` with a code of the app's own enum)."""
    for cls in (*prefer, *REGISTRY.values()):
        try:
            return cls(code)
        except ValueError:
            continue
    return None


def all_codes() -> list[tuple[str, ErrorCode]]:
    """(enum name, member) for every declared code of every app (apps' errors modules imported)."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("ecotown."):
            try:
                importlib.import_module(f"{config.name}.errors")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.errors":
                    raise
    return [(name, member) for name, cls in sorted(REGISTRY.items()) for member in cls]
