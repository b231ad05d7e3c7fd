"""Numbers by kind, framework rules in words, years in B.E. or C.E., chart months by name — one set of
formats (ecotown.core.numbers, ecotown.core.dates, the `ecotown` template filters) for pages, Excel and PDF."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from ecotown.core import dates, numbers


def test_numbers_by_kind():
    assert (numbers.tco2e(1411.957102), numbers.tco2e(0.2739), numbers.tco2e(None)) == ("1,411.957", "0.274", "–")
    assert (numbers.pct(33.33333333333333), numbers.pct(0)) == ("33.3 %", "0.0 %")
    assert (numbers.quantity("411058.200000"), numbers.quantity(6.16), numbers.quantity(0.0035),
            numbers.quantity(1200)) == ("411,058.2", "6.16", "0.0035", "1,200")
    assert (numbers.factor(0.4999), numbers.factor(2.7078), numbers.factor(1790.9)) == ("0.4999", "2.7078", "1,790.9")
    assert (numbers.coordinate(13.076646246367773), numbers.count(70000)) == ("13.0766°", "70,000")
    assert numbers.unit("m3 of water, tCO2e, CH4") == "m³ of water, t CO₂e, CH₄"
    assert (numbers.unit("percent"), numbers.unit("percent of energy")) == ("%", "percent of energy")
    assert numbers.fixed(-0.0001, 2) == "0.00"


def test_yes_no_in_the_readers_language():
    with translation.override("th"):
        assert (numbers.yes_no(True), numbers.yes_no(False)) == ("ใช่", "ไม่ใช่")
    with translation.override("en"):
        assert (numbers.yes_no(True), numbers.yes_no(False)) == ("Yes", "No")


def test_framework_rules_and_levels_in_words():
    with translation.override("en"):
        assert [numbers.rule_text(w) for w in (">= 10", "<= -5", "> 0.5 percent", True, "false", None)] == [
            "≥ 10", "≤ −5", "> 0.5 %", "Yes", "No", ""]
    assert numbers.level_label("eco-world-class", "th") == "Eco-World Class"
    assert numbers.level_label("smart-eco-4.0", "en") == "Smart Eco 4.0"


def test_excel_formats_keep_numbers_and_give_them_a_format():
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    wb.active.append(["t CO2e", 1411.957102, 12.5, "text"])
    numbers.excel_formats(wb)
    out = io.BytesIO()
    wb.save(out)
    row = [c for c in load_workbook(io.BytesIO(out.getvalue())).active[1]]
    assert (row[1].value, row[1].number_format) == (1411.957102, numbers.TCO2E_FORMAT)
    assert (row[2].value, row[2].number_format) == (12.5, "General")  # no raw digits to hide


def test_input_dates_are_typed_back_in_the_readers_era():
    d = dt.date(2026, 3, 1)
    assert (dates.input_date(d, "th"), dates.input_date(d, "en"), dates.input_date(d, "th", False)) == (
        "1/3/2569", "1/3/2026", "1/3/2026")


@pytest.mark.parametrize("lang, typed, stored, shown", [
    ("th", "2568", 2025, "2568"), ("th", "2025", 2025, "2568"), ("en", "2025", 2025, "2025"), ("en", "2568", 2025, "2025"),
])
def test_year_field_accepts_be_or_ce_stores_ce_and_shows_the_readers_era(lang, typed, stored, shown):
    from django import forms

    from ecotown.web.forms import YearField

    class F(forms.Form):
        year = YearField(label="year")

    with translation.override(lang):
        f = F({"year": typed})
        assert f.is_valid() and f.cleaned_data["year"] == stored
        html = str(F(initial={"year": stored})["year"])
        assert f'value="{shown}"' in html
        bad = F({"year": "1999"})
        assert not bad.is_valid() and bad.errors["year"] == [
            "ระบุปีระหว่าง ค.ศ. 2000 ถึง 2100 (พ.ศ. 2543 ถึง 2643)" if lang == "th" else
            "Enter a year between 2000 and 2100 (2543 and 2643 B.E.)."]


def test_chart_months_are_named_in_thai_and_english():
    tpl = Template("{% load ecotown %}{{ rows|month_axis|json_script:'m' }}|{% scope_label 2 %}")
    rows = [{"month": m, "co2e_t": 0.0} for m in range(1, 13)]
    for lang, first, last, scope in (("th", "ม.ค.", "ธ.ค.", "ขอบเขตที่ 2"), ("en", "Jan", "Dec", "Scope 2")):
        with translation.override(lang):
            out = tpl.render(Context({"rows": rows}))
        data = json.loads(re.search(r">(.*)</script>", out).group(1))
        assert [data[0]["label"], data[-1]["label"], len(data)] == [first, last, 12]
        assert out.endswith("|" + scope)


def test_inventory_chart_has_thai_month_names(world, client):
    from ecotown.carbon.models import Inventory
    from ecotown.core import history

    inv = history.save(None, Inventory(organisation=world.F1, year=2025, totals={"co2e_t": 1.0}))
    client.force_login(world.users["approver"])
    client.cookies["ecotown_language"] = "th"
    html = client.get(f"/carbon/inventory/{inv.pk}/").content.decode()
    data = json.loads(re.search(r'<script id="months-data" type="application/json">(.*?)</script>', html).group(1))
    assert [r["label"] for r in data][:3] == ["ม.ค.", "ก.พ.", "มี.ค."]
    assert "labels: m.map(r => r.label)" in html and "label: 'ขอบเขตที่ 1'" in html
