"""The organisation-owned mixin: every model that belongs to one organisation uses it."""
from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from ecotown.core.models import OrganisationOwned
from ecotown.registry.models import Organisation


def _has_organisation_fk(model) -> bool:
    try:
        field = model._meta.get_field("organisation")
    except FieldDoesNotExist:
        return False
    return field.concrete and field.is_relation and field.related_model is Organisation


def test_every_model_with_an_organisation_link_is_organisation_owned():
    missing = [m._meta.label for m in apps.get_models() if _has_organisation_fk(m) and not issubclass(m, OrganisationOwned)]
    assert missing == []


def test_organisation_owned_models_pinned():
    assert sorted(m._meta.label for m in apps.get_models() if issubclass(m, OrganisationOwned)) == [
        "accounts.Assignment", "accounts.Invitation", "accounts.Membership", "accounts.RegistrationRequest",
        "assessment.Assessment", "assessment.AssessmentEvidence", "assessment.AssessmentResult",
        "carbon.FactorSet", "carbon.Inventory", "carbon.InventoryLine", "carbon.MonthResult",
        "core.UploadedFile", "enquiries.Enquiry",
        "registry.Contact", "registry.EstateDetail", "registry.FactoryDetail", "registry.Product",
        "reporting.ActivityRecord", "reporting.EmployeeRecord", "reporting.ImportBatch", "reporting.ImportJob",
        "reporting.MonthStates", "reporting.ProductionRecord", "reporting.QualityFlag", "reporting.Reminder"]


def test_mixin_gives_the_link_the_history_organisation_and_the_default_policy(world):
    field = OrganisationOwned._meta.get_field("organisation")
    assert (field.related_model, field.remote_field.on_delete.__name__, field.remote_field.related_name, field.null) == (
        "registry.Organisation", "PROTECT", "%(class)ss", False)
    contact = world.F1.contacts.model(organisation=world.F1, name="x")
    assert contact.history_organisation_id() == world.F1.pk
    from ecotown import access
    from ecotown.registry.models import Contact

    # the default policy: registered for the mixin, so a model no app gives a policy of its own has it
    assert type(access.policy_for(OrganisationOwned)) is access.OrganisationOwnedPolicy

    class Later(Contact):  # (not a model: only its MRO matters) a subclass keeps what its base has
        class Meta:
            abstract = True
    assert access.policy_for(Later) is access.policy_for(Contact)


def test_models_keep_their_own_foreign_keys():
    from ecotown.enquiries.models import Enquiry
    from ecotown.registry.models import Contact, FactoryDetail

    def fk(model):
        f = model._meta.get_field("organisation")
        return (type(f).__name__, f.remote_field.on_delete.__name__, f.remote_field.related_name, f.null)

    assert fk(Contact) == ("ForeignKey", "CASCADE", "contacts", False)
    assert fk(Enquiry) == ("ForeignKey", "SET_NULL", "enquiries", True)
    assert fk(FactoryDetail) == ("OneToOneField", "CASCADE", "factory", False)
