"""Thai conventions in templates: Buddhist-Era dates, Thai month names, sensible numbers.

The dates themselves are formatted by `ecotown.core.dates` (also used by exports and services).
"""
from __future__ import annotations

from django import template

from ecotown.core.dates import EN_MONTHS_SHORT, TH_MONTHS, TH_MONTHS_SHORT, format_date, year_label  # noqa: F401
from ecotown.core import numbers
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
        float(value)
    except (TypeError, ValueError):
        return value
    return numbers.fixed(value, digits)


# numbers by kind (ecotown.core.numbers: the same on pages, in workbooks and PDFs)

@register.filter
def tco2e(value):
    """t CO₂e: 3 decimals (to the kilogram), thousands separators."""
    return numbers.tco2e(value)


@register.filter
def pct(value, digits=1):
    """A number of percent: "12.5 %"."""
    return numbers.pct(value, digits)


@register.filter
def quantity(value):
    """A reported quantity: separators, at most 3 decimals, no trailing zeros."""
    return numbers.quantity(value)


@register.filter
def factor(value):
    """An emission factor as published (at most 6 significant digits)."""
    return numbers.factor(value)


@register.filter
def yes_no(value):
    """ใช่ / ไม่ใช่ · Yes / No."""
    return numbers.yes_no(bool(value))


@register.filter
def unit(text):
    """m3 → m³, tCO2e → t CO₂e."""
    return numbers.unit(text)


@register.filter
def coord(value):
    """A latitude or longitude: 4 decimals and a degree sign."""
    return numbers.coordinate(value)


# the change history, as a person reads it (field labels, choice labels, dates in the reader's era)

@register.simple_tag(takes_context=True)
def history_diff(context, record):
    from ecotown.core.history import readable_diff

    return readable_diff(record, _lang(), reader_era(context))


@register.filter
def event_label(record):
    from ecotown.core.history import event_label as label

    return label(record)


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


# framework rules and labels in words (assessment pages, PDF and workbook share them)

@register.filter
def rule_text(written):
    """A threshold as written in a framework file (">= 10", "<= -5", true) as a reader reads it: "≥ 10"."""
    from ecotown.core.numbers import rule_text as text

    return text(written)


@register.filter
def level_label(level):
    """A framework level (calc.framework.Level) by its name in the reader's language, never its id."""
    from ecotown.core.numbers import level_label as label

    return label(level, _lang())


@register.filter
def indicator_kind(kind):
    from ecotown.core.numbers import indicator_kind as label

    return label(kind)


@register.filter
def threshold_status(code):
    """A threshold status (official, secondary_verify, illustrative) in words."""
    from ecotown.assessment.selectors import status_badge

    return status_badge(code)["short"]


@register.filter
def history_object(record):
    """What a creation or deletion was about: an organisation's or person's name as recorded; a reported
    record (whose recorded name is built from codes and ISO dates) by its kind."""
    model = record.content_type.model_class()
    if model is not None and not hasattr(model, "name_th") and model.__name__.endswith("Record"):
        from ecotown.reporting import kinds

        spec = next((s for s in kinds.all() if s.model is model), None)
        if spec is not None:
            return spec.label(_lang())
    return record.object_repr


@register.filter
def month_axis(rows):
    """Monthly rows ({"month": 1..12, ...}) with the month's short name for a chart's axis: ม.ค. … ธ.ค. in
    Thai, Jan … Dec in English."""
    names = TH_MONTHS_SHORT if _lang() == "th" else EN_MONTHS_SHORT
    return [{**r, "label": names[int(r["month"]) - 1]} for r in rows or []]


@register.simple_tag
def scope_label(n):
    """"ขอบเขตที่ 1" / "Scope 1" (chart series, table headers)."""
    from django.utils.translation import gettext

    return gettext("Scope %(n)s") % {"n": n}


@register.filter
def reference_status(code):
    """A reference edition's status in Thai and English ("ค่าทางการ / official"): bilingual documents."""
    from ecotown.carbon.disclosure import status_label

    lab = status_label(code)
    return f"{lab['th']} / {lab['en']}"


@register.filter
def history_note(note):
    from ecotown.core.history import display_note

    return display_note(note)


@register.filter(needs_autoescape=True)
def written(value, autoescape=True):
    """Text a person wrote (an enquiry's subject, a sender's name), marked with the language it is
    written in when its script says so and the page is in another language (Thai script on an English
    page -> lang="th"), so that an English page quotes a
    Thai subject as Thai (screen readers, and the tour's untranslated-text check) instead of calling it
    untranslated interface text."""
    import re

    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    text = "" if value is None else str(value)
    esc = conditional_escape(text) if autoescape else text
    from django.utils.translation import get_language

    if re.search(r"[\u0E00-\u0E7F]", text) and not (get_language() or "").startswith("th"):
        return mark_safe(f'<span lang="th">{esc}</span>')
    return esc
