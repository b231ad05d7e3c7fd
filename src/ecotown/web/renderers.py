"""The form renderer: Django's, with `<select>` written in Python.

Django renders a drop-down through three templates, one include per option and another for each option's
attributes: ~30 µs an option. The factory list's filters (74 estates and ports, the TSIC codes) cost 8 ms a
request that way, most of the page's rendering. `FastSelectRenderer` writes the same markup, character for
character (tests/web/test_renderers.py compares it with Django's templates), and leaves every other widget
to the templates."""
from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape."""
    return str(value) if isinstance(value, SafeData) else conditional_escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"')
    return "".join(out)


def select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html for the widget's context (None: an option with a template of its own)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            parts.append(f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts).strip()  # (the renderer strips what a template gives)


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            html = select_html(context["widget"])
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request=request)
