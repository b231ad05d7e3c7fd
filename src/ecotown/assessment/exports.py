"""PDF (WeasyPrint, Sarabun) and Excel (openpyxl) of a stored assessment result."""
from __future__ import annotations

import io
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotown.core import dates, numbers
from ecotown.core.i18n import ui_lang

from . import selectors

#: why a level is not reached, in words (the result page says the same: assessment/_result_body.html)
BLOCKERS = {
    "prerequisite": gettext_lazy("Prerequisite not met"),
    "dimension_share": gettext_lazy("Dimension share too low"),
    "total_share": gettext_lazy("Total share too low"),
    "level_below": gettext_lazy("The level below is not achieved"),
    "held_years": gettext_lazy("The level below was not held in"),
}

FONTS_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "fonts"


def result_pdf(a, r, request=None) -> bytes:
    from weasyprint import HTML

    ctx = selectors.result_context(a, r)
    ctx["fonts_dir"] = FONTS_DIR.as_uri()
    html = render_to_string("assessment/result_pdf.html", ctx, request=request)
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/").write_pdf()


def result_xlsx(a, r) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ctx = selectors.result_context(a, r)
    fw = ctx["fw"]
    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    bold = Font(bold=True)
    rows = [
        (_("Organisation"), a.organisation.name),
        (_("Framework"), f"{a.framework_version.name} ({fw.id} {fw.version})"),
        (_("Year"), dates.year_label(a.year, ui_lang())),
        (_("Performance"), a.get_scenario_display()),
        (_("Level reached"), ctx["level_name"] or _("none")),
        (_("Framework content hash"), r.framework_hash),
        (_("Engine"), r.engine),
        (_("Computed at"), dates.format_date(r.computed_at, ui_lang(), with_time=True)),
    ]
    for row in rows:
        ws.append(row)
        ws.cell(ws.max_row, 1).font = bold
    if ctx["illustrative"]:
        ws.append((_("Illustrative default — not an official threshold"),))
    ws.append(())
    ws.append((_("Level"), _("Achieved"), _("Total share (%)"), _("Blockers")))
    for c in ws[ws.max_row]:
        c.font = bold
    for lv in ctx["levels"]:
        ws.append((lv["name"], numbers.yes_no(lv["achieved"]), lv["total_pct"],
                   "; ".join(str(BLOCKERS.get(b["kind"], b["kind"])) for b in lv["blockers"])))
        ws.cell(ws.max_row, 3).number_format = numbers.PCT_FORMAT
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 50

    g = wb.create_sheet(_("Gap to next level")[:31])
    g.append((_("Indicator"), _("Name"), _("Dimension"), _("Level"), _("Current value"), _("Required"), _("Points"),
              _("Threshold status")))
    for c in g[1]:
        c.font = bold
    for gap in ctx["gaps"]:
        g.append((gap["indicator"], gap["name"], gap["dimension"], selectors.level_name(fw, gap["level"]),
                  "" if gap["value"] is None else gap["value"], numbers.rule_text(gap["required"]), gap["points"],
                  str(gap["status"]["short"])))
    d = wb.create_sheet(_("Dimension shares")[:31])
    d.append((_("Level"), _("Dimension"), _("Share (%)")))
    for c in d[1]:
        c.font = bold
    for lv in ctx["levels"]:
        for name, pct in lv["dims"]:
            d.append((lv["name"], name, pct))
            d.cell(d.max_row, 3).number_format = numbers.PCT_FORMAT
    v = wb.create_sheet(_("Values")[:31])
    v.append((_("Indicator"), _("Value"), _("Source"), _("KPI inputs")))
    for c in v[1]:
        c.font = bold
    for iid, val in r.values.items():
        src = (r.sources or {}).get(iid, {})
        v.append((iid, val if not isinstance(val, bool) else str(val).lower(), src.get("source", ""),
                  ", ".join(f"{k}={x}" for k, x in (src.get("inputs") or {}).items())))
    numbers.excel_formats(wb, default=numbers.QUANTITY_FORMAT)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
