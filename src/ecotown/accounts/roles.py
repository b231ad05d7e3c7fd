"""Roles a membership can carry, and which organisation kinds each role fits."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AUTHORITY_ADMIN = "authority_admin", _("Authority administrator")
    AUTHORITY_OFFICER = "authority_officer", _("Authority officer")
    AUDITOR = "auditor", _("Auditor")
    ESTATE_MANAGER = "estate_manager", _("Estate manager")
    FACTORY_PREPARER = "factory_preparer", _("Factory preparer")
    FACTORY_APPROVER = "factory_approver", _("Factory approver")
    SCHOOL_COORDINATOR = "school_coordinator", _("School coordinator")


AUTHORITY_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.AUTHORITY_OFFICER})
FACTORY_ROLES = frozenset({Role.FACTORY_PREPARER, Role.FACTORY_APPROVER})

# role -> organisation kinds it fits
ROLE_KINDS: dict[str, frozenset[str]] = {
    Role.AUTHORITY_ADMIN: frozenset({"authority"}),
    Role.AUTHORITY_OFFICER: frozenset({"authority"}),
    Role.AUDITOR: frozenset({"auditor_firm", "authority"}),
    Role.ESTATE_MANAGER: frozenset({"estate", "port"}),
    Role.FACTORY_PREPARER: frozenset({"factory", "waste_processor"}),
    Role.FACTORY_APPROVER: frozenset({"factory", "waste_processor"}),
    Role.SCHOOL_COORDINATOR: frozenset({"school"}),
}


def role_fits(role: str, kind: str) -> bool:
    return kind in ROLE_KINDS.get(role, frozenset())
