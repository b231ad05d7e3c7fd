from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ecotown.core.errors import Problems
from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned
from ecotown.core.i18n import BilingualName
from ecotown.core.pdpa import ERASED, Match, PersonalData

from . import diw, geo
from .errors import BOUNDARY_CODES, RegistryError


class Province(BilingualName, models.Model):
    """Thai province (ISO 3166-2:TH code), reference data loaded from data/geo/provinces.csv."""

    code = models.CharField(max_length=8, primary_key=True)
    name_th = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)

    class Meta:
        ordering = ["name_th"]

    def __str__(self):
        return self.name


class Kind(models.TextChoices):
    AUTHORITY = "authority", _("Authority")
    ESTATE = "estate", _("Industrial estate")
    PORT = "port", _("Industrial port")
    FACTORY = "factory", _("Factory")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    WASTE_PROCESSOR = "waste_processor", _("Waste processor")
    AUDITOR_FIRM = "auditor_firm", _("Auditor firm")


# Which kind of organisation may sit under which (parent kind)
PARENT_KINDS = {
    Kind.AUTHORITY: set(),
    Kind.ESTATE: {Kind.AUTHORITY},
    Kind.PORT: {Kind.AUTHORITY},
    Kind.FACTORY: {Kind.ESTATE, Kind.PORT},
    Kind.WASTE_PROCESSOR: {Kind.ESTATE, Kind.PORT},
    Kind.SCHOOL: {Kind.ESTATE, Kind.PORT},
    Kind.COMMUNITY: {Kind.ESTATE, Kind.PORT},
    Kind.AUDITOR_FIRM: {Kind.AUTHORITY},
}


#: kinds that lie inside their estate or port, so in its province
IN_ESTATE_PROVINCE = {Kind.FACTORY, Kind.WASTE_PROCESSOR}


class Organisation(BilingualName, TrackedModel):
    """Any organisation in the programme. Tenant data everywhere is keyed by it."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    code = models.CharField(_("code"), max_length=40, blank=True, help_text=_("Estate or port code"))
    name_th = models.CharField(_("name (Thai)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("estate or port"),
    )
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("province"))
    address = models.TextField(_("address"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    boundary_note = models.CharField(max_length=200, blank=True)
    is_public = models.BooleanField(_("public profile"), default=True)
    is_synthetic = models.BooleanField(default=False, help_text="demo data")
    eco_level = models.CharField(_("Eco level"), max_length=40, blank=True)
    eco_level_year = models.PositiveIntegerField(_("year of the level"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_th"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], condition=~models.Q(code=""), name="uniq_org_code_per_kind"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "parent"]),
            # the lists' order (name, then id) over 70,000 factories: read in index order, no sort (not a
            # partial index on the factory kinds: SQLite cannot use one for a query with bound parameters); the
            # kind rides along so that a scan for the few estates and ports in name order reads the index only:
            # without per-value statistics (no STAT4 in Python's SQLite) the planner takes `kind IN (estate,
            # port)` for 2 × 10,000 of 70,000 rows and walks this index (50 ms with a table lookup per row, 6 ms
            # index-only)
            models.Index(fields=["name_th", "id", "kind"], name="org_name_kind_idx"),
            # the API's lists are in English name order
            models.Index(fields=["name_en", "id", "kind"], name="org_name_en_kind_idx"),
            # an estate's factories (or schools) in the same order (estate managers' lists, the completeness
            # matrix, the estate page), the kind read from the index too
            models.Index(fields=["parent", "name_th", "id", "kind"], name="org_parent_name_kind_idx"),
            models.Index(fields=["parent", "name_en", "id", "kind"], name="org_parent_name_en_kind_idx"),
            # an estate's (or the authority's) organisations in id order: PostgreSQL merge-joins them to records
            # by organisation id; with the parent index alone it walked all 70,000 by id to find 74 (20 ms)
            models.Index(fields=["parent", "id"], name="org_parent_id_idx"),
        ]

    def __str__(self):
        return self.name

    def history_organisation_id(self):
        return self.pk

    def build_search_text(self) -> str:
        """Names, code and — for a factory — its DIW number as typed, lower-cased: what every search reads
        (registry/search.py). The DIW number comes from `_search_extra` when the caller sets it (a form, the
        demo), else from the saved factory details; a write of the details refreshes it (search.details_written)."""
        parts = [self.name_th, self.name_en, self.code]
        detail = getattr(self, "_search_extra", None)
        if detail is None and self.pk is not None and self.kind in (Kind.FACTORY, Kind.WASTE_PROCESSOR):
            number = FactoryDetail.objects.filter(organisation_id=self.pk).values_list("diw_number", flat=True).first()
            detail = [number] if number else None
        if detail:
            parts.extend(detail)
        return " ".join(p for p in parts if p).lower()

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        return super().save(*args, **kwargs)

    def clean(self):
        errors = Problems()
        if self.parent_id is not None:
            allowed = PARENT_KINDS.get(self.kind, set())
            if self.parent.kind not in allowed:
                errors.add("parent", RegistryError.PARENT_KIND, kind=Kind(self.kind).label,
                           parent=Kind(self.parent.kind).label)
        elif self.kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
            errors.add("parent", RegistryError.PARENT_REQUIRED)
        if self.kind in IN_ESTATE_PROVINCE and self.parent_id is not None and self.parent.province_id:
            # a factory takes its estate's province (given or not), and may not claim another one
            if self.province_id is None:
                self.province_id = self.parent.province_id
            elif self.province_id != self.parent.province_id:
                errors.add("province", RegistryError.PROVINCE_NOT_ESTATES, estate=self.parent.name,
                           province=self.parent.province.name)
        if (self.lat is None) != (self.lon is None):
            errors.add("lat", RegistryError.LAT_LON_PAIR)
        elif self.lat is not None:
            if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                errors.add("lat", RegistryError.LAT_LON_RANGE)
            elif not geo.in_thailand(self.lat, self.lon):
                errors.add("lat", RegistryError.OUTSIDE_THAILAND, lat=self.lat, lon=self.lon)
        if self.boundary:
            try:
                self.boundary = geo.parse_boundary(self.boundary)
            except geo.GeometryError as exc:
                code = BOUNDARY_CODES.get(exc.code, RegistryError.BOUNDARY_INVALID)
                message = format_lazy("{} ({})", code.message, exc.detail) if exc.detail else code.message
                errors.extend(ValidationError({"boundary": ValidationError(message, code=code.value)}))
        if self.code and self.kind:
            clash = Organisation.objects.filter(kind=self.kind, code=self.code).exclude(pk=self.pk)
            if clash.exists():
                errors.add("code", RegistryError.CODE_TAKEN, code=self.code, kind=Kind(self.kind).label)
        errors.raise_if_any()


class EstateDetail(OrganisationOwned, TrackedModel):
    """Facts about an industrial estate or industrial port. Areas in rai (1 rai = 1,600 m²)."""

    class Operator(models.TextChoices):
        IEAT = "ieat", _("operated by IEAT")
        JOINT_VENTURE = "joint_venture", _("joint venture with a developer")
        UNVERIFIED = "unverified", _("not verified")

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="estate")
    operator_type = models.CharField(_("operator"), max_length=20, choices=Operator.choices, default=Operator.UNVERIFIED)
    developer = models.CharField(_("developer"), max_length=255, blank=True)
    year_opened = models.PositiveIntegerField(_("year opened"), null=True, blank=True,
                                              validators=[MinValueValidator(1900), MaxValueValidator(2100)])
    area_total_rai = models.DecimalField(_("total area (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_industrial_rai = models.DecimalField(_("industrial zone (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_utilities_rai = models.DecimalField(_("utilities (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_green_rai = models.DecimalField(_("green area (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_sold_rai = models.DecimalField(_("sold (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_leased_rai = models.DecimalField(_("leased (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    area_available_rai = models.DecimalField(_("available (rai)"), max_digits=12, decimal_places=2, null=True, blank=True)
    facts = models.TextField(_("facts"), blank=True)
    source_url = models.TextField(_("source"), blank=True)

    def __str__(self):
        return f"estate detail {self.organisation_id}"

    AREA_FIELDS = ("area_industrial_rai", "area_utilities_rai", "area_green_rai")

    def clean(self):
        errors = Problems()
        for name in (f.name for f in self._meta.fields if f.name.startswith("area_")):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors.add(name, RegistryError.AREA_NEGATIVE)
        total = self.area_total_rai
        if total is not None and not errors:
            used = sum((getattr(self, n) or 0) for n in self.AREA_FIELDS)
            if used > total:
                errors.add("area_total_rai", RegistryError.AREAS_EXCEED_TOTAL)
        errors.raise_if_any()

    @property
    def green_share(self):
        if self.area_total_rai and self.area_green_rai is not None:
            return float(self.area_green_rai) / float(self.area_total_rai)
        return None


class TSIC(BilingualName, models.Model):
    """Thailand Standard Industrial Classification (reference data)."""

    code = models.CharField(max_length=5, primary_key=True)
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"TSIC {self.code} {self.name}"


class FactoryDetail(OrganisationOwned, TrackedModel):
    """Facts about a factory (or a waste processor)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="factory")
    diw_number = models.CharField(_("DIW registration number"), max_length=40)
    diw_key = models.CharField(max_length=40, unique=True, editable=False)
    tsic = models.ForeignKey(TSIC, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("TSIC activity"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    in_ghg_network = models.BooleanField(_("member of the GHG-reduction network"), default=False)

    def __str__(self):
        return self.diw_number

    def validate_unique(self, exclude=None):
        # the duplicate is reported on `diw_number` by clean(); diw_key is internal
        super().validate_unique(exclude={*(exclude or ()), "diw_key"})

    def clean(self):
        try:
            self.diw_number, self.diw_key = diw.normalise(self.diw_number)
        except diw.DIWNumberError:
            raise RegistryError.DIW_NUMBER_INVALID.invalid("diw_number", value=self.diw_number) from None
        clash = FactoryDetail.objects.filter(diw_key=self.diw_key).exclude(pk=self.pk)
        if clash.exists():
            raise RegistryError.DIW_NUMBER_TAKEN.invalid("diw_number", value=self.diw_number)


class Product(BilingualName, OrganisationOwned, TrackedModel):
    """A product a factory makes, with the unit production is reported in."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="products")
    name_th = models.CharField(_("name (Thai)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    unit = models.CharField(_("production unit"), max_length=40)

    def __str__(self):
        return self.name_en


class Contact(OrganisationOwned, TrackedModel):
    """A contact person of an organisation (personal data)."""

    PERSONAL_FIELDS = ("name", "email", "phone")
    PERSONAL_DATA = PersonalData(
        key="contacts", match=Match(email="email"),
        export=[("organisation", "organisation.name_en"), "name", "position", "email", "phone"],
        erase={"name": ERASED, "email": "", "phone": ""},
        retention=_("while the organisation is registered; erased on request"))

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    def __str__(self):
        return f"contact {self.pk}"
