"""Personal data (Thailand's PDPA): where it is, how long it is kept, export and erasure.

Personal fields are declared on each model (`PERSONAL_FIELDS`) and never copied into change
history. No names of minors are stored anywhere: schools report counts, not pupils.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ecotown import access
from ecotown.access import Action
from ecotown.core import history

# kind of record -> retention rule (documented in docs/personal-data.md)
RETENTION = {
    "user": "while the account is active; erased on request",
    "contact": "while the organisation is registered; erased on request",
    "enquiry": "personal fields erased 730 days after the enquiry is closed",
    "invitation": "e-mail erased 90 days after the invitation expires or is accepted",
}


def personal_models():
    return [m for m in history.tracked_models() if m.PERSONAL_FIELDS]


def export_person(actor, user=None, email: str = "") -> dict:
    """Everything EcoTown holds about one person, as JSON-ready data."""
    if not access.can(actor, Action.ADMIN_PEOPLE):
        raise access.PermissionDenied
    from ecotown.accounts.models import Invitation, Membership
    from ecotown.enquiries.models import Enquiry
    from ecotown.registry.models import Contact

    email = (email or (user.email if user else "")).strip()
    out: dict = {"exported_at": timezone.now().isoformat(), "email": email}
    if user is not None:
        out["user"] = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
                       "email": user.email, "phone": user.phone, "language": user.language,
                       "date_joined": user.date_joined.isoformat(),
                       "last_login": user.last_login.isoformat() if user.last_login else None}
        out["memberships"] = [{"organisation": m.organisation.name_en, "role": m.role, "active": m.is_active}
                              for m in Membership.objects.filter(user=user).select_related("organisation")]
    if email:
        out["contacts"] = [{"organisation": c.organisation.name_en, "name": c.name, "position": c.position,
                            "email": c.email, "phone": c.phone}
                           for c in Contact.objects.filter(email__iexact=email).select_related("organisation")]
        out["enquiries"] = [{"id": e.pk, "created_at": e.created_at.isoformat(), "name": e.name, "email": e.email,
                             "phone": e.phone, "subject": e.subject, "message": e.message}
                            for e in Enquiry.objects.filter(email__iexact=email)]
        out["invitations"] = [{"organisation": i.organisation.name_en, "role": i.role, "email": i.email}
                              for i in Invitation.objects.filter(email__iexact=email).select_related("organisation")]
    return out


@transaction.atomic
def erase_person(actor, user=None, email: str = "") -> dict:
    """Erase one person's personal data; the records stay, anonymised, so history holds together."""
    if not access.can(actor, Action.ADMIN_PEOPLE):
        raise access.PermissionDenied
    from ecotown.accounts.models import Invitation
    from ecotown.enquiries.models import Enquiry
    from ecotown.registry.models import Contact

    email = (email or (user.email if user else "")).strip()
    counts = {"contacts": 0, "enquiries": 0, "invitations": 0, "user": 0}
    if email:
        for c in Contact.objects.filter(email__iexact=email):
            c.name, c.email, c.phone = "[erased]", "", ""
            history.save(actor, c, "PDPA erasure", validate=False)
            counts["contacts"] += 1
        for e in Enquiry.objects.filter(email__iexact=email):
            e.name, e.email, e.phone = "[erased]", "erased@invalid.invalid", ""
            history.save(actor, e, "PDPA erasure", validate=False)
            counts["enquiries"] += 1
        for i in Invitation.objects.filter(email__iexact=email):
            i.email = "erased@invalid.invalid"
            history.save(actor, i, "PDPA erasure", validate=False)
            counts["invitations"] += 1
    if user is not None:
        user.first_name = user.last_name = user.phone = ""
        user.email = ""
        user.username = f"erased-{user.pk}"
        user.is_active = False
        user.set_unusable_password()
        user.erased_at = timezone.now()
        user.save()
        user.api_tokens.update(revoked_at=timezone.now())
        counts["user"] = 1
    return counts


@transaction.atomic
def apply_retention(now=None) -> dict:
    """Erase personal fields whose retention has run out (run daily by the worker)."""
    from ecotown.accounts.models import Invitation
    from ecotown.enquiries.models import Enquiry

    now = now or timezone.now()
    n_enq = 0
    for e in Enquiry.objects.filter(closed_at__lt=now - dt.timedelta(days=Enquiry.RETENTION_DAYS_AFTER_CLOSE)).exclude(name="[erased]"):
        e.name, e.email, e.phone = "[erased]", "erased@invalid.invalid", ""
        history.save(None, e, "retention period ended", validate=False)
        n_enq += 1
    n_inv = 0
    for i in Invitation.objects.filter(expires_at__lt=now - dt.timedelta(days=90)).exclude(email="erased@invalid.invalid"):
        i.email = "erased@invalid.invalid"
        history.save(None, i, "retention period ended", validate=False)
        n_inv += 1
    return {"enquiries": n_enq, "invitations": n_inv}
