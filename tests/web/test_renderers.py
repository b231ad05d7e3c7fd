"""The drop-downs written in Python (ecotown.web.renderers) are Django's markup, character for character."""
from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from ecotown.web.renderers import FastSelectRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---------"), ("a", "Alpha & <b>"), ("2", 'Two "quoted"')], required=False)
    grouped = forms.ChoiceField(choices=[("Thai", [("th1", "ภาษาไทย"), ("th2", "นิคม")]), ("x", "plain"),
                                         ("Other <g>", [("o1", mark_safe("<i>safe</i>"))])])
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")], required=False)
    flag = forms.NullBooleanField(required=False)
    typed = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int, disabled=True,
                                   widget=forms.Select(attrs={"data-x": "y&z", "hidden": True, "off": False}))


@pytest.mark.parametrize("data", [None, {"plain": "a", "grouped": "th2", "many": ["1", "3"], "flag": "true", "typed": "2"},
                                  {"plain": "nope", "grouped": "o1", "many": ["9"], "flag": "false"}])
def test_the_same_markup_as_djangos_templates(data):
    fast, slow = Sample(data, renderer=FastSelectRenderer()), Sample(data, renderer=DjangoTemplates())
    if data:
        fast.is_valid(), slow.is_valid()
    for name in Sample.base_fields:
        got = fast[name].as_widget(attrs={"class": "form-select"})
        want = slow[name].as_widget(attrs={"class": "form-select"})
        assert got == want, name
    assert '<option value="a" selected>Alpha &amp; &lt;b&gt;</option>' in str(fast["plain"]) if data and data.get("plain") == "a" else True


def test_the_setting_uses_it():
    from django.forms.renderers import get_default_renderer

    assert type(get_default_renderer()) is FastSelectRenderer
    assert str(Sample({"plain": "a"})["plain"]).startswith('<select name="plain" id="id_plain">\n  <option value="">')
