"""Personal data (Thailand's PDPA): where it is, how long it is kept, export and erasure.

Each model holding personal data declares it next to its fields::

    PERSONAL_FIELDS = ("name", "email", "phone")      # never copied into change history
    PERSONAL_DATA = PersonalData(
        key="contacts", match=Match(email="email"),
        export=[("organisation", "organisation.name_en"), "name", "position", "email", "phone"],
        erase={"name": "[erased]", "email": "", "phone": ""},
        retention=_("while the organisation is registered; erased on request"))

`export_person`, `erase_person` and `apply_retention` walk over every installed model's
declaration; a new capability (grievances, school coordinators …) adds its own by declaring.
No names of minors are stored anywhere: schools report counts, not pupils.
"""
from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import override

from ecotown.core import history

ERASED = "[erased]"
ERASED_EMAIL = "erased@invalid.invalid"
SELF = "self"  # Match(user=SELF): the model is the user itself


@dataclass(frozen=True)
class Match:
    """How one person's rows are found: a path to their user (`SELF` for the user model itself)
    and/or an e-mail field compared case-insensitively. Either one is enough."""

    user: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class PersonalData:
    """How a model's personal data is exported, erased and kept.

    key        the name of the model's part in the export (and in the erasure counts)
    match      how a person's rows are found
    export     fields to export: "field", or ("name in the export", "path.to.value")
    erase      field -> replacement value, or a callable(obj) giving it; empty: rows are exported
               only (they hold no personal value of their own, e.g. a membership)
    retention  the retention rule, for people (shown on the personal-data page and in the docs)
    expired    optional callable(now) -> Q of rows whose retention has run out (`apply_retention`)
    after_erase optional callable(obj) run after an erased row is saved (e.g. revoke API tokens)
    purpose    why the data is collected, for the notice shown where people give it (see `notice`)
    """

    key: str
    match: Match
    export: Sequence[str | tuple[str, str]]
    retention: str
    erase: dict[str, object] = field(default_factory=dict)
    expired: Callable[[dt.datetime], Q] | None = None
    after_erase: Callable[[Model], None] | None = None
    purpose: str = ""

    # --- used by the functions below ---------------------------------------------------------------------

    def query(self, user=None, email: str = "") -> Q | None:
        found = []
        if user is not None and self.match.user:
            found.append(Q(pk=user.pk) if self.match.user == SELF else Q(**{self.match.user: user}))
        if email and self.match.email:
            found.append(Q(**{f"{self.match.email}__iexact": email}))
        return reduce(operator.or_, found) if found else None

    def export_row(self, obj) -> dict:
        out = {}
        for item in self.export:
            name, path = (item, item) if isinstance(item, str) else item
            value = obj
            for part in path.split("."):
                value = getattr(value, part)
            out[name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
        return out

    def select_related(self) -> list[str]:
        paths = [item if isinstance(item, str) else item[1] for item in self.export]
        return sorted({p.rsplit(".", 1)[0].replace(".", "__") for p in paths if "." in p})

    def erased_already(self) -> Q:
        """Rows whose personal fields already hold their constant replacements."""
        return Q(**{f: v for f, v in self.erase.items() if not callable(v)})

    def anonymise(self, obj) -> None:
        for name, value in self.erase.items():
            setattr(obj, name, value(obj) if callable(value) else value)


def declarations() -> list[tuple[type[Model], PersonalData]]:
    """Every installed model's declaration, in the order of INSTALLED_APPS."""
    from django.apps import apps

    out = []
    for model in apps.get_models():
        decl = getattr(model, "PERSONAL_DATA", None)
        if decl is not None and not model._meta.proxy:
            out.append((model, decl))
    return out


@dataclass(frozen=True)
class Notice:
    """What a form that collects personal data tells the person (PDPA section 23): what is collected,
    why, how long it is kept, and their rights — read from the model's declaration."""

    fields: list[str]
    purpose: str
    retention: str


def notice(model: type[Model]) -> Notice:
    """The notice of a model's declaration (field names in the reader's language)."""
    decl: PersonalData = model.PERSONAL_DATA
    names = [str(model._meta.get_field(f).verbose_name) for f in getattr(model, "PERSONAL_FIELDS", ())]
    return Notice(fields=names, purpose=str(decl.purpose), retention=str(decl.retention))


def retention_rules() -> list[tuple[str, str]]:
    """(what, rule) for people: the kind of record and how long its personal data is kept."""
    return [(str(model._meta.verbose_name), str(decl.retention)) for model, decl in declarations()]


def _erase(actor, decl: PersonalData, objs, note: str) -> int:
    """Anonymise and save each object (through the history for tracked models); how many."""
    n = 0
    for obj in objs:
        decl.anonymise(obj)
        if isinstance(obj, history.TrackedModel):
            history.save(actor, obj, note, validate=False)
        else:
            obj.save()
        if decl.after_erase:
            decl.after_erase(obj)
        n += 1
    return n


def _email_of(user, email: str) -> str:
    return (email or (user.email if user else "")).strip()


def export_person(actor, user=None, email: str = "") -> dict:
    """Everything EcoTown holds about one person, as JSON-ready data."""
    from ecotown import access
    from ecotown.accounts.policies import AccountsAction

    if not access.can(actor, AccountsAction.ADMIN_PEOPLE):
        raise access.PermissionDenied
    email = _email_of(user, email)
    out: dict = {"exported_at": timezone.now().isoformat(), "email": email}
    for model, decl in declarations():
        if decl.match.user == SELF:
            if user is not None:
                out[decl.key] = decl.export_row(user)
            continue
        q = decl.query(user, email)
        if q is not None:
            rows = model._default_manager.filter(q).select_related(*decl.select_related()).order_by("pk")
            out[decl.key] = [decl.export_row(obj) for obj in rows]
    return out


@transaction.atomic
def erase_person(actor, user=None, email: str = "") -> dict:
    """Erase one person's personal data; the records stay, anonymised, so history holds together."""
    from ecotown import access
    from ecotown.accounts.policies import AccountsAction

    if not access.can(actor, AccountsAction.ADMIN_PEOPLE):
        raise access.PermissionDenied
    email = _email_of(user, email)
    counts = {}
    for model, decl in declarations():
        if not decl.erase:
            continue
        if decl.match.user == SELF:
            objs = [user] if user is not None else []
        else:
            q = decl.query(user, email)
            objs = model._default_manager.filter(q).order_by("pk") if q is not None else []
        counts[decl.key] = _erase(actor, decl, objs, "PDPA erasure")
    return counts


@transaction.atomic
def apply_retention(now=None) -> dict:
    """Erase personal fields whose retention has run out (run daily by the worker)."""
    now = now or timezone.now()
    counts = {}
    for model, decl in declarations():
        if decl.expired is None:
            continue
        objs = model._default_manager.filter(decl.expired(now)).exclude(decl.erased_already()).order_by("pk")
        counts[decl.key] = _erase(None, decl, objs, "retention period ended")
    return counts


def declarations_markdown() -> str:
    """The table of declarations in docs/personal-data.md (kept in sync by a test)."""
    lines = ["| Model | Export key | Found by | Exported | Erased (replacement) | Retention |",
             "|---|---|---|---|---|---|"]
    with override("en"):
        for model, decl in declarations():
            found = [f"user ({decl.match.user})" if decl.match.user else "", f"e-mail ({decl.match.email})"
                     if decl.match.email else ""]
            exported = ", ".join(item if isinstance(item, str) else f"{item[0]} ({item[1]})" for item in decl.export)
            erased = ", ".join(f"{k} → {'computed' if callable(v) else repr(v)}" for k, v in decl.erase.items())
            lines.append(f"| `{model._meta.label}` | `{decl.key}` | {' or '.join(f for f in found if f)} | "
                         f"{exported} | {erased or 'nothing (export only)'} | {decl.retention} |")
    return "\n".join(lines) + "\n"
