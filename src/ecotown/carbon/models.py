"""Carbon capability: factor library, inventories and the stored results dashboards read.

Names agreed with other capabilities (assessment reads them): Inventory, InventoryLine.
Results are always produced by `ecotown.calc.ghg`; these tables only keep them with provenance.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecotown.core.history import TrackedModel
from ecotown.core.models import OrganisationOwned

#: the codes a recompute stores as the reason of a restatement -> words (carbon.services.compute_inventory)
RESTATE_REASONS = {
    "verified": _("a correction of counted data was verified"),
    "changed": _("a pending correction changed"),
    "new version": _("a correction of counted data was entered"),
    "submitted": _("a correction was submitted"),
    "returned": _("a correction was sent back"),
    "demo data": _("demo data"),
    "requested": _("a recompute was requested"),
    "recomputed with changed inputs": _("recomputed with changed inputs"),
}


class FactorStatus(models.TextChoices):
    OFFICIAL = "official", _("official")
    SECONDARY_VERIFY = "secondary_verify", _("secondary source: verify")
    ILLUSTRATIVE = "illustrative", _("illustrative default")
    SUPPLIER = "supplier", _("supplier-specific")
    USER = "user", _("uploaded")


class FactorSet(OrganisationOwned, TrackedModel):
    """One edition of a set of emission factors (built-in, uploaded by the authority, or a factory's
    supplier-specific set). Never edited once an inventory used it: a new edition is a new set."""

    class Kind(models.TextChoices):
        BUILTIN = "builtin", _("built-in library")
        AUTHORITY = "authority", _("uploaded by the authority")
        SUPPLIER = "supplier", _("supplier-specific (one organisation)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    url = models.TextField(_("URL"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=FactorStatus.choices)
    organisation = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="factor_sets", verbose_name=_("organisation"),
                                     help_text=_("Only for supplier-specific sets: the organisation whose inventory uses it."))
    sha256 = models.CharField(max_length=64, db_index=True)
    file_name = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(_("in use for new inventories"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]

    def __str__(self):
        return f"{self.name} ({self.edition})" if self.edition else self.name


class Factor(TrackedModel):
    """One emission factor row, as read by `ecotown.calc.ghg.load_factors` (never edited in place)."""

    factor_set = models.ForeignKey(FactorSet, on_delete=models.PROTECT, related_name="factors")
    factor_id = models.CharField(max_length=80, unique=True)
    line = models.PositiveIntegerField(default=0, help_text="line in the file it came from")
    activity = models.CharField(max_length=80, db_index=True)
    gas = models.CharField(max_length=40)
    value = models.FloatField()
    unit = models.CharField(max_length=40)
    scope = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=10, default="location")
    heating_basis = models.CharField(max_length=4, blank=True)
    source = models.CharField(max_length=300, blank=True)
    edition = models.CharField(max_length=200, blank=True)
    url = models.TextField(blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    grace_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=FactorStatus.choices)
    # the GWP set a CO2e factor embeds (AR4/AR5/AR6); "" for a factor of one gas or when not stated
    gwp_set = models.CharField(max_length=4, blank=True, default="")

    class Meta:
        ordering = ["factor_id"]

    def __str__(self):
        return f"{self.factor_id} {self.activity} {self.gas}"

    def history_organisation_id(self):
        return self.factor_set.organisation_id if self.factor_set_id else None


class EstateEnergySale(TrackedModel):
    """Energy sold inside an estate in one year, declared by its seller and reconciled:

    - the estate operator (`seller` = the estate) resells to its members part of the energy it
      bought (at most what its counted records of that activity say it bought in the year). GHG
      Protocol: energy bought and resold to end users is the reseller's Scope 3 category 3, so the
      resold share leaves the operator's Scope 2 (location and market) and appears in its Scope 3
      category 3 (inventory lines of source kind "energy_resale"); the members' Scope 2 counts it;
    - a member (a small power producer, `seller` = the member) sells electricity it generates to
      other members: its fuel is already in its Scope 1, so the buyers' Scope 2 for that quantity is
      not added again to the estate-wide total (nor, through it, to the national roll-up)."""

    estate = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="energy_sales",
                               verbose_name=_("estate"))
    seller = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="energy_sold",
                               verbose_name=_("seller"))
    year = models.PositiveIntegerField(_("year"))
    activity = models.CharField(_("activity"), max_length=80)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=40)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["year", "estate_id", "seller_id", "activity"]
        constraints = [models.UniqueConstraint(fields=["seller", "year", "activity"], name="uniq_energy_sale")]

    def __str__(self):
        return f"{self.seller_id} {self.year}: {self.quantity} {self.unit} {self.activity}"

    @property
    def is_resale(self) -> bool:
        """The estate operator's resale (else a member's own generation sold to other members)."""
        return self.seller_id == self.estate_id

    @property
    def organisation(self):
        return self.estate

    def history_organisation_id(self):
        return self.estate_id


class Inventory(OrganisationOwned, TrackedModel):
    """The GHG inventory of one organisation and calendar year (ISO 14064-1, operational control)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FINAL = "final", _("final")
        RESTATED = "restated", _("restated")

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="inventories")
    year = models.PositiveIntegerField(_("year"))
    gwp_set = models.CharField(_("GWP set"), max_length=4, default="AR5")
    previous_edition = models.BooleanField(
        _("previous grid factor edition for records ending by the transition date"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    engine_version = models.CharField(max_length=40, blank=True)
    factor_sets = models.JSONField(default=list, blank=True)  # [{id, name, source, edition, status}]
    factors_used = models.JSONField(default=list, blank=True)  # [{factor_id, source, edition, status, ...}]
    # editions of the reference data used (activity catalogue, conversions, blends, GWP extras):
    # [{id, name, title_th, title_en, edition, status, sha256}] (ecotown.core.models.ReferenceEdition)
    reference_editions = models.JSONField(default=list, blank=True)
    totals = models.JSONField(default=dict, blank=True)  # co2e_t, scope1_t, scope2_location_t, scope2_market_t, scope3_t, biogenic_co2_t
    by_gas = models.JSONField(default=dict, blank=True)
    by_category = models.JSONField(default=dict, blank=True)  # ISO 14064-1 category 1..6 -> t CO2e
    by_scope3_category = models.JSONField(default=dict, blank=True)
    memo = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # records left out because their activity has no factor: [{activity, records, quantity, unit}]
    # (quantity counted in the year, in the records' unit) — a disclosed exclusion (ISO 14064-1 §5.2.3)
    excluded = models.JSONField(default=list, blank=True)
    # ISO 14064-1 §8.3: {"pct": ± % of the total (95 %), "method": ..., "lines": n} (carbon/uncertainty.py)
    uncertainty = models.JSONField(default=dict, blank=True)
    n_records = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    restated_at = models.DateTimeField(null=True, blank=True)
    restated_reason = models.CharField(max_length=300, blank=True)
    final_totals = models.JSONField(null=True, blank=True)  # the totals when it was made final
    # corrections of counted records awaiting verification and their size (services._pending_corrections):
    # {"n", "co2e_delta_t", "scope1_delta_t", "scope2_location_delta_t", "scope3_delta_t", "records": [{"series",
    #  "counted_id", "pending_id", "state", "activity", "period_start", "period_end", "co2e_delta_t"}]}; {} when none
    pending_corrections = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    @property
    def restated_reason_label(self) -> str:
        """Why the inventory was restated, in words: the workflow step that changed its inputs (stored as
        the step's code) or the reason a person gave."""
        from django.utils.translation import gettext

        r = (self.restated_reason or "").strip()
        if r.startswith("locked ") and r[7:].isdigit():
            from ecotown.core.dates import year_label

            from django.utils.translation import get_language

            return gettext("the records of %(year)s were locked") % {"year": year_label(int(r[7:]), (get_language() or "th")[:2])}
        return str(RESTATE_REASONS.get(r, r))

    class Meta:
        ordering = ["-year", "organisation_id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="uniq_inventory_org_year")]

    def __str__(self):
        return f"inventory {self.organisation_id} {self.year}"

    def total(self, key: str):
        return (self.totals or {}).get(key)


class InventoryLine(OrganisationOwned):
    """Source record x gas (x factor edition when a record spans editions), with provenance.
    Derived data: replaced as a whole each time the inventory is recomputed.

    `source_kind` and `source_id` trace the line to the record it came from (today always
    "activities": reporting's ActivityRecord; a transport leg or a waste record can be a traced line
    of its own kind, see `ecotown.carbon.inputs.SOURCE_KINDS`). `record_id` is the activity record's
    id (same as `source_id` for activity lines), kept for the API and the Excel."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="lines")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=40, default="activities")
    source_id = models.BigIntegerField(null=True)
    record_id = models.BigIntegerField(null=True, db_index=True)
    record_version = models.PositiveIntegerField(null=True)
    activity = models.CharField(max_length=80)
    quantity = models.FloatField()
    unit = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    period_share = models.FloatField(default=1.0)
    edition_from = models.DateField(null=True)
    edition_to = models.DateField(null=True)
    gas = models.CharField(max_length=40)
    gas_kind = models.CharField(max_length=10)  # kyoto | memo | biogenic
    scope = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=10)
    iso_category = models.PositiveSmallIntegerField(null=True)
    scope3_category = models.PositiveSmallIntegerField(null=True)
    mass_t = models.FloatField()
    co2e_t = models.FloatField(null=True)
    gwp = models.FloatField(null=True)
    gwp_set = models.CharField(max_length=4)
    factor = models.ForeignKey(Factor, null=True, on_delete=models.PROTECT, related_name="+")
    factor_code = models.CharField(max_length=80)
    factor_value = models.FloatField()
    factor_unit = models.CharField(max_length=40)
    factor_source = models.CharField(max_length=300)
    factor_edition = models.CharField(max_length=200, blank=True)
    factor_status = models.CharField(max_length=20, blank=True)
    # the GWP set the factor's CO2e embeds ("" = a one-gas factor or not stated); differs from
    # `gwp_set` (the inventory's) when the inventory warns `gwp_mismatch`
    factor_gwp_set = models.CharField(max_length=4, blank=True, default="")
    conversion = models.TextField(blank=True)
    data_source = models.CharField(max_length=10, blank=True)  # the record's: meter | invoice | estimate | "" (unknown)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["inventory", "scope", "iso_category"])]  # a record's lines: record_id

    def __str__(self):
        return f"line {self.pk} ({self.activity}, {self.gas})"


class MonthResult(OrganisationOwned):
    """One organisation's emissions in one calendar month (month 0 = the whole year), kept up to date
    incrementally when a record changes, computed in the roll-up's GWP set (ECOTOWN_ROLLUP_GWP) so
    estate-wide and national sums use one set (the organisation's inventory keeps its own choice).
    Scope 2 and Scope 3 are after the operator's declared resale (`resold_scope2_t`: the resold
    share of its Scope 2, moved to its Scope 3 category 3). `internal_scope2_t`: the Scope 2
    (location) of the electricity this organisation, a small power producer, sold to other members
    (their Scope 2 for it is not added again estate-wide)."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    estate = models.ForeignKey("registry.Organisation", null=True, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    scope1_t = models.FloatField(default=0.0)
    scope2_location_t = models.FloatField(default=0.0)
    scope2_market_t = models.FloatField(default=0.0)
    scope3_t = models.FloatField(default=0.0)
    biogenic_co2_t = models.FloatField(default=0.0)
    internal_scope2_t = models.FloatField(default=0.0)
    resold_scope2_t = models.FloatField(default=0.0)
    co2e_t = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year", "month"], name="uniq_month_result")]
        indexes = [models.Index(fields=["estate", "year", "month"])]


class EstateResult(models.Model):
    """Estate-wide emissions (month 0 = year): Σ Scope 1 of every organisation in the estate (the
    operator included) + Σ Scope 2 (location) after the operator's resale (the resold share is in
    the buyers' Scope 2) − the Scope 2 of power members sold to other members (`scope2_internal_t`,
    already in the seller's Scope 1): each kWh counted once."""

    estate = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    scope1_t = models.FloatField(default=0.0)
    scope2_imported_t = models.FloatField(default=0.0)
    scope2_internal_t = models.FloatField(default=0.0)
    co2e_t = models.FloatField(default=0.0)
    n_organisations = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year", "month"], name="uniq_estate_result")]

    @property
    def organisation(self):
        return self.estate
