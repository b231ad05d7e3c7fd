from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TSIC, EstateDetail, Kind, Organisation, Province


class OrganisationForm(forms.Form):
    name_th = forms.CharField(label=_("name (Thai)"), max_length=255)
    name_en = forms.CharField(label=_("name (English)"), max_length=255)
    code = forms.CharField(label=_("code"), max_length=40, required=False)
    province = forms.ModelChoiceField(label=_("province"), queryset=Province.objects.all(), required=False)
    address = forms.CharField(label=_("address"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    lat = forms.FloatField(label=_("latitude"), required=False)
    lon = forms.FloatField(label=_("longitude"), required=False)
    is_public = forms.BooleanField(label=_("public profile"), required=False, initial=True)


class EstateForm(OrganisationForm):
    boundary = forms.JSONField(label=_("boundary (GeoJSON)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}))
    operator_type = forms.ChoiceField(label=_("operator"), choices=EstateDetail.Operator.choices)
    developer = forms.CharField(label=_("developer"), required=False)
    year_opened = forms.IntegerField(label=_("year opened"), required=False)
    area_total_rai = forms.DecimalField(label=_("total area (rai)"), required=False)
    area_industrial_rai = forms.DecimalField(label=_("industrial zone (rai)"), required=False)
    area_utilities_rai = forms.DecimalField(label=_("utilities (rai)"), required=False)
    area_green_rai = forms.DecimalField(label=_("green area (rai)"), required=False)
    area_sold_rai = forms.DecimalField(label=_("sold (rai)"), required=False)
    area_leased_rai = forms.DecimalField(label=_("leased (rai)"), required=False)
    area_available_rai = forms.DecimalField(label=_("available (rai)"), required=False)


class FactoryForm(OrganisationForm):
    diw_number = forms.CharField(label=_("DIW registration number"), max_length=40,
                                 help_text=_("e.g. 3-105-1/45ชบ or the 14-digit number"))
    tsic = forms.ModelChoiceField(label=_("TSIC activity"), queryset=TSIC.objects.all(), required=False)
    employees = forms.IntegerField(label=_("employees"), required=False, min_value=0)
    in_ghg_network = forms.BooleanField(label=_("member of the GHG-reduction network"), required=False)


def fit_to_parent(form, kind: str, parent: Organisation | None) -> None:
    """Offer only what applies: a factory (waste processor) in an estate with a province takes that
    province — prefilled, the only choice; left out, the model gives it (and refuses another one: Organisation.clean)."""
    from .models import IN_ESTATE_PROVINCE

    if kind in IN_ESTATE_PROVINCE and parent is not None and parent.province_id and "province" in form.fields:
        field = form.fields["province"]
        field.queryset = Province.objects.filter(pk=parent.province_id)
        field.initial = parent.province_id
        field.empty_label = None
        field.help_text = _("The province of %(estate)s.") % {"estate": parent.name}
        if not form.is_bound:
            form.initial.setdefault("province", parent.province_id)


def form_class_for(kind: str):
    if kind in {Kind.ESTATE, Kind.PORT}:
        return EstateForm
    if kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
        return FactoryForm
    return OrganisationForm


def initial_for(org: Organisation) -> dict:
    data = {f: getattr(org, f) for f in ("name_th", "name_en", "code", "address", "lat", "lon", "is_public")}
    data["province"] = org.province_id
    if org.kind in {Kind.ESTATE, Kind.PORT}:
        data["boundary"] = org.boundary
        detail = getattr(org, "estate", None)
        if detail:
            for f in EstateForm.base_fields:
                if hasattr(detail, f):
                    data[f] = getattr(detail, f)
    if org.kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
        detail = org.factory
        data.update(diw_number=detail.diw_number, tsic=detail.tsic_id, employees=detail.employees,
                    in_ghg_network=detail.in_ghg_network)
    return data


class EstateFilter(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    kind = forms.ChoiceField(label=_("kind"), required=False,
                             choices=[("", _("estates and ports")), (Kind.ESTATE, Kind.ESTATE.label), (Kind.PORT, Kind.PORT.label)])
    province = forms.ModelChoiceField(label=_("province"), queryset=Province.objects.all(), required=False)
    operator = forms.ChoiceField(label=_("operator"), required=False, choices=[("", "—")] + list(EstateDetail.Operator.choices))
    eco = forms.ChoiceField(label=_("Eco level"), required=False,
                            choices=[("", "—"), ("any", _("any level")), ("none", _("no level"))])


class FactoryFilter(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    estate = forms.ModelChoiceField(label=_("estate or port"), required=False,
                                    queryset=Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT]))
    tsic = forms.ModelChoiceField(label=_("TSIC activity"), queryset=TSIC.objects.all(), required=False)
    network = forms.ChoiceField(label=_("GHG-reduction network"), required=False,
                                choices=[("", "—"), ("yes", _("member")), ("no", _("not a member"))])
