"""DIW factory registration numbers (เลขทะเบียนโรงงาน).

Two forms are accepted:
- the classic form `class-type-sequence/yearPROVINCE`, e.g. `3-105-1/45ชบ` or `จ3-64(1)-11/37สป`
  (class 1–3, type with optional sub-type in brackets, sequence, 2- or 4-digit B.E. year, Thai
  province abbreviation), and
- the 14-digit registration number used since 2013 (dashes and spaces ignored).
Thai digits are accepted and normalised to Arabic digits.
"""
from __future__ import annotations

import re

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

CLASSIC = re.compile(
    r"^(?P<prefix>[จน]\.?)?\s*(?P<cls>[123])-(?P<type>\d{1,3}(?:\(\d{1,2}\))?)-(?P<seq>\d{1,5})"
    r"/(?P<year>\d{2}|\d{4})(?P<prov>[ก-ฮ]{1,3}\.?)$"
)
FOURTEEN = re.compile(r"^\d{14}$")


class DIWNumberError(ValueError):
    pass


def normalise(raw: str) -> tuple[str, str]:
    """Return (display form, unique key) or raise DIWNumberError."""
    text = (raw or "").strip().translate(THAI_DIGITS)
    text = re.sub(r"\s+", "", text)
    if not text:
        raise DIWNumberError("empty")
    digits = re.sub(r"[-.]", "", text)
    if FOURTEEN.match(digits):
        return digits, "N" + digits
    m = CLASSIC.match(text)
    if m:
        prov = m["prov"].rstrip(".")
        display = f"{m['prefix'] or ''}{m['cls']}-{m['type']}-{int(m['seq'])}/{m['year']}{prov}"
        key = f"C{m['cls']}-{m['type']}-{int(m['seq'])}/{m['year'][-2:]}{prov}"
        return display, key
    raise DIWNumberError(text)
