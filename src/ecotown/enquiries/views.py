from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecotown.enquiries.policies import EnquiryAction
from ecotown import access
from ecotown.web.forms import add_errors
from ecotown.accounts.models import User
from ecotown.core import pdpa
from ecotown.core.models import ChangeRecord

from . import policies, services
from .errors import EnquiriesError
from .models import Enquiry, Programme


class EnquiryForm(forms.Form):
    programme = forms.ChoiceField(label=gettext_lazy("programme"), choices=Programme.choices)
    name = forms.CharField(label=gettext_lazy("your name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("e-mail"))
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=40, required=False)
    subject = forms.CharField(label=gettext_lazy("subject"), max_length=200)
    message = forms.CharField(label=gettext_lazy("message"), widget=forms.Textarea(attrs={"rows": 5}))


def enquiry_new(request):
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.display_name(), "email": request.user.email}
    form = EnquiryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        m = getattr(request, "membership", None)
        if request.user.is_authenticated and m:
            data["organisation"] = m.organisation
        try:
            enquiry = services.submit(request.user, data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(request, "enquiries/thanks.html", {"e": enquiry})
    return render(request, "enquiries/new.html", {"form": form, "notice": pdpa.notice(Enquiry)})


class StatusForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("reference number"), max_length=30,
                                help_text=gettext_lazy("e.g. EQ-7K3M-Q9PX, as on the page after sending"))
    email = forms.EmailField(label=gettext_lazy("the e-mail you sent it from"))


def enquiry_status(request):
    """Anyone may follow an enquiry by its reference number and the e-mail it was sent from."""
    form = StatusForm(request.GET if request.GET.get("reference") else None)
    found = None
    looked = False
    if form.is_valid():
        looked = True
        found = services.find_by_reference(form.cleaned_data["reference"], form.cleaned_data["email"])
    return render(request, "enquiries/status.html", {"form": form, "e": found, "looked": looked})


@login_required
def enquiry_list(request):
    qs = access.visible(request.user, Enquiry.objects.select_related("organisation", "assigned_to"))
    status = request.GET.get("status", "")
    if status in Enquiry.Status.values:
        qs = qs.filter(status=status)
    return render(request, "enquiries/list.html", {"enquiries": qs[:200], "status": status,
                                                    "statuses": Enquiry.Status.choices})


@login_required
def enquiry_detail(request, pk: int):
    enquiry = access.get_or_404(request.user, Enquiry.objects.select_related("organisation", "assigned_to"), pk=pk)
    can_handle = access.can(request.user, EnquiryAction.HANDLE, enquiry)
    staff = policies.handlers() if can_handle else []
    return render(request, "enquiries/detail.html", {
        "e": enquiry, "can_handle": can_handle, "staff": staff,
        "history": ChangeRecord.for_object(enquiry)[:20] if can_handle else []})


@login_required
@require_POST
def enquiry_action(request, pk: int, action: str):
    enquiry = access.get_or_404(request.user, Enquiry.objects.all(), pk=pk)
    access.require(request.user, EnquiryAction.HANDLE, enquiry)
    try:
        if action == "assign":
            staff_user = User.objects.filter(pk=request.POST.get("user")).first()
            if staff_user is None:
                raise EnquiriesError.CHOOSE_STAFF.invalid("assigned_to")
            services.assign(request.user, enquiry, staff_user)
        elif action == "answer":
            services.answer(request.user, enquiry, request.POST.get("answer", ""))
        elif action == "close":
            services.close(request.user, enquiry)
        else:
            return redirect("enquiry_detail", pk=pk)
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for msg in msgs:
                messages.error(request, msg)
    else:
        messages.success(request, _("Saved."))
    return redirect("enquiry_detail", pk=pk)
