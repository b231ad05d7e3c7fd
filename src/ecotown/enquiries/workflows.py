"""An enquiry: new → assigned → answered → closed. Handled by authority staff (access: `handle`).
Assigning again once answered or closed changes who holds it, not its state. See docs/workflows.md."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from ecotown.accounts.roles import AUTHORITY_ROLES
from ecotown.enquiries.policies import EnquiryAction
from ecotown.core import workflow
from ecotown.core.services import notify
from ecotown.core.workflow import Members, Next, Person, Transition

from .models import Enquiry

S = Enquiry.Status
OPEN = (S.NEW, S.ASSIGNED, S.ANSWERED)


def _link(e) -> str:
    return reverse("enquiry_detail", args=[e.pk])


def _assign(ctx, e):
    e.assigned_to = ctx.data["staff_user"]


#: who handles a new enquiry: the authority's staff; once assigned: the assignee
HANDLERS = Members(AUTHORITY_ROLES, at=None)
ASSIGNEE = Person("assigned_to")
RECEIVED = ngettext_lazy("new enquiry", "%(n)s new enquiries", "n")


def _subject(enquiries) -> str:
    return enquiries[0].subject if len(enquiries) == 1 else str(gettext_lazy("Enquiries"))


def _links(enquiries) -> str:
    return _link(enquiries[0]) if len(enquiries) == 1 else reverse("enquiry_list")


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


def _what(e) -> str:
    return f"{e.subject} ({e.name})"


_ASSIGNED = ngettext_lazy("enquiry assigned to you", "%(n)s enquiries assigned to you", "n")

ENQUIRY = workflow.Table("enquiries", [
    Transition("assign", (S.NEW, S.ASSIGNED), S.ASSIGNED, EnquiryAction.HANDLE, note="assigned",
               stamps=(_assign,), label=pgettext_lazy("workflow", "assign"), done=_ASSIGNED, tell=ASSIGNEE),
    Transition("reassign", (S.ANSWERED, S.CLOSED), None, EnquiryAction.HANDLE, note="assigned",
               stamps=(_assign,), label=pgettext_lazy("workflow", "assign"), done=_ASSIGNED, tell=ASSIGNEE,
               told=gettext_lazy("It is now yours to follow up.")),
    Transition("answer", OPEN, S.ANSWERED, EnquiryAction.HANDLE, note="answered", stamps=(_write_answer,),
               effects=(_tell_sender,), label=pgettext_lazy("workflow", "answer")),
    Transition("close", OPEN, S.CLOSED, EnquiryAction.HANDLE, note="closed", stamps=(_stamp_closed,),
               label=pgettext_lazy("workflow", "close")),
], subject=_subject, link=_links,
   next={S.NEW: Next(HANDLERS, EnquiryAction.HANDLE, task=gettext_lazy("Assign or answer"), what=_what,
                     asks=gettext_lazy("It waits for someone to take it on."),
                     waiting=gettext_lazy("waiting for the authority to take it on")),
         S.ASSIGNED: Next(ASSIGNEE, EnquiryAction.HANDLE, task=pgettext_lazy("task", "Answer"), what=_what,
                          asks=gettext_lazy("It waits for your answer."),
                          waiting=gettext_lazy("waiting for the assigned officer to answer"))})


def register() -> None:
    workflow.register(Enquiry, ENQUIRY, state_field="status")
