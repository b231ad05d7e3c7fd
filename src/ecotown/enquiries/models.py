from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned
from ecotown.core.pdpa import ERASED, ERASED_EMAIL, Match, PersonalData


class Programme(models.TextChoices):
    GHG_NETWORK = "ghg_network", _("GHG-reduction factory network")
    GREEN_INDUSTRY = "green_industry", _("Green Industry")
    ECO_FACTORY = "eco_factory", _("Eco Factory")
    CIRCULAR = "circular", _("Circular economy")
    GREEN_TRANSPORT = "green_transport", _("Green transport")
    ECO_SCHOOL = "eco_school", _("Eco School")
    OTHER = "other", _("Other")


class Enquiry(OrganisationOwned, TrackedModel):
    """A question from a factory or the public to the Eco-Industrial Town division."""

    PERSONAL_FIELDS = ("name", "email", "phone")
    RETENTION_DAYS_AFTER_CLOSE = 730  # PDPA: personal fields erased two years after closing
    PERSONAL_DATA = PersonalData(
        key="enquiries", match=Match(email="email"),
        export=[("id", "pk"), "created_at", "name", "email", "phone", "subject", "message"],
        erase={"name": ERASED, "email": ERASED_EMAIL, "phone": ""},
        expired=lambda now: Q(closed_at__lt=now - dt.timedelta(days=Enquiry.RETENTION_DAYS_AFTER_CLOSE)),
        retention=_("personal fields erased 730 days after the enquiry is closed"),
        purpose=_("to answer your enquiry and follow it up; only the division's staff read it"))

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ASSIGNED = "assigned", _("assigned")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    # what the sender quotes (and finds the status by, with their e-mail): random, not the row's id
    reference = models.CharField(_("reference number"), max_length=20, blank=True, default="", editable=False)
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    organisation = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="enquiries", verbose_name=_("organisation"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    name = models.CharField(_("your name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="assigned_enquiries", verbose_name=_("assigned to"))
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["reference"], condition=~Q(reference=""),
                                               name="uniq_enquiry_reference")]

    def __str__(self):
        return f"enquiry {self.pk}: {self.subject}"


REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I: read out on the phone


def new_reference() -> str:
    """"EQ-7K3M-Q9PX": 40 random bits, so a reference cannot be guessed from another."""
    import secrets

    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"EQ-{code[:4]}-{code[4:]}"


def normalise_reference(text: str) -> str:
    """What a person types ("eq 7k3m q9px", "7K3MQ9PX") as stored."""
    code = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if code.startswith("EQ"):
        code = code[2:]
    return f"EQ-{code[:4]}-{code[4:]}" if len(code) == 8 else ""
