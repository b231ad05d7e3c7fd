"""Finding organisations by what people type: Thai or English name (substrings — Thai has no spaces
between words), code, or DIW registration number (in either of its forms, as typed or normalised)."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from . import diw


def matching(qs: QuerySet, text: str) -> QuerySet:
    """Organisations of `qs` whose name, code or DIW number matches `text` (every word, as a substring)."""
    text = (text or "").strip().lower()
    if not text:
        return qs
    words = Q()
    for word in text.split():
        words &= Q(search_text__contains=word)
    by_number = Q(factory__diw_number__icontains=text.replace(" ", ""))
    try:
        _display, key = diw.normalise(text)
    except diw.DIWNumberError:
        pass
    else:
        by_number |= Q(factory__diw_key=key)
    return qs.filter(words | by_number)
