"""Registry services: the only code that creates, changes or deletes registry objects.

Each checks access, validates every object involved (collecting all field errors at once),
saves inside one transaction and records the change history.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ecotown.registry.policies import RegistryAction
from ecotown import access
from ecotown.access import Action
from ecotown.core import history
from ecotown.core.errors import CoreError, Problems

from .errors import RegistryError

from .models import Contact, EstateDetail, FactoryDetail, Kind, Organisation, Product

ORG_FIELDS = {"code", "name_th", "name_en", "province", "province_id", "address", "lat", "lon", "boundary",
              "boundary_note", "is_public", "eco_level", "eco_level_year"}
ESTATE_FIELDS = {f.name for f in EstateDetail._meta.fields} - {"id", "organisation"}
FACTORY_FIELDS = {"diw_number", "tsic", "tsic_id", "employees", "in_ghg_network"}


def _split(data: dict, allowed: set[str]) -> dict:
    return {k: v for k, v in data.items() if k in allowed}


def _validate(*pairs) -> None:
    """full_clean several objects, merge their field errors, raise once."""
    errors = Problems()
    for obj, exclude in pairs:
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as exc:
            errors.extend(exc)
    errors.raise_if_any()


def _unknown(data: dict, *allowed: set[str]) -> None:
    extra = set(data) - set().union(*allowed)
    if extra:
        errors = Problems()
        for k in sorted(extra):
            errors.add(k, CoreError.UNKNOWN_FIELD)
        errors.raise_if_any()


@transaction.atomic
def create_estate(actor, data: dict, *, kind: str = Kind.ESTATE, parent: Organisation | None = None) -> Organisation:
    """Create an industrial estate or port with its details."""
    access.require(actor, RegistryAction.ADD_ESTATE)
    _unknown(data, ORG_FIELDS, ESTATE_FIELDS)
    if parent is None:
        parent = Organisation.objects.filter(kind=Kind.AUTHORITY).order_by("pk").first()
    org = Organisation(kind=kind, parent=parent, **_split(data, ORG_FIELDS))
    detail = EstateDetail(**_split(data, ESTATE_FIELDS))
    _validate((org, None), (detail, ["organisation"]))
    history.save(actor, org, validate=False)
    detail.organisation = org
    history.save(actor, detail, validate=False)
    return org


@transaction.atomic
def create_factory(actor, parent: Organisation, data: dict, *, kind: str = Kind.FACTORY,
                   products: list[dict] | None = None) -> Organisation:
    """Create a factory (or waste processor) inside an estate or port."""
    access.require(actor, RegistryAction.ADD_CHILD, parent)
    _unknown(data, ORG_FIELDS, FACTORY_FIELDS)
    org = Organisation(kind=kind, parent=parent, **_split(data, ORG_FIELDS))
    detail = FactoryDetail(**_split(data, FACTORY_FIELDS))
    _validate((org, None), (detail, ["organisation"]))
    org._search_extra = [detail.diw_number]
    history.save(actor, org, validate=False)
    detail.organisation = org
    history.save(actor, detail, validate=False)
    for p in products or []:
        history.save(actor, Product(organisation=org, **p))
    return org


@transaction.atomic
def create_member_org(actor, parent: Organisation, kind: str, data: dict) -> Organisation:
    """Create a school, community or other organisation near/in an estate."""
    if kind not in {Kind.SCHOOL, Kind.COMMUNITY}:
        raise RegistryError.UNSUPPORTED_KIND.invalid("kind")
    access.require(actor, RegistryAction.ADD_CHILD, parent)
    _unknown(data, ORG_FIELDS)
    org = Organisation(kind=kind, parent=parent, **_split(data, ORG_FIELDS))
    history.save(actor, org)
    return org


@transaction.atomic
def update_organisation(actor, org: Organisation, data: dict, note: str = "") -> Organisation:
    """Change an organisation and its estate/factory details in one step."""
    access.require(actor, Action.CHANGE, org)
    detail = None
    detail_fields: set[str] = set()
    if org.kind in {Kind.ESTATE, Kind.PORT}:
        detail = getattr(org, "estate", None) if hasattr(org, "estate") else None
        detail = detail or EstateDetail(organisation=org)
        detail_fields = ESTATE_FIELDS
    elif org.kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
        detail, detail_fields = org.factory, FACTORY_FIELDS
    _unknown(data, ORG_FIELDS, detail_fields)
    for k, v in _split(data, ORG_FIELDS).items():
        setattr(org, k, v)
    pairs = [(org, None)]
    if detail is not None:
        for k, v in _split(data, detail_fields).items():
            setattr(detail, k, v)
        pairs.append((detail, ["organisation"]))
        if isinstance(detail, FactoryDetail):
            org._search_extra = [detail.diw_number]
    _validate(*pairs)
    history.save(actor, org, note, validate=False)
    if detail is not None:
        history.save(actor, detail, note, validate=False)
    return org


@transaction.atomic
def delete_organisation(actor, org: Organisation, note: str = "") -> None:
    access.require(actor, Action.DELETE, org)
    if org.children.exists():
        raise RegistryError.HAS_CHILDREN.invalid()
    if org.files.exists():
        raise RegistryError.HAS_FILES.invalid()
    from ecotown.accounts.models import Assignment, Invitation, Membership, RegistrationRequest
    from ecotown.enquiries.models import Enquiry

    for model in (Membership, Invitation, RegistrationRequest, Assignment):
        for obj in model.objects.filter(organisation=org):
            history.delete(actor, obj, note or "organisation deleted")
    for enquiry in Enquiry.objects.filter(organisation=org):
        enquiry.organisation = None
        history.save(actor, enquiry, note or "organisation deleted", validate=False)
    for rel in ("estate", "factory"):
        detail = getattr(org, rel, None) if hasattr(org, rel) else None
        if detail is not None:
            history.delete(actor, detail, note)
    for obj in list(org.products.all()) + list(org.contacts.all()):
        history.delete(actor, obj, note)
    history.delete(actor, org, note)


@transaction.atomic
def add_product(actor, org: Organisation, data: dict) -> Product:
    access.require(actor, Action.CHANGE, org)
    return history.save(actor, Product(organisation=org, **data))


@transaction.atomic
def add_contact(actor, org: Organisation, data: dict) -> Contact:
    access.require(actor, Action.CHANGE, org)
    return history.save(actor, Contact(organisation=org, **data))
