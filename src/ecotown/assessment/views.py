"""Pages of the assessment capability (thin: read through selectors, change through services)."""
from __future__ import annotations

from django import forms

from ecotown.web import pickers
from ecotown.web.forms import YearField
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotown.registry.policies import RegistryAction
from ecotown.accounts.policies import AccountsAction
from ecotown import access
from ecotown.core import cache
from ecotown.access import Action
from ecotown.registry.models import Kind, Organisation

from . import exports, selectors, services
from .models import Assessment, FrameworkVersion


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


class StartForm(forms.Form):
    """Start an assessment: only the organisations the user may assess, only the published frameworks that
    apply to their kinds (a framework applies to one kind: estate, factory …), the year in B.E. or C.E."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=gettext_lazy("Organisation"))
    framework_version = forms.ModelChoiceField(queryset=FrameworkVersion.objects.none(), label=gettext_lazy("Framework"))
    year = YearField(label=gettext_lazy("Year"))
    scenario = forms.ChoiceField(choices=Assessment.SCENARIOS, label=gettext_lazy("Performance"), initial=Assessment.CURRENT)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Count

        orgs = selectors.assessable_orgs(user)
        per_kind = cache.mapping(orgs.values_list("kind").annotate(n=Count("pk")).order_by(), on=(Organisation,),
                                 name="assessment.start_kinds")  # one query, kept until an organisation is written
        published = list(selectors.published_versions().values_list("pk", "applies_to"))  # one query
        kinds_with_framework = set(per_kind) & {kind for _pk, kind in published}
        orgs = orgs.filter(kind__in=kinds_with_framework)
        versions = selectors.published_versions().filter(applies_to__in=kinds_with_framework)
        self.fields["organisation"].queryset = orgs
        self.fields["framework_version"].queryset = versions
        applies = {k: label for k, label in Kind.choices}
        self.fields["framework_version"].label_from_instance = lambda v: (
            f"{v.name} — {v.version} ({applies.get(v.applies_to, v.applies_to)})")
        self.fields["organisation"].label_from_instance = pickers.label
        # thousands of organisations (an estate manager, the authority): a search box, not a drop-down
        pickers.fit(self.fields["organisation"], "assessment.start", sum(per_kind[k] for k in kinds_with_framework))
        self.offered = bool(kinds_with_framework)
        self.without_framework = sorted(str(applies.get(k, k)) for k in set(per_kind) - kinds_with_framework)
        if not self.is_bound and sum(per_kind[k] for k in kinds_with_framework) == 1:   # one organisation: chosen
            only = orgs.first()
            self.initial.setdefault("organisation", only.pk)
            fitting = [pk for pk, kind in published if kind == only.kind]
            if len(fitting) == 1:
                self.initial.setdefault("framework_version", fitting[0])

    def clean(self):
        d = super().clean()
        org, version = d.get("organisation"), d.get("framework_version")
        if org is not None and version is not None and version.applies_to != org.kind:
            self.add_error("framework_version", _("This framework is for another kind of organisation than %(org)s.")
                           % {"org": org.name})
        return d


def _start_form(user, data=None):
    from django.utils import timezone

    from ecotown.core import dates
    from ecotown.core.i18n import ui_lang

    return StartForm(user, data, initial={"year": dates.year_label(timezone.localdate().year, ui_lang())})


@login_required
def index(request):
    form = _start_form(request.user)
    rows = selectors.assessments_for(request.user)[:200]
    return render(request, "assessment/index.html", {
        "form": form, "rows": rows, "is_admin": access.can(request.user, AccountsAction.ADMIN_REFERENCE),
        "is_authority": access.can(request.user, RegistryAction.PROGRAMME)})


@login_required
@require_POST
def start(request):
    form = _start_form(request.user, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            a = services.start_assessment(request.user, d["organisation"], d["framework_version"], d["year"],
                                          d["scenario"])
            return redirect("assessment:detail", pk=a.pk)
        except ValidationError as exc:
            for m in _errors(exc):
                form.add_error(None, m)
    rows = selectors.assessments_for(request.user)[:200]
    return render(request, "assessment/index.html", {"form": form, "rows": rows}, status=422)


# --- frameworks ---------------------------------------------------------------------------------

class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Framework file (YAML)"))


@login_required
@require_http_methods(["GET", "POST"])
def frameworks(request):
    is_admin = access.can(request.user, AccountsAction.ADMIN_REFERENCE)
    form = UploadForm()
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                text = f.read().decode("utf-8")
            except UnicodeDecodeError:
                text = None
                problems = [_("The file is not UTF-8 text.")]
            if text is not None:
                try:
                    v = services.upload_framework(request.user, text, f.name)
                    messages.success(request, _("Framework version %(v)s uploaded as a draft.") % {"v": v.version})
                    return redirect("assessment:framework_version", pk=v.pk)
                except ValidationError as exc:
                    problems = _errors(exc)
        status = 422
    return render(request, "assessment/frameworks.html", {
        "versions": selectors.versions_for(request.user), "form": form, "problems": problems, "is_admin": is_admin},
        status=status)


@login_required
def framework_version(request, pk: int):
    v = selectors.version_or_404(request.user, pk)
    fw = v.parsed()
    return render(request, "assessment/framework_version.html", {
        "v": v, "fw": fw, "rows": selectors.indicator_rows(fw),
        "is_admin": access.can(request.user, Action.CHANGE, v),
        "assessments": selectors.assessments_for(request.user).filter(framework_version=v)[:100]})


@login_required
def framework_export(request, pk: int):
    v = selectors.version_or_404(request.user, pk)
    resp = HttpResponse(services.export_yaml(v), content_type="application/yaml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{v.framework.code}-{v.version}.yaml"'
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def framework_publish(request, pk: int):
    """GET: what publishing means for this version (confirmation page); POST with `confirm`: publish."""
    v = selectors.version_or_404(request.user, pk)
    access.require(request.user, Action.CHANGE, v)
    if request.method != "POST" and v.is_published:
        return redirect("assessment:framework_version", pk=v.pk)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        current = (FrameworkVersion.objects.filter(framework=v.framework, status=FrameworkVersion.PUBLISHED)
                   .exclude(pk=v.pk).order_by("-published_at").first())
        return render(request, "assessment/publish_confirm.html", {
            "v": v, "current": current, "unconfirmed": request.method == "POST",
            "n_assessments": Assessment.objects.filter(framework_version__framework=v.framework).count()})
    try:
        services.publish(request.user, v)
        messages.success(request, _("Published."))
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("assessment:framework_version", pk=v.pk)


@login_required
@require_http_methods(["GET", "POST"])
def framework_edit(request, pk: int):
    v = selectors.version_or_404(request.user, pk)
    access.require(request.user, Action.CHANGE, v)
    fw = v.parsed()
    problems: list[str] = []
    if request.method == "POST":
        changes: dict = {"__framework__": {"name_th": request.POST.get("fw_name_th", ""),
                                          "name_en": request.POST.get("fw_name_en", "")}}
        for _dim, ind in fw.indicators():
            p = f"i-{ind.id}-"
            ch = {k: request.POST.get(p + k, "") for k in ("name_th", "name_en", "points", "threshold_status")}
            ch["thresholds"] = {lv.id: request.POST.get(p + "t-" + lv.id, "").strip() for lv in fw.levels}
            changes[ind.id] = ch
        try:
            nv = services.edit_framework(request.user, v, changes, request.POST.get("new_version") or None)
            messages.success(request, _("Saved as draft version %(v)s.") % {"v": nv.version})
            return redirect("assessment:framework_version", pk=nv.pk)
        except ValidationError as exc:
            problems = _errors(exc)
    return render(request, "assessment/framework_edit.html", {
        "v": v, "fw": fw, "rows": selectors.indicator_rows(fw), "problems": problems,
        "statuses": selectors.THRESHOLD_STATUSES}, status=422 if problems else 200)


# --- assessments ----------------------------------------------------------------------------------

def _assessment(request, pk):
    return access.get_or_404(request.user, Assessment.objects.select_related(
        "organisation", "framework_version__framework"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    a = _assessment(request, pk)
    can_change = access.can(request.user, Action.CHANGE, a)
    fw = a.framework_version.parsed()
    errors: dict = {}
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        answers = {}
        for _dim, ind in fw.indicators():
            key = "v-" + ind.id
            if ind.kind == "checklist":
                raw = request.POST.get(key, "")
                answers[ind.id] = {"true": True, "false": False}.get(raw)
            elif key in request.POST:
                answers[ind.id] = request.POST.get(key)
        # indicators filled from the KPI library are not overwritten unless changed
        answers = {k: v for k, v in answers.items()
                   if not (a.sources.get(k, {}).get("source") == "kpi" and _same(v, a.values.get(k)))}
        try:
            services.answer(request.user, a, answers, note=request.POST.get("note", ""))
            if request.POST.get("action") == "compute":
                services.compute_result(request.user, a)
                return redirect("assessment:result", pk=a.pk)
            messages.success(request, _("Answers saved."))
            return redirect("assessment:detail", pk=a.pk)
        except ValidationError as exc:
            errors = getattr(exc, "message_dict", {"__all__": exc.messages})
    evidence = {}
    for e in a.evidence.select_related("file"):
        evidence.setdefault(e.indicator, []).append(e)
    return render(request, "assessment/detail.html", {
        "a": a, "fw": fw, "rows": selectors.answer_rows(a, fw, evidence), "can_change": can_change,
        "errors": errors, "result": a.latest_result()}, status=422 if errors else 200)


def _same(raw, stored) -> bool:
    if raw in (None, ""):
        return stored is None
    try:
        return float(str(raw).replace(",", "")) == float(stored)
    except (TypeError, ValueError):
        return False


@login_required
@require_POST
def refresh_kpis(request, pk: int):
    a = _assessment(request, pk)
    services.prefill(request.user, a)
    messages.success(request, _("KPI values refreshed from stored data."))
    return redirect("assessment:detail", pk=a.pk)


@login_required
@require_POST
def evidence(request, pk: int):
    a = _assessment(request, pk)
    access.require(request.user, Action.CHANGE, a)
    f = request.FILES.get("file")
    indicator = request.POST.get("indicator", "")
    if f is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            services.attach_evidence(request.user, a, indicator, f.name, f.read(), request.POST.get("note", ""))
            messages.success(request, _("Evidence attached."))
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
    return redirect(reverse("assessment:detail", args=[a.pk]) + f"#ind-{indicator}")


@login_required
@require_POST
def compute(request, pk: int):
    a = _assessment(request, pk)
    try:
        services.compute_result(request.user, a)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("assessment:detail", pk=a.pk)
    return redirect("assessment:result", pk=a.pk)


def _result_or_404(request, pk):
    a = _assessment(request, pk)
    r = a.latest_result()
    if r is None:
        raise Http404
    return a, r


@login_required
def result(request, pk: int):
    a = _assessment(request, pk)
    r = a.latest_result()
    if r is None:
        return redirect("assessment:detail", pk=a.pk)
    ctx = selectors.result_context(a, r)
    ctx["can_change"] = access.can(request.user, Action.CHANGE, a)
    ctx["other_versions"] = selectors.published_versions().filter(
        framework=a.framework_version.framework).exclude(pk=a.framework_version_id)
    return render(request, "assessment/result.html", ctx)


@login_required
def result_pdf(request, pk: int):
    a, r = _result_or_404(request, pk)
    data = exports.result_pdf(a, r, request)
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="assessment-{a.pk}-{a.year}.pdf"'
    return resp


@login_required
def result_xlsx(request, pk: int):
    a, r = _result_or_404(request, pk)
    resp = HttpResponse(exports.result_xlsx(a, r),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="assessment-{a.pk}-{a.year}.xlsx"'
    return resp


@login_required
def values_export(request, pk: int):
    a = _assessment(request, pk)
    resp = HttpResponse(services.values_yaml(a), content_type="application/yaml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="values-{a.pk}-{a.year}.yaml"'
    return resp


@login_required
@require_POST
def reassess(request, pk: int):
    a = _assessment(request, pk)
    v = selectors.version_or_404(request.user, int(request.POST.get("version", 0) or 0))
    try:
        new = services.reassess(request.user, a, v)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("assessment:result", pk=a.pk)
    return redirect("assessment:result", pk=new.pk)


# --- authority overview --------------------------------------------------------------------------

@login_required
def overview(request):
    code = request.GET.get("framework", "ieat-eit")
    rows = selectors.overview_rows(request.user, code)
    return render(request, "assessment/overview.html", {
        "rows": rows, "code": code, "frameworks": selectors.published_versions().values_list(
            "framework__code", flat=True).distinct()})


@login_required
def overview_data(request):
    code = request.GET.get("framework", "ieat-eit")
    features = []
    for row in selectors.overview_rows(request.user, code):
        o = row["org"]
        if o.lat is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                         "properties": {"id": o.pk, "name": o.name, "kind": o.kind, "level": row["level"],
                                        "level_name": row["level_name"], "year": row["year"],
                                        "url": row["url"]}})
    return JsonResponse({"type": "FeatureCollection", "features": features})
