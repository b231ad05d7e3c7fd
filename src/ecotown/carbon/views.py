"""Carbon pages (thin: access via ecotown.access, state changes via services, reads via selectors)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from ecotown import access
from ecotown.access import Action
from ecotown.calc import ghg
from ecotown.core import cache
from ecotown.core.i18n import ui_lang as _ui_lang
from ecotown.registry.models import Organisation
from ecotown.core.models import UploadedFile
from ecotown.web import paging, pickers
from ecotown.web.forms import YearField, add_errors

from ecotown.registry import policies as registry_policies

from . import disclosure, exports, inputs, selectors, services
from .models import Factor, FactorSet, FactorStatus, Inventory
from .policies import CarbonAction

ISO_CATEGORIES = {
    1: gettext_lazy("Category 1: direct emissions and removals"),
    2: gettext_lazy("Category 2: indirect emissions from imported energy"),
    3: gettext_lazy("Category 3: indirect emissions from transportation"),
    4: gettext_lazy("Category 4: indirect emissions from products the organisation uses"),
    5: gettext_lazy("Category 5: indirect emissions from the use of the organisation's products"),
    6: gettext_lazy("Category 6: indirect emissions from other sources"),
}


EMPLOYEE_SOURCES = {
    "EmployeeRecord": gettext_lazy("verified monthly employee records"),
    "FactoryDetail": gettext_lazy("factory registry"),
}


def activity_name(code: str) -> str:
    from django.utils.translation import get_language

    c = ghg.activity_catalogue().get(code)
    if not c:
        return code
    return c["name_en"] if (get_language() or "th").startswith("en") else c["name_th"]


@login_required
def index(request):
    invs = selectors.inventories(request.user)
    estates = access.visible_orgs(request.user, Organisation.objects.filter(kind__in=["estate", "port"]))
    is_authority = access.can(request.user, CarbonAction.ROLLUP)
    managed = estates.none() if is_authority else registry_policies.managed(request.user, estates)
    year = selectors.years_available(request.user)[:1]
    page = paging.page(request, invs, on=(Inventory, Organisation))  # 70,000 factories × years: counted once
    return render(request, "carbon/index.html", {
        "page": page, "managed": managed, "is_authority": is_authority,
        "year": year[0] if year else dt.date.today().year - 1})


def _inventory(request, pk):
    return access.get_or_404(request.user, Inventory.objects.select_related("organisation", "organisation__parent"), pk=pk)


class OptionsForm(forms.Form):
    gwp_set = forms.ChoiceField(label=gettext_lazy("GWP set"), choices=[(g, g) for g in ghg.GWP_SETS])
    previous_edition = forms.BooleanField(
        label=gettext_lazy("Use the previous grid factor edition for records ending by 31 March 2026 (TGO transition)"),
        required=False)


#: the review states a pending correction can be in (reporting's State labels)
PENDING_STATES = {"draft": gettext_lazy("draft"), "submitted": gettext_lazy("submitted")}


def _signed(t) -> str:
    """t CO2e with its sign (+142.600 / −71.300), three decimals."""
    if t is None:
        return "–"
    return f"{t:+,.3f}".replace("-", "\u2212")


def _pending(inv) -> dict | None:
    """The inventory's pending corrections for the page: their number and size, each linked to its record."""
    pc = inv.pending_corrections or {}
    if not pc.get("n"):
        return None
    return {"n": pc["n"], "co2e": _signed(pc.get("co2e_delta_t")), "records": [{
        "url": reverse("reporting:record", args=[r["pending_id"]]), "name": activity_name(r["activity"]),
        "start": dt.date.fromisoformat(r["period_start"]), "end": dt.date.fromisoformat(r["period_end"]),
        "state": PENDING_STATES.get(r["state"], r["state"]), "co2e": _signed(r.get("co2e_delta_t"))}
        for r in pc.get("records", [])]}


@login_required
def inventory_detail(request, pk: int):
    inv = _inventory(request, pk)
    cats = [{"n": n, "label": ISO_CATEGORIES[n], "co2e_t": inv.by_category.get(str(n), 0.0)} for n in range(1, 7)]
    sources = selectors.by_activity(inv)
    for s in sources:
        s["name"] = activity_name(s["activity"])
    factors = {f.factor_id: f for f in Factor.objects.filter(
        factor_id__in=[f["factor_id"] for f in inv.factors_used]).select_related("factor_set")}
    statuses = dict(Inventory.Status.choices)
    trend = [{**t, "status_label": statuses.get(t["status"], t["status"])}
             for t in selectors.trend(inv.organisation, request.user)]
    intensity = selectors.intensity(inv.organisation, inv.year)
    return render(request, "carbon/inventory.html", {
        "inv": inv, "org": inv.organisation, "categories": cats, "sources": sources,
        "gases": sorted(inv.by_gas.items()), "memo": sorted(inv.memo.items()),
        "factors_used": [({**f, "status_label": disclosure.in_lang(disclosure.status_label(f.get("status", "")), _ui_lang())},
                          factors.get(f["factor_id"]), activity_name(f["activity"])) for f in inv.factors_used],
        "disc": disclosure.in_lang(disclosure.build(inv), _ui_lang()),
        "factor_sets": [{**s, "status_label": disclosure.in_lang(disclosure.status_label(s.get("status", "")), _ui_lang())}
                        for s in inv.factor_sets],
        "months": selectors.months(inv.organisation, inv.year), "trend": trend,
        "intensity": intensity, "employees_source": EMPLOYEE_SOURCES.get(intensity["employees_source"], ""),
        "can_change": access.can(request.user, Action.CHANGE, inv),
        "can_declare_sales": (inv.organisation.kind in services.MEMBER_KINDS and inv.organisation.parent_id is not None
                              and access.can(request.user, Action.CHANGE, inv.organisation)),
        "can_finalise": access.can(request.user, CarbonAction.FINALISE, inv) and inv.status in (
            Inventory.Status.DRAFT, Inventory.Status.RESTATED),
        "pending": _pending(inv),
        "recompute": services.recompute_waiting(inv.organisation_id, inv.year),
        "options": OptionsForm(initial={"gwp_set": inv.gwp_set, "previous_edition": inv.previous_edition}),
    })


@login_required
def inventory_lines(request, pk: int):
    inv = _inventory(request, pk)
    g = request.GET
    qs = selectors.lines(inv, scope=g.get("scope"), category=g.get("category"), gas=g.get("gas"),
                         activity=g.get("activity"), basis=g.get("basis", "location"))
    page = Paginator(qs, 100).get_page(g.get("page"))
    evidence = {}  # (source kind, source id) -> evidence files of the record the line traces to
    sources: dict[str, set[int]] = {}
    for ln in page:
        if ln.source_id:
            sources.setdefault(ln.source_kind, set()).add(ln.source_id)
    opens: set[tuple] = set()  # (source kind, source id) of the records the user may open (their page, versions)
    for kind, ids in sorted(sources.items()):
        Record = inputs.source_model(kind)
        seen = access.visible(request.user, Record.objects.filter(pk__in=ids))  # (access decides, not the inventory)
        if hasattr(Record, "evidence"):
            files = access.visible(request.user, UploadedFile.objects.order_by("pk"))
            seen = seen.prefetch_related(Prefetch("evidence", queryset=files))
        for r in seen:
            opens.add((kind, r.pk))
            if hasattr(Record, "evidence"):
                evidence[(kind, r.pk)] = list(r.evidence.all())
    lang = _ui_lang()
    rows = [(ln, activity_name(ln.activity), evidence.get((ln.source_kind, ln.source_id), []),
             disclosure.in_lang(disclosure.line_counted(ln, inv.year)["text"], lang),
             disclosure.in_lang(disclosure.status_label(ln.factor_status), lang),
             ln.source_kind == "activities" and (ln.source_kind, ln.source_id) in opens)
            for ln in page]
    filter_labels = []
    if g.get("scope"):
        filter_labels.append(f"Scope {g['scope']}")
    if g.get("gas"):
        filter_labels.append(g["gas"])
    if g.get("activity"):
        filter_labels.append(activity_name(g["activity"]))
    if g.get("basis") == "market":
        filter_labels.append(_("market-based"))
    return render(request, "carbon/lines.html", {"inv": inv, "org": inv.organisation, "page": page, "rows": rows,
                                                 "filter_labels": filter_labels,
                                                 "category_label": ISO_CATEGORIES.get(int(g["category"])) if g.get("category", "").isdigit() and int(g["category"]) in ISO_CATEGORIES else None})


@login_required
def factor_detail(request, pk: int):
    f = Factor.objects.select_related("factor_set", "factor_set__organisation").filter(pk=pk).first()
    if f is None or not access.can(request.user, Action.VIEW, f):
        raise Http404
    return render(request, "carbon/factor.html", {"f": f, "activity_label": activity_name(f.activity)})


@login_required
@require_POST
def inventory_recompute(request, pk: int):
    inv = _inventory(request, pk)
    access.require(request.user, Action.CHANGE, inv)
    services.request_recompute(request.user, inv.organisation, inv.year)
    from ecotown.core import worker

    if worker.missing():
        messages.warning(request, _("No background worker is running — the recompute is queued and will run when "
                                    "it starts. Please tell the system administrator."))
    else:
        messages.success(request, _("The inventory is being recomputed."))
    return redirect("carbon:inventory", pk=inv.pk)


@login_required
def inventory_finalise(request, pk: int):
    """Make final — after a confirmation page that shows what becomes final (totals, records used,
    corrections still waiting, sources left out): the POST acts only with `confirm`."""
    inv = _inventory(request, pk)
    access.require(request.user, CarbonAction.FINALISE, inv)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "carbon/finalise.html", {
            "inv": inv, "org": inv.organisation, "pending": _pending(inv),
            "disc": disclosure.in_lang(disclosure.build(inv), _ui_lang()),
            "recompute": services.recompute_waiting(inv.organisation_id, inv.year),
            "can_finalise": inv.status in (Inventory.Status.DRAFT, Inventory.Status.RESTATED),
            "unconfirmed": request.method == "POST"})
    try:
        services.finalise(request.user, inv)
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("The inventory is final."))
    return redirect("carbon:inventory", pk=inv.pk)


@login_required
@require_POST
def inventory_options(request, pk: int):
    inv = _inventory(request, pk)
    access.require(request.user, Action.CHANGE, inv)
    form = OptionsForm(request.POST)
    if form.is_valid():
        services.set_options(request.user, inv, gwp_set=form.cleaned_data["gwp_set"],
                             previous_edition=form.cleaned_data["previous_edition"])
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose AR4, AR5 or AR6."))
    return redirect("carbon:inventory", pk=inv.pk)


@login_required
def inventory_xlsx(request, pk: int):
    inv = _inventory(request, pk)
    data = exports.inventory_workbook(inv)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="ghg-inventory-{inv.organisation_id}-{inv.year}.xlsx"'
    return resp


@login_required
def inventory_pdf(request, pk: int):
    inv = _inventory(request, pk)
    data = exports.inventory_pdf(inv, request)
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="ghg-inventory-{inv.organisation_id}-{inv.year}.pdf"'
    return resp


def _year(request, default=None) -> int:
    try:
        return int(request.GET.get("year") or default or (dt.date.today().year - 1))
    except ValueError:
        raise Http404


@login_required
def estate_view(request, pk: int):
    estate = access.get_or_404(request.user, Organisation.objects.filter(kind__in=["estate", "port"]), pk=pk)
    years = sorted(set(selectors.years_available(request.user)), reverse=True)
    year = _year(request, years[0] if years else None)
    wide = selectors.estate_wide(estate, year, user=request.user)
    own = selectors.organisation_inventory(estate, year, user=request.user)
    sales = wide["sales"] if wide else selectors.energy_sales(estate, year)
    for s in sales:
        s["activity_name"] = activity_name(s["activity"])
    if wide:
        inv_ids = dict(Inventory.objects.filter(year=year, organisation_id__in=[
            o["organisation_id"] for o in wide["organisations"]]).values_list("organisation_id", "pk"))
        for o in wide["organisations"]:
            o["inventory_id"] = inv_ids.get(o["organisation_id"])
    return render(request, "carbon/estate.html", {
        "estate": estate, "year": year, "years": years, "wide": wide, "own": own,
        "sales": sales,
        "can_change_sales": access.can(request.user, Action.CHANGE, estate)})


def _scope2_activities() -> list[tuple[str, str]]:
    return [(code, activity_name(code)) for code, c in ghg.activity_catalogue().items() if c["scope"] == "2"]


class SaleForm(forms.Form):
    seller = forms.TypedChoiceField(label=gettext_lazy("seller"), coerce=int)
    year = YearField(label=gettext_lazy("year"))
    activity = forms.ChoiceField(label=gettext_lazy("activity"))
    quantity = forms.DecimalField(label=gettext_lazy("quantity sold in the year"), min_value=0, max_digits=20,
                                  decimal_places=6, help_text=gettext_lazy("0 withdraws the declaration."))
    unit = forms.CharField(label=gettext_lazy("unit"), max_length=40, initial="kWh")
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)


    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # the site's form look; full width on a phone
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control")


def _sales_page(request, estate, sellers: list, *, labels: dict, done_url, back_url: str, back_name: str,
                member=None):
    """The one declaration page of energy sold inside `estate`: `sellers` (the organisations the user
    may declare for, each with its label) and the declarations shown are those of these sellers."""
    by_pk = {o.pk: o for o in sellers}
    year = _year(request)
    form = SaleForm(request.POST or None, initial={"seller": sellers[0].pk, "year": year, "unit": "kWh"})
    form.fields["seller"].choices = [(o.pk, labels.get(o.pk, o.name)) for o in sellers]
    form.fields["activity"].choices = _scope2_activities()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.declare_energy_sale(request.user, estate, year=d["year"], activity=d["activity"],
                                         quantity=d["quantity"], unit=d["unit"], seller=by_pk[d["seller"]],
                                         note=d["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved. The estate-wide results were recomputed."))
            return redirect(done_url + f"?year={d['year']}")
    if request.method == "POST" and str(form.data.get("year", "")).isdigit():
        year = int(form.data["year"])
    sales = [s for s in selectors.energy_sales(estate, year) if s["seller_id"] in by_pk]
    for s in sales:
        s["activity_name"] = activity_name(s["activity"])
    return render(request, "carbon/energy_sales.html", {
        "estate": estate, "form": form, "year": year, "sales": sales,
        "back_url": back_url if member else f"{back_url}?year={year}", "back_name": back_name, "member": member})


@login_required
def energy_sales(request, pk: int):
    """Energy sold inside the estate in a year, declared by its seller and reconciled with purchases:
    the operator's resale to its members (at most what it bought; moved from its Scope 2 to Scope 3
    category 3), or a member's own generation sold to other members (counted once estate-wide)."""
    estate = access.get_or_404(request.user, Organisation.objects.filter(kind__in=["estate", "port"]), pk=pk)
    access.require(request.user, Action.CHANGE, estate)
    sellers = [estate] + [o for o in Organisation.objects.filter(parent=estate, kind__in=services.MEMBER_KINDS)
                          .order_by("name_th") if access.can(request.user, Action.CHANGE, o)]
    estate_url = reverse("carbon:estate", args=[estate.pk])
    return _sales_page(request, estate, sellers,
                       labels={estate.pk: estate.name + " · " + pgettext("organisation role", "estate operator")},
                       done_url=estate_url, back_url=estate_url, back_name=estate.name)


@login_required
def member_energy_sales(request, pk: int):
    """A member of an estate that generates power (a small power producer) declares what it sold to
    the other members in a year — the same declaration as on the estate's page, for its own
    organisation only; it sees its own declarations, never the other members'."""
    org = access.get_or_404(request.user, Organisation.objects.filter(kind__in=services.MEMBER_KINDS), pk=pk)
    access.require(request.user, Action.CHANGE, org)
    estate = org.parent if org.parent_id and org.parent.kind in services.ESTATE_KINDS else None
    if estate is None:
        raise Http404
    return _sales_page(request, estate, [org], labels={}, done_url=reverse("carbon:member_energy_sales", args=[org.pk]),
                       back_url=reverse("carbon:index"), back_name=org.name, member=org)


@login_required
def authority_view(request):
    if not access.can(request.user, CarbonAction.ROLLUP):
        raise Http404
    years = selectors.years_available(request.user)
    year = _year(request, years[0] if years else None)
    return render(request, "carbon/authority.html", {"year": year, "years": years,
                                                     "rollup": selectors.rollup(year, request.user)})


@login_required
def map_data(request):
    """Estates and ports the user may see, coloured by estate-wide emissions of the year (GeoJSON)."""
    year = _year(request)
    data = selectors.rollup(year, request.user)
    features = []
    for item in data["estates"]:
        e = item["estate"]
        if e.lat is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
                         "properties": {"id": e.pk, "name": e.name, "kind": e.kind, "co2e_t": item["co2e_t"],
                                        "scope1_t": item["scope1_t"], "scope2_imported_t": item["scope2_imported_t"],
                                        "url": reverse("carbon:estate", args=[e.pk]) + f"?year={year}"}})
    return JsonResponse({"type": "FeatureCollection", "year": year, "features": features})


class UploadForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=200)
    source = forms.CharField(label=gettext_lazy("source"), max_length=300)
    edition = forms.CharField(label=gettext_lazy("edition"), max_length=200)
    url = forms.CharField(label=gettext_lazy("URL"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("status"), choices=FactorStatus.choices, initial=FactorStatus.USER)
    organisation = forms.ModelChoiceField(label=gettext_lazy("organisation"), queryset=Organisation.objects.none(),
                                          required=False,
                                          help_text=gettext_lazy("Only for supplier-specific sets: the organisation whose inventory uses it."))
    file = forms.FileField(label=gettext_lazy("CSV file"))


@login_required
def library(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    changeable = selectors.supplier_set_orgs(request.user)
    n_changeable = cache.count(changeable, on=(Organisation,))
    form.fields["organisation"].queryset = changeable.order_by("name_th", "pk")
    form.fields["organisation"].label_from_instance = pickers.label
    pickers.fit(form.fields["organisation"], "carbon.factor_set", n_changeable)  # thousands for the authority
    can_upload = access.can(request.user, Action.CHANGE, FactorSet(organisation=None)) or n_changeable > 0
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                fs = services.upload_factor_set(request.user, data=d["file"].read(), file_name=d["file"].name,
                                                name=d["name"], source=d["source"], edition=d["edition"], url=d["url"],
                                                status=d["status"], organisation=d["organisation"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("carbon:library") + f"#set-{fs.pk}")
    sets = selectors.factor_sets(request.user).prefetch_related("factors")
    return render(request, "carbon/library.html", {"sets": sets, "form": form, "can_upload": can_upload})
