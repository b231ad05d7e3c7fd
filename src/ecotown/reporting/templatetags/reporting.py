from __future__ import annotations

from django import template

from ecotown.core.i18n import ui_lang as _lang

register = template.Library()


@register.filter
def activity_name(code):
    from ecotown.reporting.imports import Catalogue

    return Catalogue.get().name(code, _lang())


@register.filter
def state_class(state):
    return {"draft": "text-bg-secondary", "submitted": "text-bg-info", "verified": "text-bg-success",
            "locked": "text-bg-dark"}.get(state, "text-bg-light")


@register.filter
def flag_message(flag):
    return flag.message(_lang())


@register.filter
def qty(value):
    """A quantity without trailing zeros, with thousands separators."""
    from ecotown.core import numbers

    return numbers.quantity(value)


@register.simple_tag(takes_context=True)
def period_label(context, start, end):
    """A whole month as "มี.ค. 2569" / "Mar 2026"; any other period as its two dates."""
    import calendar

    from ecotown.web.templatetags.ecotown import thdate

    if start.day == 1 and end.year == start.year and end.month == start.month and end.day == calendar.monthrange(start.year, start.month)[1]:
        return month_label(context, start)
    return f"{thdate(context, start)} – {thdate(context, end)}"


@register.simple_tag(takes_context=True)
def month_label(context, d):
    """"มี.ค. 2569" / "Mar 2026"."""
    from ecotown.core import dates
    from ecotown.web.templatetags.ecotown import reader_era

    return dates.month_label(d, _lang(), reader_era(context))


@register.simple_tag
def state_label(state):
    """A review state in words (draft, submitted …), never its code."""
    from ecotown.reporting.models import State

    return dict(State.choices).get(state, "")


@register.filter
def activity_name_th(code):
    from ecotown.reporting.imports import Catalogue

    return Catalogue.get().name(code, "th")


@register.filter
def activity_name_en(code):
    from ecotown.reporting.imports import Catalogue

    return Catalogue.get().name(code, "en")
