"""Pick the message language for command-line tools: --lang, else the locale, else English."""
from __future__ import annotations

import os


def default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "th" if value.lower().startswith("th") else "en"
    return "en"
