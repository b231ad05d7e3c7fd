"""The active interface language, reduced to EcoTown's two: "th" (default) or "en"."""
from __future__ import annotations

from django.utils.translation import get_language


def ui_lang() -> str:
    return "en" if (get_language() or "th").startswith("en") else "th"


class BilingualName:
    """Mixin for models with `name_th` and `name_en`: `.name` in the reader's language."""

    @property
    def name(self) -> str:
        return self.name_en if ui_lang() == "en" else self.name_th
