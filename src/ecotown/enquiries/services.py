"""Enquiries to the Eco-Industrial Town division: send, assign, answer, close."""
from __future__ import annotations

from django.db import transaction

from ecotown import access
from ecotown.access import Action
from ecotown.core import history, workflow
from ecotown.core.errors import CoreError, Problems

from .errors import EnquiriesError
from .models import Enquiry, new_reference, normalise_reference
from .policies import EnquiryAction
from .workflows import RECEIVED

FIELDS = {"programme", "name", "email", "phone", "subject", "message", "organisation"}


@transaction.atomic
def submit(actor, data: dict) -> Enquiry:
    """Anyone may send an enquiry; a signed-in user may send it for an organisation they belong to."""
    extra = set(data) - FIELDS
    if extra:
        errors = Problems()
        for k in sorted(extra):
            errors.add(k, CoreError.UNKNOWN_FIELD)
        errors.raise_if_any()
    org = data.get("organisation")
    if not access.can(actor, Action.ADD, Enquiry(organisation=org)):
        raise EnquiriesError.NOT_YOUR_ORGANISATION.invalid("organisation")
    enquiry = Enquiry(submitted_by=actor if getattr(actor, "is_authenticated", False) else None, **data)
    enquiry.reference = new_reference()
    while Enquiry.objects.filter(reference=enquiry.reference).exists():  # (40 random bits: practically never)
        enquiry.reference = new_reference()
    history.save(actor, enquiry)
    workflow.announce(actor, enquiry, RECEIVED)  # the authority's staff (ecotown.enquiries.workflows)
    return enquiry


def find_by_reference(reference: str, email: str) -> Enquiry | None:
    """The enquiry a visitor asks about: its reference number AND the e-mail it was sent from (both needed,
    so a reference alone tells nothing to someone else). None when they do not match."""
    ref = normalise_reference(reference)
    email = (email or "").strip()
    if not ref or not email:
        return None
    return Enquiry.objects.filter(reference=ref, email__iexact=email).first()


@transaction.atomic
def assign(actor, enquiry: Enquiry, staff_user) -> Enquiry:
    access.require(actor, EnquiryAction.HANDLE, enquiry)
    if not access.can(staff_user, EnquiryAction.HANDLE):
        raise EnquiriesError.ASSIGNEE_NOT_STAFF.invalid("assigned_to")
    name = "reassign" if enquiry.status in (Enquiry.Status.ANSWERED, Enquiry.Status.CLOSED) else "assign"
    return workflow.transition(actor, enquiry, name, staff_user=staff_user)[0]


@transaction.atomic
def answer(actor, enquiry: Enquiry, text: str) -> Enquiry:
    access.require(actor, EnquiryAction.HANDLE, enquiry)
    if not text.strip():
        raise EnquiriesError.ANSWER_REQUIRED.invalid("answer")
    return workflow.transition(actor, enquiry, "answer", text=text)[0]


def close(actor, enquiry: Enquiry) -> Enquiry:
    return workflow.transition(actor, enquiry, "close")[0]
