"""Account services: memberships, invitations, self-registration, API tokens."""
from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ecotown import access
from ecotown.core import history, workflow
from ecotown.core.errors import Problems
from ecotown.registry import diw
from ecotown.registry.models import FactoryDetail, Kind, Organisation

from .errors import AccountsError
from .models import ApiToken, Assignment, Invitation, Membership, RegistrationRequest, User, token_hash
from .policies import AccountsAction
from .workflows import REQUESTED
from .roles import Role, role_fits

INVITATION_DAYS = 14


@transaction.atomic
def add_membership(actor, user: User, organisation: Organisation, role: str, *, check: bool = True) -> Membership:
    if check:
        access.require(actor, AccountsAction.MANAGE_MEMBERS, organisation)
        _check_grant(actor, organisation, role)
    m = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if m is not None:
        if not m.is_active:
            m.is_active = True
            history.save(actor, m)
        return m
    m = history.save(actor, Membership(user=user, organisation=organisation, role=role))
    access.forget(user)
    return m


def _check_grant(actor, organisation: Organisation, role: str) -> None:
    """Only an authority admin grants authority roles; others grant roles at their level or below."""
    if not role_fits(role, organisation.kind):
        raise AccountsError.ROLE_DOES_NOT_FIT.invalid("role", role=Role(role).label,
                                                      kind=Kind(organisation.kind).label)
    if not access.can(actor, AccountsAction.GRANT_ROLE, Membership(organisation=organisation, role=role)):
        raise access.PermissionDenied


@transaction.atomic
def remove_membership(actor, membership: Membership) -> None:
    access.require(actor, AccountsAction.MANAGE_MEMBERS, membership.organisation)
    membership.is_active = False
    history.save(actor, membership)
    access.forget(membership.user)


@transaction.atomic
def invite(actor, organisation: Organisation, email: str, role: str, base_url: str = "") -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and the raw token (sent in the link)."""
    access.require(actor, AccountsAction.MANAGE_MEMBERS, organisation)
    _check_grant(actor, organisation, role)
    raw = secrets.token_urlsafe(32)
    inv = history.save(actor, Invitation(
        organisation=organisation, email=email, role=role, token_hash=token_hash(raw), invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    ))
    link = base_url + reverse("accept_invitation", args=[raw])

    def send():
        from django.core.mail import send_mail

        send_mail(
            subject="[EcoTown] คำเชิญเข้าร่วม / Invitation to join " + organisation.name_en,
            message=(f"คุณได้รับเชิญเข้าร่วม {organisation.name_th} ในบทบาท {Role(role).label}\n"
                     f"You are invited to join {organisation.name_en}.\n\n{link}\n"),
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[email], fail_silently=True,
        )

    transaction.on_commit(send)
    return inv, raw


def find_invitation(raw: str) -> Invitation | None:
    inv = Invitation.objects.select_related("organisation").filter(token_hash=token_hash(raw)).first()
    return inv if inv is not None and inv.is_open else None


@transaction.atomic
def accept_invitation(raw: str, *, user: User | None = None, username: str = "", password: str = "",
                      first_name: str = "", last_name: str = "") -> Membership:
    inv = find_invitation(raw)
    if inv is None:
        raise AccountsError.INVITATION_INVALID.invalid("token")
    if user is None:
        user = _new_user(username, password, email=inv.email, first_name=first_name, last_name=last_name)
    m = add_membership(user, user, inv.organisation, inv.role, check=False)
    inv.accepted_at = timezone.now()
    inv.accepted_by = user
    history.save(user, inv)
    return m


def _new_user(username: str, password: str, **fields) -> User:
    errors = Problems()
    if not username:
        errors.add("username", AccountsError.USERNAME_REQUIRED)
    elif User.objects.filter(username__iexact=username).exists():
        errors.add("username", AccountsError.USERNAME_TAKEN)
    try:
        validate_password(password, User(username=username, **fields))
    except ValidationError as exc:  # Django's password validators carry their own codes
        errors.extend(exc, field="password")
    errors.raise_if_any()
    return User.objects.create_user(username=username, password=password, **fields)


@transaction.atomic
def register_with_diw(*, diw_number: str, username: str, password: str, email: str, first_name: str = "",
                      last_name: str = "", role: str = Role.FACTORY_PREPARER) -> RegistrationRequest:
    """A factory's staff register themselves with the factory's DIW number; the estate approves."""
    try:
        _display, key = diw.normalise(diw_number)
    except diw.DIWNumberError:
        raise AccountsError.DIW_NUMBER_INVALID.invalid("diw_number") from None
    detail = FactoryDetail.objects.select_related("organisation__parent").filter(diw_key=key).first()
    if detail is None:
        raise AccountsError.FACTORY_NOT_REGISTERED.invalid("diw_number")
    if role not in {Role.FACTORY_PREPARER, Role.FACTORY_APPROVER}:
        raise AccountsError.ROLE_PREPARER_OR_APPROVER.invalid("role")
    user = _new_user(username, password, email=email, first_name=first_name, last_name=last_name)
    req = history.save(user, RegistrationRequest(user=user, organisation=detail.organisation, role=role))
    workflow.announce(user, req, REQUESTED)  # whoever approves it (ecotown.accounts.workflows)
    return req


def decide_registration(actor, req: RegistrationRequest, approve: bool) -> RegistrationRequest:
    """pending → approved (membership added) or rejected; see accounts/workflows.py."""
    return workflow.transition(actor, req, "approve" if approve else "reject")[0]


@transaction.atomic
def assign_auditor(actor, auditor: User, organisation: Organisation, valid_from, valid_to, purpose: str = "") -> Assignment:
    if not access.can(actor, AccountsAction.ADMIN_PEOPLE):
        raise access.PermissionDenied
    return history.save(actor, Assignment(auditor=auditor, organisation=organisation, valid_from=valid_from,
                                          valid_to=valid_to, purpose=purpose))


# --- API tokens ------------------------------------------------------------------------------

def issue_token(user: User) -> tuple[ApiToken, str]:
    raw = "et_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=token_hash(raw), prefix=raw[3:11],
        expires_at=timezone.now() + dt.timedelta(days=settings.ECOTOWN_TOKEN_DAYS),
    )
    return token, raw


def user_for_token(raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._api_token = token
    return token.user


def revoke_token(user: User, raw: str | None = None, token_id: int | None = None) -> int:
    qs = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if raw is not None:
        qs = qs.filter(key_hash=token_hash(raw))
    if token_id is not None:
        qs = qs.filter(pk=token_id)
    return qs.update(revoked_at=timezone.now())


def set_preferences(user: User, *, language: str | None = None, buddhist_era: bool | None = None) -> User:
    if language in {"th", "en"}:
        user.language = language
    if buddhist_era is not None:
        user.buddhist_era = buddhist_era
    user.save(update_fields=["language", "buddhist_era"])
    return user


def memberships_of(user: User):
    return (Membership.objects.filter(user=user, is_active=True)
            .select_related("organisation").order_by("organisation__name_th"))


# keep the kind import used for typing in callers
__all__ = ["Kind"]
