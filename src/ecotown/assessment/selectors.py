"""Reads of the assessment capability, always filtered by who is asking."""
from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from ecotown import access
from ecotown.core import cache
from ecotown.calc import kpi as calc_kpi
from ecotown.core.i18n import ui_lang as _lang
from ecotown.registry.models import Organisation

from .models import Assessment, AssessmentResult, FrameworkVersion

# threshold status → (short label, long label, css class); shown wherever a threshold is shown
THRESHOLD_STATUSES = {
    "official": (gettext_lazy("official"), gettext_lazy("Official threshold"), "text-bg-success"),
    "secondary_verify": (gettext_lazy("secondary — verify"), gettext_lazy("From a secondary source: verify before relying on it"),
                         "text-bg-warning"),
    "illustrative": (gettext_lazy("illustrative"), gettext_lazy("Illustrative default — not an official threshold"), "text-bg-danger"),
}
ASSESSABLE_KINDS = ("estate", "port", "factory", "school")


def published_versions():
    return FrameworkVersion.objects.filter(status=FrameworkVersion.PUBLISHED).select_related("framework").order_by(
        "framework__code", "-published_at", "-id")


def versions_for(user):
    return access.visible(user, FrameworkVersion.objects.select_related("framework").order_by(
        "framework__code", "-created_at", "-id"))


def version_or_404(user, pk: int) -> FrameworkVersion:
    v = versions_for(user).filter(pk=pk).first()
    if v is None:
        raise Http404
    return v


def assessable_orgs(user):
    """Organisations the user may start an assessment for."""
    qs = access.visible_orgs(user, Organisation.objects.filter(kind__in=ASSESSABLE_KINDS)).order_by("kind", "name_th")
    # the assessment policy's rule for changing, as one filter (tests/assessment: it agrees with `can`)
    return access.policy_for(Assessment).changeable_orgs(access.principal(user), qs)


def startable_orgs(user):
    """Organisations the user may start an assessment for now: assessable, of a kind some published
    framework applies to (the start form's choices and its picker's suggestions)."""
    kinds = set(published_versions().values_list("applies_to", flat=True))
    return assessable_orgs(user).filter(kind__in=kinds)


def assessments_for(user):
    return access.visible(user, Assessment.objects.select_related("organisation", "framework_version__framework")
                          .prefetch_related("results"))


def status_badge(status: str) -> dict:
    short, long, css = THRESHOLD_STATUSES.get(status, (status, status, "text-bg-secondary"))
    return {"code": status, "short": short, "long": long, "css": css}


def indicator_rows(fw) -> list[dict]:
    lang = _lang()
    rows = []
    for dim, ind in fw.indicators():
        rows.append({
            "dim": dim, "dim_name": dim.name.get(lang), "ind": ind, "name": ind.name.get(lang),
            "thresholds": [(lv.id, ind.threshold(lv.id).written if ind.threshold(lv.id) else None) for lv in fw.levels],
            "status": status_badge(ind.threshold_status), "points": ind.points_written,
            "kpi": calc_kpi.library().get(calc_kpi.resolve(ind.metric)) if ind.metric else None,
        })
    return rows


def level_name(fw, level_id: str | None) -> str:
    if not level_id:
        return ""
    lang = _lang()
    from ecotown.core.numbers import level_label

    for lv in fw.levels:
        if lv.id == level_id:
            return level_label(lv, lang)
    return level_label(level_id, lang)


def answer_rows(a: Assessment, fw, evidence: dict) -> list[dict]:
    lang = _lang()
    rows = []
    for r in indicator_rows(fw):
        ind = r["ind"]
        src = a.sources.get(ind.id, {})
        r.update(value=a.values.get(ind.id), source=src.get("source", ""), src=src,
                 inputs=src.get("inputs") or {}, reason=(src.get("reason") or {}).get(lang, ""),
                 notes=[n.get(lang) or n.get("en", "") for n in src.get("notes") or ()],
                 evidence=evidence.get(ind.id, []), kpi_name=r["kpi"].name.get(lang) if r["kpi"] else "")
        rows.append(r)
    return rows


def result_context(a: Assessment, r: AssessmentResult) -> dict:
    """Everything the result page, PDF and Excel show — all read from the stored result."""
    fw = a.framework_version.parsed()
    lang = _lang()
    res = r.result
    dims = {d.id: d.name.get(lang) for d in fw.dimensions}
    inds = {ind.id: (ind, dim) for dim, ind in fw.indicators()}
    levels = []
    for lv in fw.levels:
        lr = res["levels"][lv.id]
        blockers = []
        for b in lr["blockers"]:
            b = dict(b)
            if b.get("dimension"):
                b["dimension_name"] = dims.get(b["dimension"], b["dimension"])
            if b.get("indicator"):
                b["indicator_name"] = inds[b["indicator"]][0].name.get(lang) if b["indicator"] in inds else b["indicator"]
            if b.get("level"):
                b["level_name"] = level_name(fw, b["level"])
            blockers.append(b)
        levels.append({"id": lv.id, "name": level_name(fw, lv.id), "achieved": lr["achieved"],
                       "total_pct": None if lr["total_share"] is None else lr["total_share"] * 100,
                       "dims": [(dims.get(d, d), s * 100) for d, s in lr["share_by_dimension"].items()],
                       "rule": lv.rule, "blockers": blockers, "failed": lr["failed"], "missing": lr["missing"]})
    gaps = []
    for g in res["gaps"]:
        ind, dim = inds[g["indicator"]]
        gaps.append({**g, "name": ind.name.get(lang), "dimension": dim.name.get(lang), "unit": ind.unit or "",
                     "kind": ind.kind, "status": status_badge(ind.threshold_status),
                     "source": a.sources.get(ind.id, {}).get("source", "") if r.sources is None else
                     r.sources.get(ind.id, {}).get("source", "")})
    # radar: band profile (mean band per dimension, 0–5) for band frameworks; % compliance for
    # single-level ones; otherwise the shares at the next level (or the top level when all reached)
    if res.get("band_profile"):
        radar = {"kind": "bands", "labels": [dims[d] for d in res["band_profile"]],
                 "values": [p["mean"] for p in res["band_profile"].values()], "max": 5}
    else:
        if res.get("compliance"):
            target = fw.levels[0].id
        else:
            ids = [lv.id for lv in fw.levels]
            target = ids[min(ids.index(res["level"]) + 1, len(ids) - 1)] if res["level"] else ids[0]
        shares = res["levels"][target]["share_by_dimension"]
        radar = {"kind": "compliance" if res.get("compliance") else "shares", "level": level_name(fw, target),
                 "labels": [dims.get(d, d) for d in shares], "values": [round(s * 100, 2) for s in shares.values()],
                 "max": 100}
    radar["pairs"] = [(lab, val if val is not None else 0) for lab, val in zip(radar["labels"], radar["values"])]
    illustrative = any(ind.threshold_status == "illustrative" for _, ind in fw.indicators())
    return {"a": a, "r": r, "fw": fw, "res": res, "levels": levels, "gaps": gaps, "radar": radar,
            "level_name": level_name(fw, res["level"]), "illustrative": illustrative,
            "band_profile": [(dims.get(d, d), p) for d, p in (res.get("band_profile") or {}).items()],
            "compliance": res.get("compliance"),
            "compliance_dims": [(dims.get(d, d), v) for d, v in ((res.get("compliance") or {}).get("by_dimension_pct") or {}).items()]}


def overview_rows(user, code: str = "ieat-eit") -> list[dict]:
    """Every estate and port the user may see with its latest current-performance result under the
    framework `code` (any version)."""
    orgs = cache.rows(access.visible_orgs(user, Organisation.objects.filter(kind__in=("estate", "port")))
                      .select_related("province").order_by("name_th"), on=(Organisation,))
    latest: dict[int, AssessmentResult] = {}
    for r in (AssessmentResult.objects.filter(organisation__in=[o.pk for o in orgs], scenario=Assessment.CURRENT,
                                              framework_version__framework__code=code)
              .select_related("framework_version").order_by("year", "computed_at", "id")):
        latest[r.organisation_id] = r
    rows = []
    for o in orgs:
        r = latest.get(o.pk)
        fw = r.framework_version.parsed() if r else None
        rows.append({"org": o, "result": r, "level": r.level if r else "", "year": r.year if r else None,
                     "level_name": level_name(fw, r.level) if r else "",
                     "gaps": len(r.result["gaps"]) if r else None,
                     "url": reverse("assessment:result", args=[r.assessment_id]) if r else ""})
    return rows
