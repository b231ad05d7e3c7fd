"""Error codes of accounts (memberships, invitations, self-registration)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class AccountsError(ErrorCode):
    ROLE_DOES_NOT_FIT = "role_does_not_fit", _(
        "The role “%(role)s” does not fit an organisation of kind “%(kind)s”.")
    ROLE_DOES_NOT_FIT_KIND = "role_does_not_fit_kind", _("This role does not fit the organisation's kind.")
    INVITATION_INVALID = "invitation_invalid", _("This invitation is not valid or has expired.")
    USERNAME_REQUIRED = "username_required", _("Choose a user name.")
    USERNAME_TAKEN = "username_taken", _("This user name is taken.")
    DIW_NUMBER_INVALID = "diw_number_invalid", _(
        "This is not a DIW registration number: use the classic form such as 3-105-1/45ชบ or the 14-digit number.")
    FACTORY_NOT_REGISTERED = "factory_not_registered", _(
        "No factory with this DIW registration number is registered. Ask your estate office to add it, "
        "or send an enquiry.")
    ROLE_PREPARER_OR_APPROVER = "role_preparer_or_approver", _("Choose preparer or approver.")
    END_BEFORE_START = "end_before_start", _("The end date is before the start date.")
    WRONG_CREDENTIALS = "wrong_credentials", _("The user name or password is not correct.")
