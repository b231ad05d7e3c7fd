"""An enquiry: new → assigned → answered → closed. Handled by authority staff (access: `handle`).
Assigning again once answered or closed changes who holds it, not its state. See docs/workflows.md."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from ecotown.enquiries.policies import EnquiryAction
from ecotown.core import workflow
from ecotown.core.services import notify
from ecotown.core.workflow import Transition

from .models import Enquiry

S = Enquiry.Status
OPEN = (S.NEW, S.ASSIGNED, S.ANSWERED)


def _link(e) -> str:
    return reverse("enquiry_detail", args=[e.pk])


def _assign(ctx, e):
    e.assigned_to = ctx.data["staff_user"]


def _tell_assignee(ctx):
    staff_user = ctx.data["staff_user"]
    for e in ctx.objects:
        notify(staff_user, title_th=f"ได้รับมอบหมายคำถาม: {e.subject}",
               title_en=f"Enquiry assigned to you: {e.subject}", link=_link(e))


def _write_answer(ctx, e):
    e.answer = ctx.data["text"]


def _tell_sender(ctx):
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction

    text = ctx.data["text"]
    for e in ctx.objects:
        if e.submitted_by is not None:
            notify(e.submitted_by, title_th=f"คำถามของคุณได้รับคำตอบแล้ว: {e.subject}",
                   title_en=f"Your enquiry has been answered: {e.subject}", body_th=text, body_en=text, link=_link(e))
        else:
            transaction.on_commit(lambda e=e: send_mail(
                f"[EcoTown] {e.subject}", text, settings.DEFAULT_FROM_EMAIL, [e.email], fail_silently=True))


def _stamp_closed(ctx, e):
    e.closed_at = ctx.at


ENQUIRY = workflow.Table("enquiries", [
    Transition("assign", (S.NEW, S.ASSIGNED), S.ASSIGNED, EnquiryAction.HANDLE, note="assigned",
               stamps=(_assign,), effects=(_tell_assignee,), label=pgettext_lazy("workflow", "assign")),
    Transition("reassign", (S.ANSWERED, S.CLOSED), None, EnquiryAction.HANDLE, note="assigned",
               stamps=(_assign,), effects=(_tell_assignee,), label=pgettext_lazy("workflow", "assign")),
    Transition("answer", OPEN, S.ANSWERED, EnquiryAction.HANDLE, note="answered", stamps=(_write_answer,),
               effects=(_tell_sender,), label=pgettext_lazy("workflow", "answer")),
    Transition("close", OPEN, S.CLOSED, EnquiryAction.HANDLE, note="closed", stamps=(_stamp_closed,),
               label=pgettext_lazy("workflow", "close")),
])


def register() -> None:
    workflow.register(Enquiry, ENQUIRY, state_field="status")
