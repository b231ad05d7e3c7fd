"""Choosing one of thousands of organisations: an autocomplete instead of a drop-down of every one.

A drop-down of the organisations a user may pick lists 10,681 for an estate manager and 70,000 for the
authority (an 11 MB page). A form field whose choices exceed `PICKER_OVER` gets `OrgPicker` instead: a
search box that asks `/pick/<source>/?picker_q=…` for the first matches (name in Thai or English, code,
DIW number: `registry.search.matching`) and a hidden input with the chosen organisation's id. The field
stays a ModelChoiceField over the same queryset, so what may be chosen is validated as before.

A source is registered per purpose by the app that owns the form — `register("assessment.start", fn)`
with `fn(user) -> QuerySet` of the organisations the user may choose there — and the suggestions are
always that queryset, filtered: the picker can offer nothing the form would refuse.
"""
from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.urls import reverse

PICKER_OVER = 50        # more choices than this: a search box instead of a drop-down (ECOTOWN_PICKER_OVER)
SUGGESTIONS = 12

_sources: dict[str, Callable] = {}


def register(code: str, fn: Callable) -> Callable:
    _sources[code] = fn
    return fn


def source(code: str) -> Callable:
    return _sources[code]


def label(org) -> str:
    from ecotown.registry.models import Kind

    return f"{org.name} ({Kind(org.kind).label})" if org.kind in Kind.values else org.name


class OrgPicker(forms.Widget):
    template_name = "_picker.html"

    def __init__(self, source_code: str, attrs=None):
        super().__init__(attrs)
        self.source_code = source_code

    def get_context(self, name, value, attrs):
        from ecotown.registry.models import Organisation

        ctx = super().get_context(name, value, attrs)
        chosen = None
        if value not in (None, ""):
            try:
                chosen = Organisation.objects.filter(pk=int(value)).first()
            except (TypeError, ValueError):
                chosen = None
        ctx["widget"].update(url=reverse("pick", args=[self.source_code]), chosen=chosen,
                             chosen_label=label(chosen) if chosen else "")
        return ctx

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None


def fit(field: forms.ModelChoiceField, source_code: str, n: int) -> None:
    """Give `field` the picker when it offers more than PICKER_OVER choices (`n`: their number, already
    counted by the form)."""
    from django.conf import settings

    if n > getattr(settings, "ECOTOWN_PICKER_OVER", PICKER_OVER):
        field.widget = OrgPicker(source_code)
