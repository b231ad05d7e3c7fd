"""Thai dates, for pages, exports (Excel/PDF), notifications and imports alike.

Buddhist-Era (B.E., พ.ศ.) years are the C.E. year + 543; a year of 2400 or more is read as B.E.
Thai readers see Thai month names and B.E. years (unless they chose C.E.); English readers see
English month abbreviations and C.E. years (unless they chose B.E.).
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

BE_OFFSET = 543
BE_FROM = 2400  # a year from here on is Buddhist Era

TH_MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
             "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
TH_MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
EN_MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def be_year(year: int) -> int:
    """C.E. → B.E. (2026 → 2569)."""
    return int(year) + BE_OFFSET


def ce_year(year: int) -> int:
    """A year as written by a person: 2400 or more is B.E. and becomes C.E. (2569 → 2026); else as is."""
    return year - BE_OFFSET if year >= BE_FROM else year


def ce_date(value: dt.date) -> dt.date:
    """A date whose year was entered in B.E. (an Excel cell typed as 1/3/2569) as C.E."""
    return value.replace(year=value.year - BE_OFFSET) if value.year >= BE_FROM else value


def year_label(year, lang: str):
    """A C.E. year as the reader expects it: B.E. in Thai, as is in English."""
    if year in (None, ""):
        return ""
    return be_year(year) if lang == "th" else year


def format_date(value, lang: str, buddhist_era: bool | None = None, with_time: bool = False) -> str:
    """"1 มี.ค. 2569" / "1 Mar 2026" (B.E. by default in Thai, C.E. in English; "BE" marks it in English)."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        time_part = value.strftime(" %H:%M") if with_time else ""
        value_date = value.date()
    else:
        time_part, value_date = "", value
    be = (lang == "th") if buddhist_era is None else buddhist_era
    year = be_year(value_date.year) if be else value_date.year
    if lang == "th":
        return f"{value_date.day} {TH_MONTHS_SHORT[value_date.month - 1]} {year}{time_part}"
    era = " BE" if be else ""
    return f"{value_date.day} {EN_MONTHS_SHORT[value_date.month - 1]} {year}{era}{time_part}"


def month_label(value: dt.date, lang: str, buddhist_era: bool | None = None) -> str:
    """"มี.ค. 2569" / "Mar 2026": a whole month."""
    text = format_date(value, lang, buddhist_era)
    return text.split(" ", 1)[1] if " " in text else text


def month_year_th(year: int, month: int) -> str:
    """"มีนาคม 2569": the month's full Thai name and the B.E. year (notifications)."""
    return f"{TH_MONTHS[month - 1]} {be_year(year)}"


def excel_date_format(lang: str) -> str:
    """The number format of real date cells in workbooks: Thai readers see B.E. years
    ([$-1070000] = the Thai Buddhist calendar), others ISO dates."""
    return "[$-1070000]d/m/yyyy;@" if lang == "th" else "yyyy-mm-dd"


def numeric_date_th(value: dt.date) -> str:
    """"31/3/2569": day/month/B.E. year (notifications)."""
    return f"{value.day}/{value.month}/{be_year(value.year)}"


def input_date(value: dt.date | None, lang: str, buddhist_era: bool | None = None) -> str:
    """A date as a person types it in a text field: "1/3/2569" in Thai (B.E.), "1/3/2026" in English; the
    reporting parser reads both back (a year of 2400 or more is B.E.)."""
    if value in (None, ""):
        return ""
    be = (lang == "th") if buddhist_era is None else buddhist_era
    return f"{value.day}/{value.month}/{be_year(value.year) if be else value.year}"
