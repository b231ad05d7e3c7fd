"""Small helpers shared by every app's form views."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy


def add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above the form."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class YearField(forms.IntegerField):
    """A year as its reader writes it: B.E. or C.E. (2568 = 2025), stored as C.E.; shown in the reader's era
    (B.E. on Thai pages, C.E. on English ones)."""

    default_error_messages = {
        "year_range": gettext_lazy("Enter a year between 2000 and 2100 (2543 and 2643 B.E.)."),
    }

    def __init__(self, *, lo: int = 2000, hi: int = 2100, **kwargs):
        kwargs.setdefault("help_text", gettext_lazy("B.E. or C.E. (2568 = 2025)"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "size": 6}))
        self.lo, self.hi = lo, hi
        super().__init__(**kwargs)

    def prepare_value(self, value):
        from ecotown.core import dates
        from ecotown.core.i18n import ui_lang

        if isinstance(value, int) and not isinstance(value, bool) and value < dates.BE_FROM:
            return dates.year_label(value, ui_lang())
        return value

    def to_python(self, value):
        from ecotown.core import dates

        year = super().to_python(value)
        return None if year is None else dates.ce_year(year)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.lo <= value <= self.hi:
            raise ValidationError(self.error_messages["year_range"], code="year_range")
