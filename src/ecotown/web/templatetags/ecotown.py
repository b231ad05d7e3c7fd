"""Thai conventions in templates: Buddhist-Era dates, Thai month names, sensible numbers.

The dates themselves are formatted by `ecotown.core.dates` (also used by exports and services).
"""
from __future__ import annotations

from django import template

from ecotown.core.dates import EN_MONTHS_SHORT, TH_MONTHS, TH_MONTHS_SHORT, format_date, year_label  # noqa: F401
from ecotown.core.i18n import ui_lang as _lang

register = template.Library()


def reader_era(context) -> bool | None:
    """B.E. or not for this reader: None (the language's default: B.E. in Thai, C.E. in English), or the
    signed-in Thai reader's choice (a Thai reader may prefer C.E.)."""
    user = context.get("user")
    if user is not None and getattr(user, "is_authenticated", False) and _lang() == "th":
        return user.buddhist_era
    return None


@register.simple_tag(takes_context=True)
def thdate(context, value, with_time=False):
    """A date as the reader expects it: B.E. year and Thai month in Thai, the user's choice in English."""
    return format_date(value, _lang(), reader_era(context), with_time)


@register.filter
def be_year(year):
    """A C.E. year shown as B.E. in Thai (2026 → 2569), as is in English."""
    return year_label(year, _lang())


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
