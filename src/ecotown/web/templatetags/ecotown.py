"""Thai conventions in templates: Buddhist-Era dates, Thai month names, sensible numbers."""
from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from ecotown.core.i18n import ui_lang as _lang

register = template.Library()

TH_MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
             "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
TH_MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
EN_MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(value, lang: str, buddhist_era: bool | None = None, with_time: bool = False) -> str:
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
    year = value_date.year + 543 if be else value_date.year
    if lang == "th":
        return f"{value_date.day} {TH_MONTHS_SHORT[value_date.month - 1]} {year}{time_part}"
    era = " BE" if be else ""
    return f"{value_date.day} {EN_MONTHS_SHORT[value_date.month - 1]} {year}{era}{time_part}"


@register.simple_tag(takes_context=True)
def thdate(context, value, with_time=False):
    """A date as the reader expects it: B.E. year and Thai month in Thai, the user's choice in English."""
    user = context.get("user")
    be = None  # Thai: B.E.; English: C.E.
    if user is not None and getattr(user, "is_authenticated", False) and _lang() == "th":
        be = user.buddhist_era  # a Thai reader may prefer C.E.
    return format_date(value, _lang(), be, with_time)


@register.filter
def be_year(year):
    """A C.E. year shown as B.E. in Thai (2026 → 2569), as is in English."""
    if year in (None, ""):
        return ""
    return int(year) + 543 if _lang() == "th" else year


@register.filter
def num(value, digits=0):
    """Thousands separators and a fixed number of decimals (no 12-digit floats on screen)."""
    if value in (None, ""):
        return "–"
    try:
        return f"{float(value):,.{int(digits)}f}"
    except (TypeError, ValueError):
        return value


@register.filter
def rai_m2(value):
    if value in (None, ""):
        return ""
    return f"{float(value) * 1600:,.0f}"


@register.filter
def pick(obj, lang_field):
    """`{{ obj|pick:"name" }}` → obj.name_th or obj.name_en by the active language."""
    return getattr(obj, f"{lang_field}_{_lang()}", "") or getattr(obj, f"{lang_field}_th", "")


@register.simple_tag
def lang_code():
    return _lang()


@register.filter
def level_class(level):
    """One colour per Eco level everywhere (map, badges, certificates); colour-blind-safe (Okabe–Ito)."""
    text = (level or "").lower()
    if "world" in text:
        return "level-eco-world-class"
    if "excellence" in text:
        return "level-eco-excellence"
    if "champion" in text:
        return "level-eco-champion"
    return "text-bg-secondary"


@register.filter
def bs(field):
    """Render a form field's widget with Bootstrap classes (and is-invalid when it has errors)."""
    widget = field.field.widget
    css = "form-select" if widget.__class__.__name__ in {"Select", "SelectMultiple", "NullBooleanSelect"} else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
