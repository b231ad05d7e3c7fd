"""Assessment services — the only place that changes frameworks, assessments and results.

Frameworks: `install_shipped`, `upload_framework`, `edit_framework`, `publish`.
Assessments: `start_assessment`, `prefill`, `answer`, `attach_evidence`, `compute_result`.
Reads used by other code: `values_document` (the values YAML `ecotown assess` takes),
`held_history`.
"""
from __future__ import annotations

import copy
from typing import Any

import yaml
from django.db import transaction

from ecotown.accounts.policies import AccountsAction
from ecotown import access
from ecotown.access import Action
from ecotown.calc import kpi as calc_kpi
from ecotown.calc.errors import InputError
from ecotown.calc.framework import framework_to_dict, load_framework_text, shipped_frameworks
from ecotown.calc.scoring import assess, validate_values
from ecotown.core import editions, history, workflow
from ecotown.core import services as core_services
from ecotown.core.errors import Problems, calc_error, from_calc

from . import kpis, workflows
from .errors import AssessmentError
from .models import Assessment, AssessmentEvidence, AssessmentResult, Framework, FrameworkVersion

ENGINE = "ecotown.calc.scoring/1"


# ---------------------------------------------------------------------------------------------
# Frameworks
# ---------------------------------------------------------------------------------------------


def _require_admin(actor) -> None:
    if not access.can(actor, AccountsAction.ADMIN_REFERENCE):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


def _parse(text: str, file: str):
    try:
        return load_framework_text(text, file=file)
    except InputError as exc:
        raise from_calc("yaml", exc) from None


def _framework_row(actor, fw) -> Framework:
    row = Framework.objects.filter(code=fw.id).first()
    if row is None:
        row = history.save(actor, Framework(code=fw.id, name_th=fw.name.th, name_en=fw.name.en,
                                            applies_to=fw.applies_to), note="framework added")
    return row


@transaction.atomic
def _store_version(actor, text: str, fw, *, status: str, source: str, based_on=None) -> FrameworkVersion:
    row = _framework_row(actor, fw)
    existing = FrameworkVersion.objects.filter(framework=row, version=fw.version).first()
    if existing is not None:
        if existing.is_published:
            raise AssessmentError.VERSION_PUBLISHED_FIXED.invalid("yaml", version=fw.version, framework=fw.id)
        existing.yaml_text = text
        existing.content_hash = fw.content_hash
        existing.applies_to = fw.applies_to
        existing.name_th, existing.name_en = fw.name.th, fw.name.en
        existing.source = source
        return history.save(actor, existing, note="draft replaced")
    v = FrameworkVersion(framework=row, version=fw.version, yaml_text=text, content_hash=fw.content_hash,
                         status=FrameworkVersion.DRAFT, applies_to=fw.applies_to, name_th=fw.name.th,
                         name_en=fw.name.en, source=source, based_on=based_on,
                         created_by=actor if getattr(actor, "is_authenticated", False) else None)
    history.save(actor, v, note=f"framework version {fw.version} ({source})")
    if status == FrameworkVersion.PUBLISHED:
        v = _publish(actor, v)
    elif actor is not None:  # the other administrators are told of a draft to publish
        workflow.announce(actor, v, workflows.UPLOADED)
    return v


def install_shipped(actor=None) -> list[FrameworkVersion]:
    """Load every shipped framework (src/ecotown/data/frameworks/*.yaml) as a published version,
    unless that version is already there. Returns the versions added."""
    added = []
    for stem, path in shipped_frameworks().items():
        text = path.read_text(encoding="utf-8")
        fw = load_framework_text(text, file=path.name)
        if FrameworkVersion.objects.filter(framework__code=fw.id, version=fw.version).exists():
            continue
        added.append(_store_version(actor, text, fw, status=FrameworkVersion.PUBLISHED, source=f"shipped {path.name}"))
    return added


def upload_framework(actor, text: str, filename: str = "upload.yaml") -> FrameworkVersion:
    """Authority admin: validate an uploaded framework YAML and keep it as a DRAFT version.
    A malformed file raises ValidationError({"yaml": [every problem with its path]}); nothing is
    saved."""
    _require_admin(actor)
    if not isinstance(text, str) or not text.strip():
        raise AssessmentError.FILE_EMPTY.invalid("yaml")
    fw = _parse(text, filename)
    existing = Framework.objects.filter(code=fw.id).first()
    if existing is not None and existing.applies_to != fw.applies_to:
        raise AssessmentError.APPLIES_TO_FIXED.invalid("yaml", framework=fw.id, kind=existing.applies_to)
    return _store_version(actor, text, fw, status=FrameworkVersion.DRAFT, source=f"upload {filename}"[:200])


def edit_framework(actor, version: FrameworkVersion, changes: dict, new_version: str | None = None) -> FrameworkVersion:
    """Authority admin: change names, points, thresholds and threshold statuses of indicators.

    `changes` = {indicator id: {"name_th", "name_en", "points", "threshold_status",
    "thresholds": {level id: "OP NUMBER" | true | false | "" (remove)}}} and optionally
    {"__framework__": {"name_th", "name_en"}}. A published version is never changed: the edit
    becomes a new DRAFT version (`new_version`, default "<version>-edit<N>"). A draft is changed in
    place. The result is validated by ecotown.calc.framework; problems are raised with their paths."""
    _require_admin(actor)
    fw = version.parsed()
    data = copy.deepcopy(framework_to_dict(fw))
    by_id = {}
    for d, dim in enumerate(data["dimensions"]):
        for i, ind in enumerate(dim["indicators"]):
            by_id[ind["id"]] = ind
    problems = Problems()
    for key, ch in (changes or {}).items():
        if key == "__framework__":
            for lang in ("th", "en"):
                if ch.get(f"name_{lang}"):
                    data["name"][lang] = ch[f"name_{lang}"]
            continue
        ind = by_id.get(key)
        if ind is None:
            problems.add("changes", AssessmentError.UNKNOWN_INDICATOR, id=key)
            continue
        for lang in ("th", "en"):
            if ch.get(f"name_{lang}") not in (None, ""):
                ind["name"][lang] = ch[f"name_{lang}"]
        if ch.get("points") not in (None, ""):
            p = ch["points"]
            if isinstance(p, str):
                try:
                    p = float(p) if "." in p else int(p)
                except ValueError:
                    pass
            ind["points"] = p
        if ch.get("threshold_status"):
            ind["threshold_status"] = ch["threshold_status"]
        for lid, tv in (ch.get("thresholds") or {}).items():
            if tv in ("", None):
                ind["thresholds"].pop(lid, None)
                continue
            if ind["kind"] == "checklist" and isinstance(tv, str) and tv.strip().lower() in ("true", "false"):
                tv = tv.strip().lower() == "true"
            elif ind["kind"] == "band" and isinstance(tv, str) and tv.strip().isdigit():
                tv = int(tv.strip())
            ind["thresholds"][lid] = tv
    problems.raise_if_any()
    target = version
    if version.is_published:
        base = new_version or _next_version(version)
        data["version"] = base
    elif new_version:
        data["version"] = new_version
    text = (f"# {data['name']['en']} / {data['name']['th']}\n"
            f"# edited in EcoTown from version {version.version} ({version.content_hash})\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))
    new_fw = _parse(text, f"{fw.id}.yaml")
    if target.is_published:
        return _store_version(actor, text, new_fw, status=FrameworkVersion.DRAFT,
                              source=f"edit of {version.version}", based_on=version)
    if new_fw.version != version.version and FrameworkVersion.objects.filter(
            framework=version.framework, version=new_fw.version).exists():
        raise AssessmentError.VERSION_EXISTS.invalid("version")
    version.yaml_text = text
    version.version = new_fw.version
    version.content_hash = new_fw.content_hash
    version.name_th, version.name_en = new_fw.name.th, new_fw.name.en
    version._parsed = None
    return history.save(actor, version, note="draft edited")


def _next_version(version: FrameworkVersion) -> str:
    n = 1
    while FrameworkVersion.objects.filter(framework=version.framework, version=f"{version.version}-edit{n}").exists():
        n += 1
    return f"{version.version}-edit{n}"


def _publish(actor, version: FrameworkVersion) -> FrameworkVersion:
    return workflow.transition(actor, version, "publish")[0]


def publish(actor, version: FrameworkVersion) -> FrameworkVersion:
    """draft → published (authority admin); see assessment/workflows.py."""
    _require_admin(actor)
    with transaction.atomic():
        if not version.is_published:
            version.parsed()  # re-validate
        return _publish(actor, version)


def export_yaml(version: FrameworkVersion) -> str:
    """The version's YAML as stored (comments and status notes kept)."""
    return version.yaml_text


def latest_published(code: str) -> FrameworkVersion | None:
    return (FrameworkVersion.objects.filter(framework__code=code, status=FrameworkVersion.PUBLISHED)
            .select_related("framework").order_by("-published_at", "-id").first())


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


def held_history(org, framework, year: int, scenario: str = Assessment.CURRENT) -> dict[str, list[int]]:
    """{level id: [years]} the organisation held under this framework (any version), from stored
    results of current performance in earlier years (latest result per year), plus the Eco level
    recorded in the registry (`Organisation.eco_level` / `eco_level_year`)."""
    level_ids = [lv.id for lv in framework.levels]
    hist: dict[str, set[int]] = {}
    rows = (AssessmentResult.objects.filter(organisation=org, framework_version__framework__code=framework.id,
                                            scenario=Assessment.CURRENT, year__lt=year)
            .order_by("year", "computed_at", "id").values_list("year", "level"))
    by_year: dict[int, str] = {}
    for y, level in rows:
        by_year[y] = level  # the latest result of that year wins
    for y, level in by_year.items():
        if level in level_ids:
            hist.setdefault(level, set()).add(y)
    if org.eco_level and org.eco_level_year and org.eco_level_year < year:
        lid = org.eco_level.strip().lower().replace(" ", "-")
        if lid in level_ids and org.eco_level_year not in by_year:
            hist.setdefault(lid, set()).add(org.eco_level_year)
    return {lid: sorted(ys) for lid, ys in hist.items()}


@transaction.atomic
def start_assessment(actor, org, version: FrameworkVersion, year: int, scenario: str = Assessment.CURRENT,
                     *, prefill_kpis: bool = True) -> Assessment:
    """Start (or return the existing) assessment of `org` against `version` for `year`."""
    access.require(actor, Action.VIEW, org)
    errors = Problems()
    if version.applies_to != org.kind:  # (one problem per field: the kind wins over "not published")
        errors.add("framework_version", AssessmentError.WRONG_ORGANISATION_KIND, kind=version.applies_to,
                   org_kind=org.kind)
    elif not version.is_published:
        errors.add("framework_version", AssessmentError.VERSION_NOT_PUBLISHED)
    if scenario not in (Assessment.CURRENT, Assessment.INTENDED):
        errors.add("scenario", AssessmentError.SCENARIO_INVALID)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.add("year", AssessmentError.YEAR_OUT_OF_RANGE)
    probe = Assessment(organisation=org, framework_version=version, year=year if isinstance(year, int) else 0,
                       scenario=scenario)
    if not access.can(actor, Action.CHANGE, probe):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    errors.raise_if_any()
    existing = Assessment.objects.filter(organisation=org, framework_version=version, year=year,
                                         scenario=scenario).first()
    if existing is not None:
        return existing
    a = Assessment(organisation=org, framework_version=version, year=year, scenario=scenario,
                   created_by=actor if getattr(actor, "is_authenticated", False) else None,
                   history=held_history(org, version.parsed(), year, scenario))
    history.save(actor, a, note="assessment started")
    if prefill_kpis:
        prefill(actor, a)
    workflow.announce(actor, a, workflows.STARTED)  # whoever answers it is told
    return a


def prefill(actor, assessment: Assessment) -> dict[str, calc_kpi.KpiValue]:
    """Fill every metric indicator bound to a KPI from the KPI library (value + inputs). An
    indicator answered by hand keeps its answer; a KPI without data leaves the indicator for a
    manual answer."""
    access.require(actor, Action.CHANGE, assessment)
    fw = assessment.framework_version.parsed()
    bound = {ind.id: ind.metric for _, ind in fw.indicators() if ind.metric and ind.kind == "metric"}
    computed = kpis.compute_many(set(bound.values()), assessment.organisation, assessment.year)
    values, sources = dict(assessment.values), dict(assessment.sources)
    for iid, metric in bound.items():
        kv = computed.get(metric)
        if sources.get(iid, {}).get("source") == "manual":
            continue
        if kv is not None and kv.has_value:
            values[iid] = kv.value_out()
            sources[iid] = {"source": "kpi", "kpi": metric, **kv.to_json_dict()}
        else:
            values.pop(iid, None)
            sources[iid] = {"source": "manual-needed", "kpi": metric,
                            **(kv.to_json_dict() if kv is not None else {"reason": {
                                "en": "KPI not in the library", "th": "ไม่มีตัวชี้วัดนี้ในคลัง KPI"}})}
    assessment.values, assessment.sources = values, sources
    history.save(actor, assessment, note="pre-filled from the KPI library")
    return computed


def _coerce(kind: str, raw: Any):
    """A form/API answer → the value type the framework expects (None = no answer)."""
    if raw is None or raw == "":
        return None
    if kind == "checklist":
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s in ("true", "yes", "1", "on"):
            return True
        if s in ("false", "no", "0", "off"):
            return False
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    s = str(raw).strip().replace(",", "")
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return raw


@transaction.atomic
def answer(actor, assessment: Assessment, answers: dict[str, Any], note: str = "") -> Assessment:
    """Record manual answers {indicator id: value or None}. Each value is checked against the
    framework (kind, 0–5 bands, true/false); every problem is raised at once, nothing saved."""
    access.require(actor, Action.CHANGE, assessment)
    fw = assessment.framework_version.parsed()
    kinds = {ind.id: ind.kind for _, ind in fw.indicators()}
    errors = Problems()
    coerced = {}
    for iid, raw in answers.items():
        if iid not in kinds:
            errors.add(iid, AssessmentError.UNKNOWN_INDICATOR, id=iid)
            continue
        coerced[iid] = _coerce(kinds[iid], raw)
    try:
        validate_values(fw, {k: v for k, v in coerced.items() if v is not None})
    except InputError as exc:
        for p in exc.problems:
            errors.extend(calc_error(p, where=False), field=getattr(p, "path", "") or "values")
    errors.raise_if_any()
    values, sources = dict(assessment.values), dict(assessment.sources)
    for iid, v in coerced.items():
        if v is None:
            values.pop(iid, None)
            old = sources.get(iid, {})
            if old.get("source") == "manual":
                sources.pop(iid, None)
            continue
        values[iid] = v
        prev = sources.get(iid, {})
        entry = {"source": "manual"}
        if prev.get("kpi"):
            entry["kpi"] = prev["kpi"]
        if note:
            entry["note"] = note[:500]
        sources[iid] = entry
    assessment.values, assessment.sources = values, sources
    return history.save(actor, assessment, note="answers")


@transaction.atomic
def attach_evidence(actor, assessment: Assessment, indicator: str, name: str, data: bytes, note: str = "") -> AssessmentEvidence:
    from ecotown.core.services import store_file

    access.require(actor, Action.CHANGE, assessment)
    fw = assessment.framework_version.parsed()
    if indicator not in {ind.id for _, ind in fw.indicators()}:
        raise AssessmentError.UNKNOWN_INDICATOR.invalid("indicator", id=indicator)
    f = store_file(actor, assessment.organisation, name, data)
    return history.save(actor, AssessmentEvidence(assessment=assessment, organisation=assessment.organisation,
                                                  indicator=indicator, file=f, note=note[:500]))


@transaction.atomic
def set_history(actor, assessment: Assessment, held: dict[str, list[int]], note: str = "") -> Assessment:
    """Record levels held in earlier years that EcoTown has no result for (e.g. awards before the
    platform): {level id: [years]}. Merged with the stored results when the assessment is scored."""
    access.require(actor, Action.CHANGE, assessment)
    fw = assessment.framework_version.parsed()
    try:
        vals = validate_values(fw, {}, history=held)
    except InputError as exc:
        raise from_calc("history", exc) from None
    assessment.history = {k: list(v) for k, v in vals.history.items()}
    assessment.sources = {**assessment.sources, "__history__": {"source": "manual", "note": note[:500]}}
    return history.save(actor, assessment, note="held levels entered by hand")


def values_document(assessment: Assessment) -> dict:
    """The values file `ecotown assess --values` takes: {indicator: value, history: {...}}."""
    doc = dict(assessment.values)
    doc["history"] = {k: list(v) for k, v in (assessment.history or {}).items()}
    return doc


def values_yaml(assessment: Assessment) -> str:
    return yaml.safe_dump(values_document(assessment), allow_unicode=True, sort_keys=False)


@transaction.atomic
def compute_result(actor, assessment: Assessment, *, refresh_history: bool = True) -> AssessmentResult:
    """Score the assessment with ecotown.calc.scoring and store the result with provenance.
    Marks the assessment completed."""
    access.require(actor, Action.CHANGE, assessment)
    version = assessment.framework_version
    fw = version.parsed()
    if refresh_history:
        merged = {k: set(v) for k, v in held_history(assessment.organisation, fw, assessment.year).items()}
        if assessment.sources.get("__history__", {}).get("source") == "manual":
            for k, ys in (assessment.history or {}).items():
                merged.setdefault(k, set()).update(ys)
        assessment.history = {k: sorted(v) for k, v in merged.items() if k in {lv.id for lv in fw.levels}}
    try:
        vals = validate_values(fw, dict(assessment.values), history=assessment.history)
    except InputError as exc:
        raise from_calc("values", exc) from None
    res = assess(fw, vals, assessment.year)
    workflow.transition(actor, assessment, "complete")
    row = AssessmentResult(
        assessment=assessment, organisation=assessment.organisation, framework_version=version,
        year=assessment.year, scenario=assessment.scenario, level=res.level or "", result=res.to_json_dict(),
        values=dict(assessment.values), history=dict(assessment.history), sources=dict(assessment.sources),
        framework_hash=version.content_hash, engine=f"{ENGINE}; kpi library {calc_kpi.library_edition()}",
        computed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reference_editions=core_services.reference_provenance(editions.ASSESSMENT))
    return history.save(actor, row, note=f"level {res.level or '—'}")


def reassess(actor, assessment: Assessment, version: FrameworkVersion) -> Assessment:
    """Authority (or the organisation): assess the same answers against another published
    version of the same framework — a new assessment keeping the answers whose indicators exist."""
    if version.framework_id != assessment.framework_version.framework_id:
        raise AssessmentError.OTHER_FRAMEWORK.invalid("framework_version")
    new = start_assessment(actor, assessment.organisation, version, assessment.year, assessment.scenario)
    ids = {ind.id for _, ind in version.parsed().indicators()}
    manual = {k: v for k, v in assessment.values.items()
              if k in ids and assessment.sources.get(k, {}).get("source") == "manual"}
    if manual:
        answer(actor, new, manual, note=f"copied from assessment {assessment.pk}")
    compute_result(actor, new)
    return new
