"""Error codes of enquiries."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class EnquiriesError(ErrorCode):
    NOT_YOUR_ORGANISATION = "not_your_organisation", _(
        "You can only send an enquiry for an organisation you belong to.")
    ASSIGNEE_NOT_STAFF = "assignee_not_staff", _("Enquiries can only be assigned to authority staff.")
    ANSWER_REQUIRED = "answer_required", _("Write an answer.")
    CHOOSE_STAFF = "choose_staff", _("Choose a member of staff.")
