from __future__ import annotations

from typing import Optional

from ninja import Router, Schema, Status

from ecotown import access
from ecotown.core.api import BearerToken, Out, Page, Session, paginate

from . import services
from .models import Enquiry

router = Router(tags=["enquiries"])


class EnquiryIn(Schema):
    programme: str
    name: str
    email: str
    phone: str = ""
    subject: str
    message: str


class EnquirySentOut(Out):
    id: int
    reference: str
    status: str


class EnquiryOut(Out):
    id: int
    programme: str
    subject: str
    status: str
    created_at: str
    assigned_to: Optional[int]


class _Optional:
    """Authenticate when credentials are sent; allow anonymous callers otherwise."""

    def __call__(self, request):
        for auth in (BearerToken(), Session()):
            try:
                user = auth(request)
            except Exception:
                user = None
            if user:
                return user
        return True


@router.post("", auth=_Optional(), response={201: EnquirySentOut})
def send_enquiry(request, payload: EnquiryIn):
    """Send an enquiry to the Eco-Industrial Town division (no sign-in needed)."""
    e = services.submit(request.user, payload.dict())
    return Status(201, {"id": e.pk, "reference": e.reference, "status": e.status})


@router.get("", response=Page[EnquiryOut])
def list_enquiries(request, status: Optional[str] = None, limit: int = 50, offset: int = 0):
    qs = access.visible(request.user, Enquiry.objects.all())
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, offset, lambda e: {
        "id": e.pk, "programme": e.programme, "subject": e.subject, "status": e.status,
        "created_at": e.created_at.isoformat(), "assigned_to": e.assigned_to_id})
