from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotown.registry.policies import RegistryAction
from ecotown.accounts.policies import AccountsAction
from ecotown import access
from ecotown.web.forms import add_errors
from ecotown.access import Action
from ecotown.core import cache
from ecotown.core.models import ChangeRecord
from ecotown.web import paging

from . import choices, search, services
from .forms import EstateFilter, FactoryFilter, fit_to_parent, form_class_for, initial_for
from .models import EstateDetail, FactoryDetail, Kind, Organisation

PAGE_SIZE = 50


def _search(qs, q: str):
    return search.containing(qs, q)


# what a list's filters can read: its count is kept until one of these is written
LIST_MODELS = (Organisation, FactoryDetail, EstateDetail)


def _page(request, qs):
    return paging.page(request, qs, on=LIST_MODELS, per_page=PAGE_SIZE)


def _all_factory_counts() -> dict[int, int]:
    return dict(Organisation.objects.filter(kind=Kind.FACTORY, parent__isnull=False)
                .values("parent_id").annotate(n=Count("pk")).values_list("parent_id", "n"))


def factory_counts(estate_ids) -> dict[int, int]:
    """Factories per estate: one grouped query over the (kind, parent) index for every estate, kept
    until an organisation is written (ecotown.core.cache)."""
    every = cache.cached("registry.factory_counts", _all_factory_counts, on=(Organisation,))
    return {pk: every[pk] for pk in estate_ids if pk in every}


def with_factory_counts(objs):
    objs = list(objs)
    counts = factory_counts(o.pk for o in objs)
    for o in objs:
        o.n_factories = counts.get(o.pk, 0)
    return objs


def shown_estates(user):
    """Estates and ports a signed-in user finds in lists and on the map: those they see, and every public
    one besides (a factory user never sees less than an anonymous visitor)."""
    qs = Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT])
    return access.visible_orgs(user, qs) | access.public(qs)


def with_urls(user, objs):
    """Each estate's link: its page for those who see it, else its public page."""
    objs = list(objs)
    seen = set(access.visible_orgs(user, Organisation.objects.filter(pk__in=[o.pk for o in objs]))
               .values_list("pk", flat=True)) if objs else set()
    for o in objs:
        o.url = reverse("org_detail", args=[o.pk]) if o.pk in seen else reverse("public_estate", args=[o.pk])
    return objs


@login_required
def estate_list(request):
    form = EstateFilter(request.GET or None)
    qs = shown_estates(request.user)
    if form.is_valid():
        d = form.cleaned_data
        qs = search.containing(qs, d["q"], few=True)
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["province"]:
            qs = qs.filter(province=d["province"])
        if d["operator"]:
            qs = qs.filter(estate__operator_type=d["operator"])
        if d["eco"] == "any":
            qs = qs.exclude(eco_level="")
        elif d["eco"] == "none":
            qs = qs.filter(eco_level="")
    page = _page(request, qs.select_related("province", "estate").order_by(*choices.few_by_name()))
    page.object_list = with_urls(request.user, with_factory_counts(page.object_list))
    template = "registry/_estate_rows.html" if request.headers.get("HX-Request") else "registry/estate_list.html"
    return render(request, template, {"form": form, "page": page,
                                      "can_add": access.can(request.user, RegistryAction.ADD_ESTATE)})


@login_required
def factory_list(request):
    form = FactoryFilter(request.GET or None)
    choices.fit(form.fields["estate"], access.visible_orgs(
        request.user, Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT])).order_by("name_th", "pk"))
    qs = access.visible_orgs(request.user, Organisation.objects.filter(kind__in=[Kind.FACTORY, Kind.WASTE_PROCESSOR]))
    if form.is_valid():
        d = form.cleaned_data
        qs = _search(qs, d["q"])
        if d["estate"]:
            qs = qs.filter(parent=d["estate"])
        if d["tsic"]:
            qs = qs.filter(factory__tsic=d["tsic"])
        if d["network"]:
            qs = qs.filter(factory__in_ghg_network=d["network"] == "yes")
    qs = qs.select_related("parent", "factory", "factory__tsic").order_by("name_th", "pk")
    template = "registry/_factory_rows.html" if request.headers.get("HX-Request") else "registry/factory_list.html"
    return render(request, template, {"form": form, "page": _page(request, qs)})


@login_required
def org_detail(request, pk: int):
    org = access.get_or_404(request.user, Organisation.objects.select_related("province", "parent"), pk=pk)
    ctx = {"org": org, "can_change": access.can(request.user, Action.CHANGE, org),
           "can_add_child": access.can(request.user, RegistryAction.ADD_CHILD, org),
           "can_members": access.can(request.user, AccountsAction.MANAGE_MEMBERS, org),
           "history": ChangeRecord.for_object(org)[:30],
           "products": org.products.all(), "contacts": org.contacts.all()}
    if org.kind in {Kind.ESTATE, Kind.PORT}:
        ctx["detail"] = getattr(org, "estate", None)
        counts = dict(org.children.values_list("kind").annotate(n=Count("pk")))
        ctx["child_counts"] = [(Kind(k).label, n) for k, n in sorted(counts.items())]
        ctx["schools"] = org.children.filter(kind__in=[Kind.SCHOOL, Kind.COMMUNITY]).order_by("name_th")[:50]
        ctx["detail_history"] = ChangeRecord.for_object(ctx["detail"])[:30] if ctx["detail"] else []
    elif org.kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
        ctx["detail"] = org.factory
        ctx["detail_history"] = ChangeRecord.for_object(org.factory)[:30]
    if ctx["can_members"]:
        ctx["members"] = org.memberships.filter(is_active=True).select_related("user")
    return render(request, "registry/org_detail.html", ctx)


def _form_to_data(kind, cleaned: dict) -> dict:
    data = dict(cleaned)
    if "boundary" in data and data["boundary"] in ("", None):
        data["boundary"] = None
    for k in ("code", "address"):
        if k in data and data[k] is None:
            data[k] = ""
    return data


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk: int):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=pk)
    access.require(request.user, Action.CHANGE, org)
    form_class = form_class_for(org.kind)
    form = form_class(request.POST or None, initial=initial_for(org))
    fit_to_parent(form, org.kind, org.parent)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(request.user, org, _form_to_data(org.kind, form.cleaned_data))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("org_detail", pk=org.pk)
    return render(request, "registry/org_form.html", {"form": form, "org": org, "title": _("Edit")})


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request, kind: str, parent: int | None = None):
    parent_org = None
    if kind in {Kind.ESTATE, Kind.PORT}:
        access.require(request.user, RegistryAction.ADD_ESTATE)
    else:
        parent_org = access.get_or_404(request.user, Organisation.objects.all(), pk=parent)
        access.require(request.user, RegistryAction.ADD_CHILD, parent_org)
    if kind not in Kind.values or kind == Kind.AUTHORITY:
        return HttpResponse(status=404)
    form = form_class_for(kind)(request.POST or None)
    fit_to_parent(form, kind, parent_org)
    if request.method == "POST" and form.is_valid():
        data = _form_to_data(kind, form.cleaned_data)
        try:
            if kind in {Kind.ESTATE, Kind.PORT}:
                org = services.create_estate(request.user, data, kind=kind)
            elif kind in {Kind.FACTORY, Kind.WASTE_PROCESSOR}:
                org = services.create_factory(request.user, parent_org, data, kind=kind)
            else:
                data.pop("boundary", None)
                org = services.create_member_org(request.user, parent_org, kind, data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Created."))
            return redirect("org_detail", pk=org.pk)
    return render(request, "registry/org_form.html",
                  {"form": form, "parent": parent_org, "title": _("New") + " " + str(Kind(kind).label)})


@login_required
def estate_map(request):
    return render(request, "registry/map.html", {})


@login_required
def map_data(request):
    """Estates and ports the user may see, and every public one, as GeoJSON (points and boundaries)."""
    qs = shown_estates(request.user)
    features = []
    for o in with_urls(request.user, with_factory_counts(cache.rows(qs.select_related("province"), on=LIST_MODELS))):
        props = {"id": o.pk, "kind": o.kind, "name": o.name, "name_th": o.name_th, "name_en": o.name_en,
                 "province": o.province.name if o.province else "", "eco_level": o.eco_level,
                 "factories": o.n_factories, "url": o.url}
        if o.lat is not None:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                             "properties": props})
        if o.boundary:
            features.append({"type": "Feature", "geometry": o.boundary, "properties": {**props, "boundary": True}})
    return JsonResponse({"type": "FeatureCollection", "features": features})


def public_estates(request):
    qs = access.public(Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT])).select_related("province")
    qs = search.containing(qs, request.GET.get("q", ""), few=True)
    return render(request, "public/estates.html", {"page": _page(request, qs.order_by(*choices.few_by_name())),
                                                   "q": request.GET.get("q", "")})


def public_estate(request, pk: int):
    org = access.public(Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT], pk=pk)).select_related(
        "province", "estate").first()
    if org is None:
        return render(request, "404.html", status=404)
    n_factories = factory_counts([org.pk]).get(org.pk, 0)
    return render(request, "public/estate.html", {"org": org, "n_factories": n_factories})
