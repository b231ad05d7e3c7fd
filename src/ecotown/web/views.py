from __future__ import annotations

import json
import mimetypes

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecotown.accounts.policies import AccountsAction
from ecotown import access
from ecotown.core import cache
from ecotown.web import pickers
from ecotown.web.forms import add_errors
from ecotown.access import Action
from ecotown.accounts import services as account_services
from ecotown.accounts.models import Membership, RegistrationRequest, User
from ecotown.accounts.roles import Role
from ecotown.core import pdpa
from ecotown.core.models import Notification, UploadedFile
from ecotown.core.services import mark_read, store_file
from ecotown.registry.models import Kind, Organisation


def _set_lang_cookie(response, lang):
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class LoginView(auth_views.LoginView):
    """Sign in, then show EcoTown in the user's preferred language."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        translation.activate(user.language)
        return _set_lang_cookie(response, user.language)


def _worker_state() -> str:
    """"running", "stopped" (queued work waits) or "not needed" (jobs run at once in the request)."""
    from ecotown.core import worker

    if not worker.needs_worker():
        return "not needed"
    return "running" if worker.alive_workers() else "stopped"


def healthz(request):
    from django.db import connection

    with connection.cursor() as c:
        c.execute("select 1")
    return JsonResponse({"ok": True, "worker": _worker_state()})


def healthz_worker(request):
    """The background worker's state for monitoring: 200 while a worker beats (or none is needed),
    503 when queued work would wait. Only a state and times: no host names or process ids."""
    from ecotown.core import worker

    st = worker.state()
    name = _worker_state()
    body = {"worker": name, "workers": st["workers"], "queued": st["queued"],
            "last_beat": st["last_beat"].isoformat() if st["last_beat"] else None,
            "stale_after_seconds": settings.ECOTOWN_WORKER_STALE_SECONDS}
    return JsonResponse(body, status=503 if name == "stopped" else 200)


HOME_TASKS = 5  # the first tasks shown on the home page (the rest on "My tasks")


def home(request):
    if not request.user.is_authenticated:
        estates = access.public(Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT]))
        return render(request, "home_public.html", {
            "n_estates": estates.filter(kind=Kind.ESTATE).count(), "n_ports": estates.filter(kind=Kind.PORT).count(),
            "certified": estates.exclude(eco_level="").select_related("province").order_by("-eco_level_year", "name_th")[:12],
        })
    counts = cache.mapping(access.visible_orgs(request.user).values_list("kind").annotate(n=Count("pk")).order_by(),
                           on=(Organisation,), name="web.home_counts")  # kept until an organisation is written
    pending = 0
    if access.can(request.user, AccountsAction.APPROVE_REGISTRATION):
        pending = access.visible_rows(request.user, RegistrationRequest.objects.filter(status="pending")).count()
    from ecotown.core import workflow

    my_tasks = workflow.tasks(request.user)
    return render(request, "home.html", {
        "tasks": my_tasks[:HOME_TASKS], "n_tasks": len(my_tasks), "today": timezone.localdate(),
        "counts": [(Kind(k).label, k, n) for k, n in sorted(counts.items())],
        "pending_registrations": pending,
        "notifications": request.user.notifications.all()[:5],
    })


@login_required
@require_POST
def switch_membership(request, pk: int):
    m = Membership.objects.filter(pk=pk, user=request.user, is_active=True).first()
    if m is not None:
        request.session["active_membership"] = m.pk
        messages.info(request, _("You are now working as %(role)s at %(org)s.") % {
            "role": m.get_role_display(), "org": m.organisation.name})
    return redirect(request.POST.get("next") or "home")


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("language"), choices=settings.LANGUAGES)
    buddhist_era = forms.BooleanField(label=gettext_lazy("show Buddhist-Era years"), required=False)


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, initial={"language": request.user.language,
                                                          "buddhist_era": request.user.buddhist_era})
    if request.method == "POST" and form.is_valid():
        account_services.set_preferences(request.user, **form.cleaned_data)
        translation.activate(request.user.language)
        messages.success(request, _("Saved."))
        return _set_lang_cookie(redirect("preferences"), request.user.language)
    return render(request, "accounts/preferences.html", {"form": form,
                                                          "memberships": account_services.memberships_of(request.user)})


@require_POST
def set_language(request):
    """Switch Thai ⇄ English (and remember it for a signed-in user)."""
    lang = request.POST.get("language", "th")
    if lang not in dict(settings.LANGUAGES):
        lang = "th"
    if request.user.is_authenticated:
        account_services.set_preferences(request.user, language=lang)
    nxt = request.POST.get("next") or "/"
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    return _set_lang_cookie(redirect(nxt), lang)


class RegisterForm(forms.Form):
    diw_number = forms.CharField(label=gettext_lazy("DIW registration number of your factory"), max_length=40,
                                 help_text=gettext_lazy("e.g. 3-105-1/45ชบ or the 14-digit number"))
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=[(Role.FACTORY_PREPARER, Role.FACTORY_PREPARER.label),
                                                        (Role.FACTORY_APPROVER, Role.FACTORY_APPROVER.label)])
    first_name = forms.CharField(label=gettext_lazy("first name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("e-mail"))
    username = forms.CharField(label=gettext_lazy("user name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.register_with_diw(**form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(request, "accounts/register_done.html", {})
    return render(request, "accounts/register.html", {"form": form})


class AcceptForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("first name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("last name"), max_length=150)
    username = forms.CharField(label=gettext_lazy("user name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)


def accept_invitation(request, token: str):
    inv = account_services.find_invitation(token)
    if inv is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            account_services.accept_invitation(token, user=request.user)
            messages.success(request, _("You have joined %(org)s.") % {"org": inv.organisation.name})
            return redirect("home")
        return render(request, "accounts/accept.html", {"inv": inv, "form": None})
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            m = account_services.accept_invitation(token, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            login(request, m.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "accounts/accept.html", {"inv": inv, "form": form})


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("e-mail"))
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Role.choices)


@login_required
def members(request, pk: int):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=pk)
    access.require(request.user, AccountsAction.MANAGE_MEMBERS, org)
    form = InviteForm(request.POST or None)
    from ecotown.accounts.roles import role_fits

    form.fields["role"].choices = [(r.value, r.label) for r in Role if role_fits(r, org.kind)]
    if request.method == "POST" and form.is_valid():
        try:
            account_services.invite(request.user, org, form.cleaned_data["email"], form.cleaned_data["role"],
                                    base_url=request.build_absolute_uri("/")[:-1])
        except ValidationError as exc:
            add_errors(form, exc)
        except access.PermissionDenied:
            form.add_error("role", _("You may not give this role."))
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("members", pk=org.pk)
    return render(request, "accounts/members.html", {
        "org": org, "form": form,
        "members": org.memberships.filter(is_active=True).select_related("user"),
        "invitations": org.invitations.filter(accepted_at__isnull=True).order_by("-created_at")[:20]})


@login_required
def registrations(request):
    qs = access.visible(request.user, RegistrationRequest.objects.select_related("user", "organisation", "organisation__parent"))
    qs = [r for r in qs.order_by("-created_at")[:200] if access.can(request.user, AccountsAction.APPROVE_REGISTRATION, r.organisation)]
    return render(request, "accounts/registrations.html", {"requests": qs})


@login_required
@require_POST
def decide_registration(request, pk: int):
    req = access.get_or_404(request.user, RegistrationRequest.objects.select_related("organisation"), pk=pk)
    try:
        account_services.decide_registration(request.user, req, request.POST.get("decision") == "approve")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("registrations")


@login_required
def notifications(request):
    if request.method == "POST":
        mark_read(request.user)
        return redirect("notifications")
    return render(request, "notifications.html", {"items": request.user.notifications.all()[:100]})


@login_required
def my_tasks(request):
    """What waits for the user in every workflow (ecotown.core.workflow.tasks), soonest due first."""
    from ecotown.core import workflow

    return render(request, "tasks.html", {"items": workflow.tasks(request.user), "today": timezone.localdate()})


@login_required
def file_download(request, pk: int):
    f = access.get_or_404(request.user, UploadedFile.objects.select_related("organisation"), pk=pk)
    response = FileResponse(f.file.open("rb"), content_type=f.guess_type(), as_attachment=True,
                            filename=f.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def file_upload(request, pk: int):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=pk)
    access.require(request.user, Action.CHANGE, org)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            store_file(request.user, org, upload.name, upload.read())
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("File saved."))
    return redirect("org_detail", pk=org.pk)


class PersonForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("user name"), required=False)
    email = forms.EmailField(label=gettext_lazy("e-mail"), required=False)


@login_required
def people_admin(request):
    """PDPA: export or erase one person's data (authority admin only)."""
    access.require(request.user, AccountsAction.ADMIN_PEOPLE)
    form = PersonForm(request.POST or request.GET or None)
    result = None
    if form.is_valid() and (form.cleaned_data["username"] or form.cleaned_data["email"]):
        user = None
        if form.cleaned_data["username"]:
            user = User.objects.filter(username=form.cleaned_data["username"]).first()
        email = form.cleaned_data["email"]
        if request.method == "POST" and request.POST.get("action") == "erase":
            counts = pdpa.erase_person(request.user, user=user, email=email)
            messages.success(request, _("Erased: %(counts)s") % {"counts": counts})
            return redirect("people_admin")
        data = pdpa.export_person(request.user, user=user, email=email)
        if request.GET.get("download") == "1":
            response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
            return response
        result = json.dumps(data, ensure_ascii=False, indent=2)
    return render(request, "accounts/people.html", {"form": form, "result": result, "retention": pdpa.retention_rules()})


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


__all__ = ["Notification"]


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=200)
    position = forms.CharField(label=gettext_lazy("position"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("e-mail"), required=False)
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=40, required=False)


class ProductForm(forms.Form):
    name_th = forms.CharField(label=gettext_lazy("name (Thai)"), max_length=255)
    name_en = forms.CharField(label=gettext_lazy("name (English)"), max_length=255)
    unit = forms.CharField(label=gettext_lazy("production unit"), max_length=40, help_text=gettext_lazy("e.g. t, piece, m3, vehicle"))


@login_required
def org_add_item(request, pk: int, item: str):
    """Add a contact person or a product to an organisation."""
    from ecotown.registry import services as registry_services

    org = access.get_or_404(request.user, Organisation.objects.all(), pk=pk)
    access.require(request.user, Action.CHANGE, org)
    form_class = {"contact": ContactForm, "product": ProductForm}.get(item)
    if form_class is None or (item == "product" and org.kind not in {Kind.FACTORY, Kind.WASTE_PROCESSOR}):
        return render(request, "404.html", status=404)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if item == "contact":
                registry_services.add_contact(request.user, org, form.cleaned_data)
            else:
                registry_services.add_product(request.user, org, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("org_detail", pk=org.pk)
    title = _("Add a contact") if item == "contact" else _("Add a product")
    return render(request, "registry/org_form.html", {"form": form, "org": org, "title": title})


class MembershipForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("organisation"), queryset=Organisation.objects.all())
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Role.choices)


#: what an auditor is assigned to: the organisations that report and are assessed (not the authority, not a firm)
AUDITED_KINDS = (Kind.FACTORY, Kind.WASTE_PROCESSOR, Kind.ESTATE, Kind.PORT, Kind.SCHOOL)


class AssignmentForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("organisation"),
                                          queryset=Organisation.objects.filter(kind__in=AUDITED_KINDS).order_by("kind", "name_th"))
    valid_from = forms.DateField(label=gettext_lazy("from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=gettext_lazy("to"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=gettext_lazy("purpose"), max_length=200, required=False)


def _membership_orgs(user):
    """What the authority administrator may give someone a membership of: any organisation."""
    if not access.can(user, AccountsAction.ADMIN_PEOPLE):
        return Organisation.objects.none()
    return access.visible_orgs(user, Organisation.objects.order_by("name_th", "pk"))


def _assignment_orgs(user):
    """What an auditor may be assigned to: the organisations that report and are assessed."""
    return _membership_orgs(user).filter(kind__in=AUDITED_KINDS)


pickers.register("accounts.membership", _membership_orgs)
pickers.register("accounts.assignment", _assignment_orgs)


@login_required
def users_admin(request):
    """Authority admin: people, their memberships, auditor assignments."""
    access.require(request.user, AccountsAction.ADMIN_PEOPLE)
    q = request.GET.get("q", "").strip()
    users = User.objects.filter(is_active=True).order_by("username")
    if q:
        users = users.filter(username__icontains=q) | users.filter(email__icontains=q)
    users = users.prefetch_related("memberships__organisation")[:200]
    return render(request, "accounts/users.html", {"users": users, "q": q})


@login_required
def user_admin(request, pk: int):
    access.require(request.user, AccountsAction.ADMIN_PEOPLE)
    from ecotown.accounts.models import Assignment

    person = User.objects.filter(pk=pk).first()
    if person is None:
        return render(request, "404.html", status=404)
    mform = MembershipForm(request.POST if request.POST.get("form") == "membership" else None, prefix="m")
    aform = AssignmentForm(request.POST if request.POST.get("form") == "assignment" else None, prefix="a")
    # 70,000 organisations to choose from: a search box (web/pickers.py), not a drop-down of every one
    for form, code in ((mform, "accounts.membership"), (aform, "accounts.assignment")):
        qs = pickers.source(code)(request.user)
        form.fields["organisation"].queryset = qs
        form.fields["organisation"].label_from_instance = pickers.label
        pickers.fit(form.fields["organisation"], code, cache.count(qs, on=(Organisation,)))
    if request.method == "POST":
        try:
            if request.POST.get("form") == "membership" and mform.is_valid():
                account_services.add_membership(request.user, person, mform.cleaned_data["organisation"],
                                                mform.cleaned_data["role"])
                messages.success(request, _("Saved."))
                return redirect("user_admin", pk=pk)
            if request.POST.get("form") == "assignment" and aform.is_valid():
                account_services.assign_auditor(request.user, person, **aform.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("user_admin", pk=pk)
            if request.POST.get("form") == "remove":
                m = Membership.objects.filter(pk=request.POST.get("membership"), user=person).first()
                if m is not None:
                    account_services.remove_membership(request.user, m)
                    messages.success(request, _("Saved."))
                return redirect("user_admin", pk=pk)
        except ValidationError as exc:
            target = mform if request.POST.get("form") == "membership" else aform
            add_errors(target, exc)
    is_auditor = Membership.objects.filter(user=person, role=Role.AUDITOR, is_active=True).exists()
    return render(request, "accounts/user.html", {
        "person": person, "mform": mform, "aform": aform, "is_auditor": is_auditor,
        "memberships": Membership.objects.filter(user=person).select_related("organisation"),
        "assignments": Assignment.objects.filter(auditor=person).select_related("organisation")})


def search(request):
    """The global search's results page (factories, estates and ports, reported months)."""
    from . import search as global_search

    # (the navigation bar's box sends `search`, not `q`: a page's own filter box is often called q)
    res = global_search.run(request.user, request.GET.get("q") or request.GET.get("search", ""), limit=50)
    return render(request, "search.html", {"res": res, "q": res.text})


def search_suggest(request):
    """htmx: the first few hits under the navigation bar's search box."""
    from . import search as global_search

    res = global_search.run(request.user, request.GET.get("q") or request.GET.get("search", ""), limit=5)
    return render(request, "_search_suggest.html", {"res": res, "q": res.text})


def _download(request, pk):
    from ecotown.core.models import Download

    return access.get_or_404(request.user, Download.objects.all(), pk=pk)


@login_required
def downloads(request):
    """The files built in the background for the user (big exports), newest first."""
    from ecotown.core.models import Download

    items = access.visible(request.user, Download.objects.all())[:50]
    return render(request, "downloads.html", {"items": items, "days": settings.ECOTOWN_DOWNLOAD_DAYS})


@login_required
def download_page(request, pk):
    """One download: its state while the worker builds it (the fragment polls), the file when ready."""
    from ecotown.core import worker

    d = _download(request, pk)
    waiting = d.status in ("queued", "running")
    ctx = {"d": d, "waiting": waiting, "worker_missing": waiting and worker.missing()}
    template = "_download_state.html" if request.headers.get("HX-Request") else "download.html"
    return render(request, template, ctx)


@login_required
def download_file(request, pk):
    d = _download(request, pk)
    if d.status != "done" or not d.file:
        raise Http404
    response = FileResponse(d.file.open("rb"), as_attachment=True, filename=d.name,
                            content_type=mimetypes.guess_type(d.name)[0] or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def pick(request, source: str):
    """htmx: the first organisations of a picker's source that match what is typed (web/pickers.py)."""
    from ecotown.registry import search

    try:
        fn = pickers.source(source)
    except KeyError:
        raise Http404 from None
    q = (request.GET.get("picker_q") or "").strip()
    options, more = [], False
    if len(q) >= 2:
        found = list(search.matching(fn(request.user), q).select_related("parent")
                     .order_by("name_th", "pk")[:pickers.SUGGESTIONS + 1])
        more = len(found) > pickers.SUGGESTIONS
        options = [(o, pickers.label(o)) for o in found[:pickers.SUGGESTIONS]]
    return render(request, "_picker_options.html", {"options": options, "more": more, "q": q})
