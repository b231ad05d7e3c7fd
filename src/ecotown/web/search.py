"""The global search (the box in the navigation bar on every page): factories by Thai or English name
(substrings) or DIW registration number, estates and ports, and a factory's reported month
("โรงงานเอ มี.ค. 2569", "Factory A 2026-03").

Only what the user may see, decided by `ecotown.access`: organisations the user sees (linked to their
pages), public estate pages for everyone (linked to the public page when the user does not see the
estate itself), reported months of the factories the user sees. A fixed number of queries per search.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.urls import reverse

from ecotown import access
from ecotown.core import dates
from ecotown.registry import search as registry_search
from ecotown.registry.choices import few_by_name
from ecotown.registry.models import Kind, Organisation

FACTORY_KINDS = (Kind.FACTORY, Kind.WASTE_PROCESSOR)
ESTATE_KINDS = (Kind.ESTATE, Kind.PORT)

_EN_MONTHS = {name.lower(): i for i, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"], start=1)}
_EN_MONTHS.update({name.lower(): i for i, name in enumerate(dates.EN_MONTHS_SHORT, start=1)})
_TH_MONTHS = {name: i for i, name in enumerate(dates.TH_MONTHS, start=1)}
_TH_MONTHS.update({name: i for i, name in enumerate(dates.TH_MONTHS_SHORT, start=1)})
_TH_MONTHS.update({name.replace(".", ""): i for i, name in enumerate(dates.TH_MONTHS_SHORT, start=1)})
_NAMES = sorted(list(_EN_MONTHS) + list(_TH_MONTHS), key=len, reverse=True)
_NAMED = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in _NAMES) + r")\s*(\d{4})(?!\d)", re.IGNORECASE)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})(?![\d-])")
_SLASH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")


def parse_month(text: str) -> tuple[tuple[int, int] | None, str]:
    """((C.E. year, month) or None, the text without it). Years may be B.E. (2569) or C.E. (2026)."""
    for rx, order in ((_NAMED, "name"), (_ISO, "ym"), (_SLASH, "my")):
        m = rx.search(text)
        if not m:
            continue
        if order == "name":
            key = m.group(1)
            month = _EN_MONTHS.get(key.lower()) or _TH_MONTHS.get(key)
            year = int(m.group(2))
        elif order == "ym":
            year, month = int(m.group(1)), int(m.group(2))
        else:
            month, year = int(m.group(1)), int(m.group(2))
        year = dates.ce_year(year)
        if month and 1 <= month <= 12 and 2000 <= year <= 2100:
            rest = (text[:m.start()] + " " + text[m.end():]).strip()
            return (year, month), " ".join(rest.split())
    return None, text


@dataclass
class Hit:
    kind: str            # factory | estate | month
    title: str
    detail: str
    url: str
    state: str = ""      # a reported month's state (reporting.matrix)
    state_label: str = ""


@dataclass
class Results:
    text: str
    month: tuple[int, int] | None = None
    factories: list[Hit] = field(default_factory=list)
    estates: list[Hit] = field(default_factory=list)
    months: list[Hit] = field(default_factory=list)
    more: bool = False   # a group was cut at the limit

    @property
    def empty(self) -> bool:
        return not (self.factories or self.estates or self.months)

    @property
    def all(self) -> list[Hit]:
        return self.months + self.factories + self.estates


def run(user, text: str, limit: int = 20) -> Results:
    from django.utils.translation import gettext as _

    text = " ".join((text or "").split())[:200]
    res = Results(text=text)
    if len(text) < 2:
        return res
    month, rest = parse_month(text)
    res.month = month
    signed_in = getattr(user, "is_authenticated", False)
    if signed_in:
        found = list(registry_search.matching(
            access.visible_orgs(user, Organisation.objects.filter(kind__in=FACTORY_KINDS)), rest)
            .select_related("parent", "factory").order_by("name_th", "pk")[:limit + 1]) if rest else []
        res.more |= len(found) > limit
        found = found[:limit]
        for o in found:
            detail = getattr(o, "factory", None)
            parts = [detail.diw_number if detail else "", o.parent.name if o.parent_id else ""]
            res.factories.append(Hit("factory", o.name, " · ".join(p for p in parts if p), reverse("org_detail", args=[o.pk])))
        if month and found:
            from ecotown.reporting import matrix

            year, m = month
            with_records = [o for o in found if o.kind == Kind.FACTORY]
            states = matrix.cells(user, [o.pk for o in with_records], year)
            label = dates.month_label(dt.date(year, m, 1), _lang())
            for o in with_records:
                s = states[o.pk][m - 1]
                res.months.append(Hit("month", f"{o.name} · {label}", _("reported activity data"),
                                      reverse("reporting:org", args=[o.pk]) + f"?year={year}#month-{m}",
                                      s, str(matrix.LABELS[s])))
    estates_qs = Organisation.objects.filter(kind__in=ESTATE_KINDS)
    seen = access.visible_orgs(user, estates_qs) if signed_in else estates_qs.none()
    shown = (seen | access.public(estates_qs)) if signed_in else access.public(estates_qs)
    estates = list(registry_search.matching(shown, text if not month else rest or text, few=True)
                   .select_related("province").order_by(*few_by_name())[:limit + 1]) if (rest or not month) else []
    res.more |= len(estates) > limit
    seen_ids = set(seen.filter(pk__in=[e.pk for e in estates]).values_list("pk", flat=True)) if signed_in and estates else set()
    for e in estates[:limit]:
        url = reverse("org_detail", args=[e.pk]) if e.pk in seen_ids else reverse("public_estate", args=[e.pk])
        res.estates.append(Hit("estate", e.name, " · ".join(p for p in [str(Kind(e.kind).label),
                                                                        e.province.name if e.province_id else ""] if p), url))
    return res


def _lang() -> str:
    from ecotown.core.i18n import ui_lang

    return ui_lang()
