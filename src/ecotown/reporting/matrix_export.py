"""The completeness matrix as a workbook: every row of the filter (not only a page), Thai headers and B.E.
years for Thai readers, each cell the state in words with its colour. Built in the request for a small
filter, by the worker for a big one (`ecotown.core.downloads`, builder "reporting.matrix")."""
from __future__ import annotations

import copy
import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecotown.core import dates
from ecotown.core.downloads import Built
from ecotown.registry.models import Organisation

from . import matrix

# colour-blind-safe fills (Okabe–Ito) shared by the page (ecotown.css) and the workbook
FILLS = {"none": "E9ECEF", "draft": "F0E442", "submitted": "56B4E9", "verified": "009E73", "late": "D55E00"}


def params(f: matrix.Filter) -> dict:
    return {"year": f.year, "estate": f.estate.pk if f.estate else None, "state": f.state, "month": f.month, "q": f.q}


def from_params(user, p: dict) -> matrix.Filter:
    estate = matrix.estates(user).filter(pk=p["estate"]).first() if p.get("estate") else None
    if p.get("estate") and estate is None:   # no longer visible to the user: nothing, not everything
        raise PermissionError("the estate of the filter is no longer visible")
    return matrix.Filter(year=int(p["year"]), estate=estate, state=p.get("state") or "", month=p.get("month"),
                         q=p.get("q") or "")


def titles(f: matrix.Filter, n: int) -> dict:
    """The download's title in both languages (its page, the notification)."""
    from django.utils import translation

    out = {}
    for lang in ("th", "en"):
        with translation.override(lang):
            where = f" · {f.estate.name}" if f.estate else ""
            count = ngettext("%(n)s factory", "%(n)s factories", n) % {"n": f"{n:,}"}
            out[f"title_{lang}"] = f"{_('Completeness')} {dates.year_label(f.year, lang)}{where} · {count}"
    return out


def _cell(ws, cls, value, **style):
    c = cls(ws, value=str(value))
    for k, v in style.items():
        setattr(c, k, v)
    return c


def build(user, f: matrix.Filter | dict, lang: str | None = None) -> Built:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    from ecotown.core.i18n import ui_lang

    if isinstance(f, dict):
        f = from_params(user, f)
    lang = lang or ui_lang()
    today = timezone.localdate()
    due = matrix.deadlines(f.year)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("Completeness"))
    ws.freeze_panes = "D2"
    for col, width in zip("ABC", (34, 44, 18)):
        ws.column_dimensions[col].width = width
    bold = Font(bold=True)
    months = [dates.month_label(dt.date(f.year, m, 1), lang) for m in range(1, 13)]
    header = [_("estate or port"), _("Factory"), _("DIW registration number")] + months
    ws.append([_cell(ws, WriteOnlyCell, v, font=bold, alignment=Alignment(wrap_text=True)) for v in header])
    fills = {s: PatternFill("solid", fgColor=c) for s, c in FILLS.items()}
    white = {s: Font(color="FFFFFF" if s in ("verified", "late") else "000000") for s in FILLS}
    words = {s: f"{matrix.ICONS[s]} {matrix.LABELS[s]}" for s in matrix.CELL_STATES}
    # one styled cell per state; every cell of the sheet copies its style array (setting fill and font
    # on each of 70,000 × 12 cells hashed the style objects every time: 90 % of the export's time)
    styled = {s: _cell(ws, WriteOnlyCell, words[s], fill=fills[s], font=white[s]) for s in matrix.CELL_STATES}
    qs = matrix.factories(user, f, today, due)
    chunk: list[Organisation] = []
    n = 0

    def state_cell(s):
        c = WriteOnlyCell(ws, value=words[s])
        c._style = copy.copy(styled[s]._style)
        return c

    def flush():
        for r in matrix.rows(user, chunk, f.year, today, due):
            detail = getattr(r.org, "factory", None)
            ws.append([r.org.parent.name if r.org.parent_id else "", r.org.name, detail.diw_number if detail else ""]
                      + [state_cell(s) for _m, s in r.months])
        chunk.clear()

    for org in qs.iterator(chunk_size=2000):
        chunk.append(org)
        n += 1
        if len(chunk) >= 2000:
            flush()
    flush()
    legend = wb.create_sheet(_("Legend"))
    legend.append([_cell(legend, WriteOnlyCell, _("state"), font=bold), _cell(legend, WriteOnlyCell, _("meaning"), font=bold)])
    for s in matrix.CELL_STATES:
        legend.append([_cell(legend, WriteOnlyCell, words[s], fill=fills[s], font=white[s]), str(matrix.HELP[s])])
    out = io.BytesIO()
    wb.save(out)
    return Built(f"ecotown-completeness-{dates.year_label(f.year, lang)}.xlsx", out.getvalue(), n)
