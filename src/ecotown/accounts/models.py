from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned
from ecotown.core.pdpa import ERASED_EMAIL, SELF, Match, PersonalData

from .errors import AccountsError
from .roles import Role, role_fits


class User(AbstractUser):
    """A person. Name, e-mail and phone are personal data (PDPA)."""

    PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "password")
    PERSONAL_DATA = PersonalData(
        key="user", match=Match(user=SELF),
        export=["username", "first_name", "last_name", "email", "phone", "language", "date_joined", "last_login"],
        erase={"first_name": "", "last_name": "", "phone": "", "email": "", "username": lambda u: f"erased-{u.pk}",
               "is_active": False, "password": lambda u: make_password(None), "erased_at": lambda u: timezone.now()},
        after_erase=lambda u: u.api_tokens.update(revoked_at=timezone.now()),
        retention=_("while the account is active; erased on request"))

    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=[("th", "ไทย"), ("en", "English")], default="th")
    buddhist_era = models.BooleanField(_("show Buddhist-Era years"), default=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def display_name(self) -> str:
        full = self.get_full_name().strip()
        return full or self.username


class Membership(OrganisationOwned, TrackedModel):
    """A user's role in one organisation. A person may hold several."""

    PERSONAL_DATA = PersonalData(
        key="memberships", match=Match(user="user"),
        export=[("organisation", "organisation.name_en"), "role", ("active", "is_active")],
        retention=_("kept with the organisation; after erasure it points to an anonymised account"))

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="uniq_membership")]

    def __str__(self):
        return f"user {self.user_id} @ {self.organisation_id} ({self.role})"

    def clean(self):
        if self.organisation_id and not role_fits(self.role, self.organisation.kind):
            from ecotown.registry.models import Kind

            raise AccountsError.ROLE_DOES_NOT_FIT.invalid("role", role=Role(self.role).label,
                                                          kind=Kind(self.organisation.kind).label)


class Assignment(OrganisationOwned, TrackedModel):
    """What an auditor may see: one organisation, for a period."""

    auditor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="assignments")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    def __str__(self):
        return f"{self.auditor.username} → {self.organisation_id} {self.valid_from}..{self.valid_to}"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise AccountsError.END_BEFORE_START.invalid("valid_to")


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(OrganisationOwned, TrackedModel):
    """An invitation by e-mail to join an organisation with a role."""

    PERSONAL_FIELDS = ("email",)
    PERSONAL_DATA = PersonalData(
        key="invitations", match=Match(email="email"),
        export=[("organisation", "organisation.name_en"), "role", "email"],
        erase={"email": ERASED_EMAIL},
        expired=lambda now: Q(expires_at__lt=now - dt.timedelta(days=90)),
        retention=_("e-mail erased 90 days after the invitation expires or is accepted"))

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return f"invitation {self.pk} → {self.organisation_id} ({self.role})"

    def clean(self):
        if self.organisation_id and not role_fits(self.role, self.organisation.kind):
            raise AccountsError.ROLE_DOES_NOT_FIT_KIND.invalid("role")

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class RegistrationRequest(OrganisationOwned, TrackedModel):
    """A factory's self-registration with its DIW number, waiting for the estate's approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="registration_requests")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="registration_requests")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.FACTORY_PREPARER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"registration {self.pk} ({self.status})"


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
