"""Reporting pages (thin: parse, call a service or selector, render)."""
from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotown.registry.policies import RegistryAction
from ecotown import access
from ecotown.core import dates
from ecotown.core.errors import Problems
from ecotown.core.i18n import ui_lang as _lang
from ecotown.registry import search as registry_search
from ecotown.registry.choices import org_choices
from ecotown.registry.models import FactoryDetail, Kind, Organisation
from ecotown.web import paging
from ecotown.web.forms import add_errors

from . import imports, jobs, kinds, selectors, services
from .errors import ReportingError
from .models import (ActivityRecord, DataSource, EmployeeRecord, ImportBatch, ImportJob, ProductionRecord,
                     QualityFlag, ReportingCalendar, State)
from .policies import ReportingAction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request) -> int:
    try:
        y = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        y = 0
    y = dates.ce_year(y)
    return y if 2000 <= y <= 2100 else timezone.localdate().year


def _probe(org) -> ActivityRecord:
    return ActivityRecord(organisation=org)


def _org(request, pk) -> Organisation:
    return access.get_or_404(request.user, Organisation.objects.select_related("parent"), pk=pk)


@login_required
def index(request):
    """Factory users go to their own reporting page; estates and the authority see their organisations."""
    m = getattr(request, "membership", None)
    org = getattr(m, "organisation", None)  # (a lazy object: None inside for a user without memberships)
    if (org is not None and org.kind in {Kind.FACTORY, Kind.SCHOOL, Kind.WASTE_PROCESSOR}
            and not access.can(request.user, RegistryAction.PROGRAMME)):
        return redirect("reporting:org", pk=m.organisation_id)
    qs = selectors.visible_reporting_orgs(request.user).filter(kind__in=[Kind.FACTORY, Kind.WASTE_PROCESSOR])
    q = (request.GET.get("q") or "").strip().lower()
    qs = registry_search.containing(qs, q)
    page = paging.page(request, qs.select_related("parent").order_by("name_th", "pk"), on=(Organisation, FactoryDetail))
    return render(request, "reporting/index.html", {
        "page": page, "q": q, "can_completeness": access.can(request.user, ReportingAction.COMPLETENESS), "year": timezone.localdate().year,
    })


@login_required
def org_page(request, pk: int):
    org = _org(request, pk)
    year = _year(request)
    recs = list(selectors.year_records(org, year).prefetch_related("flags").order_by("period_start", "activity", "meter", "pk"))
    in_year = [r for r in recs if r.period_end >= dt.date(year, 1, 1)]
    fiscal_first = selectors.default_year_kind() == "fiscal"
    probe = _probe(org)
    flags = list(selectors.open_flags(org).select_related("record"))
    ctx = {
        "org": org, "year": year, "records": in_year, "totals": selectors.period_totals(recs, year),
        "fiscal_first": fiscal_first, "fiscal_start": dt.date(year - 1, 10, 1), "fiscal_end": dt.date(year, 9, 30),
        "can_report": access.can(request.user, ReportingAction.REPORT, probe),
        "can_submit": access.can(request.user, ReportingAction.SUBMIT, probe),
        "can_verify": access.can(request.user, ReportingAction.VERIFY, probe),
        "flags": flags, "flagged": {f.record_id for f in flags},
        "n_draft": sum(1 for r in in_year if r.state == State.DRAFT),
        "n_submitted": sum(1 for r in in_year if r.state == State.SUBMITTED),
        "batches": ImportBatch.objects.filter(organisation=org).select_related("uploaded_by", "marked_file")[:10],
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
        "catalogue": imports.Catalogue.get(),
        "production": ProductionRecord.objects.filter(organisation=org, is_current=True, period_end__year=year)
        .select_related("product").order_by("period_start", "product_id"),
        "employees": EmployeeRecord.objects.filter(organisation=org, is_current=True, month__year=year).order_by("month"),
        "products": org.products.all(), "prod_form": ProductionForm(org=org), "emp_form": EmployeeForm(),
        "kinds": [(k, k.label(_lang())) for k in kinds.all()],
    }
    ctx["batches"] = list(ctx["batches"])
    for b in ctx["batches"]:
        b.kind_label = _kind_label(b.kind)
    ctx["production"], ctx["employees"] = list(ctx["production"]), list(ctx["employees"])
    other = ctx["production"] + ctx["employees"]
    ctx["n_draft"] += sum(1 for r in other if r.state == State.DRAFT)
    ctx["n_submitted"] += sum(1 for r in other if r.state == State.SUBMITTED)
    ctx["months"] = selectors.months(request.user, org, year, in_year + other, timezone.localdate())
    return render(request, "reporting/org.html", ctx)


class ProductionForm(forms.Form):
    product = forms.ModelChoiceField(label=gettext_lazy("product"), queryset=None)
    month = forms.CharField(label=gettext_lazy("month"), max_length=20, help_text=gettext_lazy("e.g. 2026-03 or 3/2569"))
    quantity = forms.CharField(label=gettext_lazy("quantity"), max_length=40)
    reason = forms.CharField(label=gettext_lazy("reason for the change"), required=False)

    def __init__(self, *args, org, **kw):
        super().__init__(*args, **kw)
        self.fields["product"].queryset = org.products.all()


class EmployeeForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("month"), max_length=20, help_text=gettext_lazy("e.g. 2026-03 or 3/2569"))
    employees = forms.IntegerField(label=gettext_lazy("employees"), min_value=0)
    reason = forms.CharField(label=gettext_lazy("reason for the change"), required=False)


def _form_problems(form) -> Problems:
    """A bound form's errors with Django's own codes (required, invalid, min_value …)."""
    errs = Problems()
    for name, leaves in form.errors.as_data().items():
        for leaf in leaves:
            errs.extend(leaf, name)
    return errs


def _month(text) -> dt.date:
    try:
        d, _whole = imports.parse_date(text)
    except imports.BadValue:
        errs = Problems()
        errs.extend(ValidationError(imports.message({"code": "bad_date", "value": text}, _lang()), code="bad_date"), "month")
        raise errs.exception() from None
    return d.replace(day=1)


@login_required
@require_POST
def intensity_input(request, pk: int, kind: str):
    """Production per product and employees per month (for intensity indicators)."""
    org = _org(request, pk)
    access.require(request.user, ReportingAction.REPORT, ProductionRecord(organisation=org))
    form = ProductionForm(request.POST, org=org) if kind == "production" else EmployeeForm(request.POST)
    if kind not in {"production", "employees"}:
        raise Http404
    year = timezone.localdate().year
    try:
        if not form.is_valid():
            _form_problems(form).raise_if_any()
        d = form.cleaned_data
        month = _month(d["month"])
        year = month.year
        if kind == "production":
            services.save_production(request.user, org, d["product"], month, imports.month_end(month), d["quantity"],
                                     d.get("reason", ""))
        else:
            services.save_employees(request.user, org, month, d["employees"], d.get("reason", ""))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Saved as a draft."))
    return redirect(reverse("reporting:org", args=[org.pk]) + f"?year={year}")


#: the activity form's fields that are the row's columns (the import's checks read them)
ACTIVITY_FIELDS = ("period_start", "period_end", "activity", "quantity", "unit", "meter", "data_source")


class ActivityForm(forms.Form):
    activity = forms.ChoiceField(label=gettext_lazy("activity"))
    quantity = forms.CharField(label=gettext_lazy("quantity"), max_length=40,
                               widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    unit = forms.ChoiceField(label=gettext_lazy("unit"))
    period_start = forms.CharField(label=gettext_lazy("period start"), max_length=20,
                                   help_text=gettext_lazy("day/month/year, e.g. 1/3/2569 (B.E.) or 1/3/2026"))
    period_end = forms.CharField(label=gettext_lazy("period end"), max_length=20, required=False,
                                 help_text=gettext_lazy("empty = to the end of the month"))
    meter = forms.CharField(label=gettext_lazy("meter or site"), max_length=100, required=False)
    data_source = forms.ChoiceField(label=gettext_lazy("data source"), required=False,
                                    choices=[("", gettext_lazy("unknown"))] + list(DataSource.choices))
    reason = forms.CharField(label=gettext_lazy("reason for the change"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, with_reason=False, live=False, **kw):
        super().__init__(*args, **kw)
        cat = imports.Catalogue.get()
        lang = _lang()
        self.fields["activity"].choices = [("", "—")] + [(c, cat.name(c, lang)) for c in cat.activities]
        activity = self.data.get("activity") or self.initial.get("activity")
        units = cat.units_for(activity) if activity in cat.activities else cat.all_units()
        self.fields["unit"].choices = [(u, u) for u in units]
        if not live:  # (the live form re-renders every field, units included)
            self.fields["activity"].widget.attrs.update({
                "hx-get": reverse("reporting:unit_options"), "hx-target": "#id_unit", "hx-trigger": "change",
                "hx-include": "this"})
        if not with_reason:
            del self.fields["reason"]


def _form_errors(form, problems, lang):
    for p in problems:
        field = p["column"] if p["column"] in form.fields else None
        form.add_error(field, imports.message(p, lang))


def _check_form(request, org, form, record=None) -> list[dict]:
    """The same checks as an import: the row as one item."""
    item = {k: form.data.get(k) for k in ACTIVITY_FIELDS}
    rows, problems = services.check_rows(request.user, org, imports.rows_from_dicts([item]))
    if record is not None:  # the record being changed does not overlap itself
        problems = [p for p in problems if not (p["code"] == "overlap_existing" and p["params"].get("start") == record.period_start.isoformat()
                                                 and p["params"].get("end") == record.period_end.isoformat())]
    return problems


@login_required
def unit_options(request):
    cat = imports.Catalogue.get()
    activity = request.GET.get("activity")
    units = cat.units_for(activity) if activity in cat.activities else cat.all_units()
    html = "".join(f'<option value="{u}">{u}</option>' for u in units)
    return HttpResponse(html)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request, pk: int):
    org = _org(request, pk)
    access.require(request.user, ReportingAction.REPORT, _probe(org))
    form = ActivityForm(request.POST or None, live=True)
    if request.method == "POST":
        validate_only = request.headers.get("HX-Request") and request.POST.get("_validate")
        problems = _check_form(request, org, form)
        if validate_only:
            form.is_valid()
            form._errors = forms.utils.ErrorDict()
            _form_errors(form, [p for p in problems if form.data.get(p["column"] or "")], _lang())
            return render(request, "reporting/_record_form.html", {"form": form, "org": org, "checked": True})
        if not problems:
            try:
                services.import_activities(request.user, org, items=[{k: form.data.get(k) for k in ACTIVITY_FIELDS}],
                                           source="form")
            except services.Rejected as exc:
                problems = exc.problems
            else:
                messages.success(request, _("Saved as a draft."))
                return redirect("reporting:org", pk=org.pk)
        form.is_valid()
        _form_errors(form, problems, _lang())
    return render(request, "reporting/record_form.html", {"form": form, "org": org, "title": _("New activity record")})


@login_required
def record_detail(request, pk: int):
    r = access.get_or_404(request.user, ActivityRecord.objects.select_related("organisation", "organisation__parent"), pk=pk)
    versions = selectors.history_of(r)
    return render(request, "reporting/record.html", {
        "r": r, "org": r.organisation, "versions": versions, "flags": r.flags.all(),
        "counted": next((v for v, _changes in versions if v.is_counted), None),
        "evidence": r.evidence.all(),
        "can_report": access.can(request.user, ReportingAction.REPORT, r),
        "can_submit": access.can(request.user, ReportingAction.SUBMIT, r),
        "can_verify": access.can(request.user, ReportingAction.VERIFY, r),
        "name": imports.Catalogue.get().name(r.activity, _lang()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, pk: int):
    r = access.get_or_404(request.user, ActivityRecord.objects.select_related("organisation"), pk=pk)
    access.require(request.user, ReportingAction.REPORT, r)
    initial = {"activity": r.activity, "quantity": f"{r.quantity.normalize():f}", "unit": r.unit,
               "period_start": dates.input_date(r.period_start, _lang()), "period_end": dates.input_date(r.period_end, _lang()),
               "meter": r.meter,
               "data_source": r.data_source}
    form = ActivityForm(request.POST or None, initial=initial, with_reason=r.state != State.DRAFT)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data.get(k) for k in ACTIVITY_FIELDS}
        try:
            new = services.amend(request.user, r, data, reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved.") if new.pk == r.pk else _("Saved as version %(v)s.") % {"v": new.version})
            return redirect("reporting:record", pk=new.pk)
    return render(request, "reporting/record_form.html", {"form": form, "org": r.organisation, "record": r,
                                                          "title": _("Change the record")})


@login_required
@require_POST
def record_action(request, pk: int, action: str):
    r = access.get_or_404(request.user, ActivityRecord.objects.select_related("organisation"), pk=pk)
    try:
        if action == "submit":
            services.submit(request.user, [r])
            messages.success(request, _("Submitted."))
        elif action == "verify":
            # one way to verify: through the review page (what is verified, beside its previous version)
            access.require(request.user, ReportingAction.VERIFY, r)
            return redirect(f"{reverse('reporting:org_action', args=[r.organisation_id, 'verify'])}"
                            f"?year={r.period_start.year}&record={r.pk}")
        elif action == "return":
            services.return_to_draft(request.user, r, request.POST.get("reason", ""))
            messages.success(request, _("Sent back to the preparer."))
        elif action == "evidence":
            upload = request.FILES.get("file")
            if upload is None:
                raise ReportingError.NO_FILE.invalid("file")
            services.add_evidence(request.user, r, upload.name, upload.read())
            messages.success(request, _("File saved."))
        else:
            raise Http404
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("reporting:record", pk=r.pk)


#: the kinds of record a bulk submit or verify moves, with their form field of ids
BULK_KINDS = (("activities", ActivityRecord, "period_end__gte"), ("production", ProductionRecord, "period_end__year"),
              ("employees", EmployeeRecord, "month__year"))


def _bulk_records(org, year: int, state: str, ids: dict[str, set[int]] | None = None) -> list:
    """The year's current records of every kind in `state` (of `ids` when given: what the user reviewed)."""
    out = []
    for code, model, lookup in BULK_KINDS:
        value = dt.date(year, 1, 1) if lookup == "period_end__gte" else year
        qs = model.objects.filter(organisation=org, is_current=True, state=state, **{lookup: value})
        if code == "activities":
            qs = qs.filter(period_start__year__lte=year)
        if ids is not None:
            qs = qs.filter(pk__in=ids.get(code, set()))
        related = ["supersedes", "organisation"] + (["product", "supersedes__product"] if code == "production" else [])
        out += list(qs.select_related(*related).order_by(*(["month"] if code == "employees" else ["period_start"]), "pk"))
    return out


def _ids(request) -> dict[str, set[int]]:
    out = {}
    for code, _model, _lookup in BULK_KINDS:
        out[code] = {int(v) for v in request.POST.getlist(code) if v.isdigit()}
    return out


def _value(r) -> str:
    """A record's value as a reader reads it (the quantity and unit, the product, the employees)."""
    from .templatetags.reporting import activity_name, qty

    if isinstance(r, ActivityRecord):
        meter = f" · {r.meter}" if r.meter else ""
        return f"{activity_name(r.activity)}: {qty(r.quantity)} {r.unit}{meter}"
    if isinstance(r, ProductionRecord):
        return f"{r.product.name}: {qty(r.quantity)} {r.product.unit}"
    return _("%(n)s employees") % {"n": f"{r.employees:,}"}


def _review_rows(records) -> list[dict]:
    """What a bulk action moves: each record's kind, period, value, and its previous version's value when
    it is a correction (what changes)."""
    rows = []
    for r in records:
        code = kinds.of(r).code
        prev = r.supersedes
        rows.append({"r": r, "kind": code, "kind_label": _kind_label(code), "value": _value(r),
                     "previous": _value(prev) if prev is not None else "", "version": r.version,
                     "changed": prev is not None and _value(prev) != _value(r), "reason": r.reason,
                     "period_start": r.period_start, "period_end": r.period_end})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def org_action(request, pk: int, action: str):
    """Submit every draft, or verify every submitted record, of the year — after a confirmation page
    (GET: what will be submitted; for verifying, a review of the records, their values and what changed
    since the previous version). The POST moves exactly the records reviewed, and only with `confirm`."""
    org = _org(request, pk)
    year = _year(request)
    if action not in {"submit", "verify"}:
        raise Http404
    needed, state = ((ReportingAction.SUBMIT, State.DRAFT) if action == "submit"
                     else (ReportingAction.VERIFY, State.SUBMITTED))
    access.require(request.user, needed, _probe(org))
    back = reverse("reporting:org", args=[org.pk]) + f"?year={year}"
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        records = _bulk_records(org, year, state, _ids(request))
        try:
            n = (services.submit if action == "submit" else services.verify)(request.user, records)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, (_("%(n)s records submitted.") if action == "submit"
                                       else _("%(n)s records verified.")) % {"n": n})
        return redirect(back)
    only = {int(v) for v in request.GET.getlist("record") if v.isdigit()}  # one record's own review
    records = _bulk_records(org, year, state, {"activities": only} if only else None)
    rows = _review_rows(records)
    return render(request, "reporting/confirm.html", {
        "org": org, "year": year, "action": action, "rows": rows, "n": len(rows), "back": back,
        "n_changed": sum(1 for r in rows if r["previous"]),
        "unconfirmed": request.method == "POST",
    })


@login_required
@require_POST
def flag_ack(request, pk: int):
    flag = access.get_or_404(request.user, QualityFlag.objects.select_related("record"), pk=pk)
    services.acknowledge_flag(request.user, flag, request.POST.get("note", ""))
    messages.success(request, _("Flag acknowledged."))
    return redirect(request.POST.get("next") or reverse("reporting:org", args=[flag.organisation_id]))


# --- Excel in and out --------------------------------------------------------------------------

def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _kind(request) -> kinds.ImportSpec:
    """The kind of reported record asked for (?kind= or the form's field; the default kind without)."""
    code = request.GET.get("kind") or request.POST.get("kind") or kinds.DEFAULT
    try:
        return kinds.get(code)
    except KeyError:
        raise Http404 from None


@login_required
def template_download(request, pk: int):
    org = _org(request, pk)
    spec = _kind(request)
    access.require(request.user, ReportingAction.REPORT, spec.model(organisation=org))
    year = _year(request)
    return _xlsx(imports.build_template(org, year, _lang(), spec), f"ecotown-{spec.code}-{org.pk}-{year}.xlsx")


@login_required
def export(request, pk: int):
    """The year's current records as a workbook: real date cells, shown in B.E. for Thai readers."""
    import openpyxl
    from openpyxl.styles import Font

    org = _org(request, pk)
    year = _year(request)
    lang = _lang()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = imports.DATA_SHEET
    cols = ["period_start", "period_end", "activity", "quantity", "unit", "meter", "data_source"]
    spec = kinds.get("activities")
    ws.append([imports.header_label(spec.column(c), lang) for c in cols] + [_("state"), _("version")])
    for c in ws[1]:
        c.font = Font(bold=True)
    fmt = dates.excel_date_format(lang)
    for r in selectors.year_records(org, year).filter(period_end__gte=dt.date(year, 1, 1)).order_by("period_start", "activity"):
        # activities and data sources as the template's drop-downs write them (the import reads them back)
        ws.append([r.period_start, r.period_end, kinds.activity_label(r.activity, lang), float(r.quantity), r.unit,
                   r.meter, kinds.data_source_label(r.data_source, lang), r.get_state_display(), r.version])
        ws.cell(row=ws.max_row, column=1).number_format = fmt
        ws.cell(row=ws.max_row, column=2).number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return _xlsx(out.getvalue(), f"ecotown-activities-{org.pk}-{year}-export.xlsx")


@login_required
@require_POST
def upload(request, pk: int):
    org = _org(request, pk)
    spec = _kind(request)
    access.require(request.user, ReportingAction.REPORT, spec.model(organisation=org))
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, _("Choose a file."))
        return redirect("reporting:org", pk=org.pk)
    try:
        uploaded = services.keep_file(request.user, org, f.name, f.read())
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("reporting:org", pk=org.pk)
    job = jobs.start(request.user, org, uploaded, replace=bool(request.POST.get("replace")),
                     reason=request.POST.get("reason", ""), language=_lang(), kind=spec.code)
    return redirect("reporting:job", pk=job.pk)


def _job(request, pk) -> ImportJob:
    return access.get_or_404(request.user, ImportJob.objects.select_related("organisation", "batch", "batch__marked_file"),
                             pk=pk)


@login_required
def job_page(request, pk):
    job = _job(request, pk)
    return render(request, "reporting/job.html", _job_ctx(job))


@login_required
def job_progress(request, pk):
    job = _job(request, pk)
    return render(request, "reporting/_job_progress.html", _job_ctx(job))


def _job_ctx(job):
    progress = jobs.read_progress(job.pk)
    batch = job.batch
    problems = _shown_problems(batch.problems if batch else [], job.kind)
    from ecotown.core import worker

    running = job.status in {"queued", "running"}
    return {"job": job, "org": job.organisation, "progress": progress, "percent": jobs.percent(progress),
            "kind_label": _kind_label(job.kind),
            "batch": batch, "problems": problems[:1000], "n_problems": len(problems),
            "running": running, "worker_missing": running and worker.missing()}


@login_required
def batch_detail(request, pk: int):
    batch = access.get_or_404(request.user, ImportBatch.objects.select_related("organisation", "marked_file", "file"), pk=pk)
    problems = _shown_problems(batch.problems, batch.kind)
    return render(request, "reporting/batch.html", {"batch": batch, "org": batch.organisation, "problems": problems,
                                                    "kind_label": _kind_label(batch.kind)})


def _shown_problems(problems: list[dict], kind: str) -> list[dict]:
    """Problems as the pages show them: the message and the column's label in the reader's language
    (the code stays in the marked workbook's header and the API)."""
    lang = _lang()
    try:
        labels = {code: (th, en) for code, (th, en) in kinds.get(kind).all_columns.items()}
    except KeyError:
        labels = {}
    out = []
    for p in problems:
        th_en = labels.get(p.get("column"))
        label = (th_en[1] if lang == "en" else th_en[0]) if th_en else p.get("column")
        out.append({**p, "message": imports.message(p, lang), "column_label": label})
    return out


def _kind_label(code: str) -> str:
    try:
        return kinds.get(code).label(_lang())
    except KeyError:
        return code


# --- the reporting year ------------------------------------------------------------------------

@login_required
def completeness(request):
    if not access.can(request.user, ReportingAction.COMPLETENESS):
        raise PermissionDenied
    today = timezone.localdate()
    year = _year(request)
    try:
        month = int(request.GET.get("month") or 0)
    except ValueError:
        month = 0
    if not 1 <= month <= 12:
        month = (today.month - 2) % 12 + 1 if year == today.year else 12
    estate = None
    if request.GET.get("estate"):
        estate = access.get_or_404(request.user, Organisation.objects.all(), pk=request.GET["estate"])
    c = selectors.completeness(request.user, year, month, estate)
    page = Paginator(c.missing, 100).get_page(request.GET.get("page"))
    return render(request, "reporting/completeness.html", {
        "c": c, "page": page, "year": year, "month": month, "estate": estate, "months": range(1, 13),
        "month_start": dt.date(year, month, 1), "escalation": selectors.escalation_list(request.user, today, limit=100, estate=estate),
        "on_time": selectors.on_time_share(estate, year) if estate else None,
    })


class CalendarForm(forms.Form):
    remind_days_before = forms.IntegerField(label=gettext_lazy("remind this many days before the deadline"), min_value=0, max_value=60)
    escalate_days_after = forms.IntegerField(label=gettext_lazy("escalate this many days after the deadline"), min_value=0, max_value=120)

    def __init__(self, *args, year, **kw):
        super().__init__(*args, **kw)
        for m in range(1, 13):
            # <input type=date> takes and sends ISO dates only ("2026-02-15"); the page shows the
            # reader's date (B.E. in Thai) beside it
            self.fields[f"m{m}"] = forms.DateField(label=dates.month_label(dt.date(year, m, 1), _lang()),
                                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    year = _year(request)
    cal = ReportingCalendar.objects.filter(year=year).first()
    can_change = access.can(request.user, "change", cal or ReportingCalendar(year=year))
    periods = services.periods_for(year)
    initial = {f"m{m}": p.deadline for m, p in periods.items()}
    initial.update(remind_days_before=cal.remind_days_before if cal else 5, escalate_days_after=cal.escalate_days_after if cal else 14)
    form = CalendarForm(request.POST or None, initial=initial, year=year)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if request.POST.get("lock"):
            n = services.lock_year(request.user, year)
            messages.success(request, _("%(n)s verified records of %(year)s locked.") % {"n": n, "year": dates.year_label(year, _lang())})
            return redirect(reverse("reporting:calendar") + f"?year={year}")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_calendar(request.user, year, {m: d[f"m{m}"] for m in range(1, 13)},
                                      remind_days_before=d["remind_days_before"], escalate_days_after=d["escalate_days_after"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("reporting:calendar") + f"?year={year}")
    month_fields = [(form[f"m{m}"], dt.date(year, m, 1), periods[m].deadline) for m in range(1, 13)]
    lang = _lang()
    era = _reader_era(request)
    # how the page writes a date picked in an input (as dates.format_date does), before it is saved
    date_format = {"months": dates.TH_MONTHS_SHORT if lang == "th" else dates.EN_MONTHS_SHORT,
                   "be": (lang == "th") if era is None else era, "suffix": " BE" if lang != "th" and era else ""}
    return render(request, "reporting/calendar.html", {"year": year, "cal": cal, "form": form, "can_change": can_change,
                                                       "month_fields": month_fields, "periods": periods,
                                                       "date_format": date_format})


# --- completeness as a matrix: factories × months -----------------------------------------------

MATRIX_PAGE_SIZE = 50


def _matrix_filter(request):
    from . import matrix

    year = _year(request)
    estate = None
    if request.GET.get("estate"):
        try:
            estate = matrix.estates(request.user).filter(pk=int(request.GET["estate"])).first()
        except ValueError:
            estate = None
        if estate is None:
            raise Http404
    state = request.GET.get("state") or ""
    state = state if state in matrix.CELL_STATES else ""
    try:
        month = int(request.GET.get("month") or 0)
    except ValueError:
        month = 0
    return matrix.Filter(year=year, estate=estate, state=state, month=month if 1 <= month <= 12 else None,
                         q=(request.GET.get("q") or "").strip())


@login_required
def completeness_matrix(request):
    """Every factory the user may see × the months of a year, each cell the month's state."""
    from . import matrix

    f = _matrix_filter(request)
    today = timezone.localdate()
    due = matrix.deadlines(f.year)
    page = matrix.EstatePaginator(matrix.factories(request.user, f, today, due), MATRIX_PAGE_SIZE,
                                  cache_sizes=f.state not in matrix.CELL_STATES).get_page(request.GET.get("page"))
    page.object_list = matrix.rows(request.user, page.object_list, f.year, today, due)
    # the cells are written here, not by the template: 600 cells a page, each the same few strings
    names = {m: dates.month_label(dt.date(f.year, m, 1), _lang(), _reader_era(request)) for m in range(1, 13)}
    words = {(m, s): escape(f"{names[m]}: {matrix.LABELS[s]}") for m in range(1, 13) for s in matrix.CELL_STATES}
    for r in page.object_list:
        r.url = reverse("reporting:org", args=[r.org.pk]) + f"?year={f.year}"
        r.cells_html = mark_safe("".join(
            f'<td class="text-center p-1"><a class="et-cell et-cell-{s}" data-state="{s}" href="{r.url}#month-{m}" '
            f'title="{words[m, s]}"><span aria-hidden="true">{matrix.ICONS[s]}</span>'
            f'<span class="visually-hidden">{words[m, s]}</span></a></td>' for m, s in r.months))
    legend = [(s, matrix.LABELS[s], matrix.ICONS[s], matrix.HELP[s]) for s in matrix.CELL_STATES]
    this_year = today.year
    return render(request, "reporting/matrix.html", {
        "f": f, "page": page, "year": f.year, "months": [dt.date(f.year, m, 1) for m in range(1, 13)],
        "estates": org_choices(matrix.estates(request.user)), "legend": legend, "labels": matrix.LABELS, "icons": matrix.ICONS,
        "years": list(range(this_year, this_year - 5, -1)),
        "export_query": request.GET.urlencode(),
        "export_background": page.paginator.count > settings.ECOTOWN_INLINE_EXPORT_ROWS,
        "can_completeness": access.can(request.user, ReportingAction.COMPLETENESS),
    })


@login_required
def completeness_matrix_export(request):
    """The matrix as a workbook: every row of the filter (not only a page). Up to
    ECOTOWN_INLINE_EXPORT_ROWS rows it is the response; more are built by the worker (a download the user
    is sent to, and notified of when ready)."""
    from ecotown.core import downloads

    from . import matrix, matrix_export

    f = _matrix_filter(request)
    n = matrix.factories(request.user, f).count()
    if n <= settings.ECOTOWN_INLINE_EXPORT_ROWS:
        built = matrix_export.build(request.user, f, _lang())
        return _xlsx(built.data, built.name)
    d = downloads.request(request.user, "reporting.matrix", matrix_export.params(f),
                          **matrix_export.titles(f, n))
    return redirect("download", pk=d.pk)


def _reader_era(request):
    user = request.user
    return user.buddhist_era if _lang() == "th" and user.is_authenticated else None
