"""Thai dates in one core module: B.E. years, Thai month names, formatting (pages, exports, services)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import translation

from ecotown.core import dates


def test_years_both_ways():
    assert (dates.be_year(2026), dates.ce_year(2569), dates.ce_year(2026), dates.ce_year(2399)) == (2569, 2026, 2026, 2399)
    assert dates.ce_date(dt.date(2569, 3, 31)) == dt.date(2026, 3, 31)
    assert dates.ce_date(dt.date(2026, 3, 31)) == dt.date(2026, 3, 31)
    assert (dates.year_label(2026, "th"), dates.year_label(2026, "en"), dates.year_label(None, "th")) == (2569, 2026, "")


@pytest.mark.parametrize("lang, be, expected", [
    ("th", None, "1 มี.ค. 2569"), ("th", False, "1 มี.ค. 2026"),
    ("en", None, "1 Mar 2026"), ("en", True, "1 Mar 2569 BE"),
])
def test_format_date(lang, be, expected):
    assert dates.format_date(dt.date(2026, 3, 1), lang, be) == expected


def test_format_datetime_in_local_time_with_time():
    value = dt.datetime(2026, 12, 31, 18, 30, tzinfo=dt.timezone.utc)  # 01:30 on 1 January in Bangkok
    with translation.override("th"):
        from django.utils import timezone

        with timezone.override(zoneinfo.ZoneInfo("Asia/Bangkok")):
            assert dates.format_date(value, "th", with_time=True) == "1 ม.ค. 2570 01:30"
            assert dates.format_date(value, "en") == "1 Jan 2027"
    assert (dates.format_date(None, "th"), dates.format_date("", "en")) == ("", "")


def test_month_labels_and_notification_forms():
    d = dt.date(2026, 3, 31)
    assert (dates.month_label(d, "th"), dates.month_label(d, "en")) == ("มี.ค. 2569", "Mar 2026")
    assert dates.month_year_th(2026, 3) == "มีนาคม 2569"
    assert dates.numeric_date_th(d) == "31/3/2569"
    assert (dates.excel_date_format("th"), dates.excel_date_format("en")) == ("[$-1070000]d/m/yyyy;@", "yyyy-mm-dd")
    assert len(dates.TH_MONTHS) == len(dates.TH_MONTHS_SHORT) == len(dates.EN_MONTHS_SHORT) == 12


def test_template_tags_use_the_core_module(world):
    user = world.users["preparer"]
    tpl = Template('{% load ecotown reporting %}{% thdate d %}|{{ 2026|be_year }}|{% month_label d %}|{% period_label d e %}')
    with translation.override("th"):
        assert tpl.render(Context({"d": dt.date(2026, 3, 1), "e": dt.date(2026, 3, 31), "user": user})) == (
            "1 มี.ค. 2569|2569|มี.ค. 2569|มี.ค. 2569")
        user.buddhist_era = False  # a Thai reader who prefers C.E.
        assert tpl.render(Context({"d": dt.date(2026, 3, 1), "e": dt.date(2026, 4, 2), "user": user})) == (
            "1 มี.ค. 2026|2569|มี.ค. 2026|1 มี.ค. 2026 – 2 เม.ย. 2026")
    with translation.override("en"):
        assert tpl.render(Context({"d": dt.date(2026, 3, 1), "e": dt.date(2026, 3, 31), "user": user})) == (
            "1 Mar 2026|2026|Mar 2026|Mar 2026")


def test_no_other_module_adds_543():
    """B.E. arithmetic lives in ecotown.core.dates only."""
    import re
    from pathlib import Path

    import ecotown

    root = Path(ecotown.__file__).resolve().parent
    hits = [f"{p.relative_to(root)}:{i}" for p in sorted(root.rglob("*.py")) if "migrations" not in p.parts
            and p.relative_to(root) != Path("core/dates.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if re.search(r"[+-] ?543\b", line)]
    assert hits == []
