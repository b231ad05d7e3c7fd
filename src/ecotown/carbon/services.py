"""Carbon services: the only code that changes carbon state.

- factor library: `sync_builtin_library`, `upload_factor_set`, `retire_factor_set`;
- inventories: `compute_inventory` (engine run with lines and provenance), `set_options`,
  `finalise`; `on_records_changed` is registered with ecotown.core.recompute and enqueues
  `recompute_task` for only the affected organisations and years;
- results kept incrementally: `refresh_months` (one organisation's months, its year, its estate's
  months and year), `recompute_estate_full` (the same numbers from scratch);
- `declare_energy_sale` (energy sold inside an estate in a year, reconciled with purchases: the
  operator's resale moves to its Scope 3 cat. 3; a member's own power sold to members is counted once).
"""
from __future__ import annotations

import hashlib
import os
import tempfile

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotown import access
from ecotown.access import Action
from ecotown.calc import ghg
from ecotown.calc.errors import InputError
from ecotown.core import editions, history, workflow
from ecotown.core import services as core_services
from ecotown.core.errors import CoreError, Problems, from_calc
from ecotown.core.i18n import ui_lang as _lang

from . import inputs, library
from . import uncertainty as uncertainty_
from .errors import CarbonError
from .models import (EstateEnergySale, EstateResult, Factor, FactorSet, FactorStatus, Inventory, InventoryLine,
                     MonthResult)

PLACES = 6  # stored results are rounded to the gram (1e-6 t)
MEMBER_KINDS = {"factory", "waste_processor", "school", "community"}
ESTATE_KINDS = {"estate", "port"}


def _problems(exc: InputError, limit: int = 50) -> list[str]:
    lang = _lang()
    msgs = [p.format(lang) for p in exc.problems[:limit]]
    if len(exc.problems) > limit:
        msgs.append(_("… and %(n)s more problems") % {"n": len(exc.problems) - limit})
    return msgs


# --------------------------------------------------------------------------------------------
# Factor library
# --------------------------------------------------------------------------------------------
_NUMBERS = ("activity", "gas", "value", "unit", "scope", "basis")  # what a factor id names: never changes
# what is said about a factor (a change makes a new built-in edition of its set; the row itself is never edited)
_ABOUT = ("heating_basis", "gwp_set", "source", "edition", "status", "valid_from", "valid_to", "grace_until")


def _content(f, url: str) -> tuple:
    """A factor row's content, from an engine Factor or a stored Factor (dates as stored)."""
    vf, vt = f.valid_from, f.valid_to
    if isinstance(f, ghg.Factor):
        vf = None if vf == ghg._MIN_DATE else vf
        vt = None if vt == ghg._MAX_DATE else vt
        source, edition = f.source[:300], f.edition[:200]
    else:
        source, edition = f.source, f.edition
    return (*(getattr(f, k) for k in _NUMBERS), f.heating_basis, f.gwp_set, source, edition, f.status, vf, vt,
            f.grace_until, url)


@transaction.atomic
def sync_builtin_library(actor=None) -> list[FactorSet]:
    """Load data/ghg/factors.csv into FactorSet/Factor rows (idempotent); rows are never edited.

    - A factor id already loaded whose numbers (activity, gas, value, unit, scope, basis) differ
      is refused: a new value is a new row with a new id (and its own validity dates).
    - When only what is said ABOUT rows changed (status, gwp_set, heating basis, validity, source,
      edition, url) or rows were added or dropped, the file is a new built-in edition: every active
      built-in set (name, edition) whose rows are not exactly the file's is retired
      (is_active=False; inventories keep the rows they used) and the file's rows of that set are
      loaded as a new set. A row whose id is already taken by the retired edition is stored as
      `<id>@<first 8 hex digits of the file's SHA-256>`. Sets whose rows are unchanged stay.
    Returns the sets created (or, for a file already loaded, the sets of that file)."""
    sha = library.builtin_sha256()
    existing = list(FactorSet.objects.filter(kind=FactorSet.Kind.BUILTIN, sha256=sha))
    if existing:
        return existing
    facs = ghg.load_factors(library.BUILTIN_FILE)
    extra = library.builtin_extra_columns()
    stored = list(Factor.objects.filter(factor_set__kind=FactorSet.Kind.BUILTIN).select_related("factor_set"))
    by_base: dict[str, list[Factor]] = {}
    for old in stored:
        by_base.setdefault(old.factor_id.split("@")[0], []).append(old)
    groups: dict[tuple[str, str], list] = {}
    for f in facs:
        for old in by_base.get(f.factor_id, []):
            if tuple(getattr(old, k) for k in _NUMBERS) != tuple(getattr(f, k) for k in _NUMBERS):
                raise CarbonError.FACTOR_CHANGED.invalid("factors", id=f.factor_id)
        row = extra.get(f.line, {})
        groups.setdefault((row.get("set") or f.source, f.edition[:200]), []).append((f, row))
    active: dict[tuple[str, str], list[FactorSet]] = {}
    for fs in FactorSet.objects.filter(kind=FactorSet.Kind.BUILTIN, is_active=True).exclude(name="factors.csv"):
        active.setdefault((fs.name, fs.edition), []).append(fs)
    rows_of: dict[int, dict[str, tuple]] = {}
    for old in stored:
        rows_of.setdefault(old.factor_set_id, {})[old.factor_id.split("@")[0]] = _content(old, old.url)
    keep: set[int] = set()
    for key, rows in groups.items():
        want = {f.factor_id: _content(f, r.get("url", "")) for f, r in rows}
        for fs in active.get(key, []):
            if rows_of.get(fs.pk) == want:
                keep.add(fs.pk)
    kept_keys = {key for key, sets in active.items() for fs in sets if fs.pk in keep}
    taken = {old.factor_id for old in stored}
    created = []
    for (set_name, edition), rows in groups.items():
        if (set_name, edition) in kept_keys:
            continue
        statuses = {f.status for f, _r in rows}
        status = next(s for s in ("illustrative", "secondary_verify", "official") if s in statuses or s == "official")
        fs = history.save(actor, FactorSet(kind=FactorSet.Kind.BUILTIN, name=set_name, source=rows[0][0].source[:300],
                                           edition=edition[:200], url=rows[0][1].get("url", ""), status=status,
                                           sha256=sha, file_name="factors.csv"), "built-in factor library")
        new_rows = []
        for f, r in rows:
            row = _factor_row(fs, f, r.get("url", ""))
            if row.factor_id in taken:
                row.factor_id = f"{f.factor_id}@{sha[:8]}"[:80]
            new_rows.append(row)
        history.bulk_create(actor, new_rows, "built-in factor library")
        created.append(fs)
    for sets in active.values():
        for fs in sets:
            if fs.pk not in keep:
                fs.is_active = False
                history.save(actor, fs, f"superseded by the built-in library file {sha[:8]}")
    if not created:  # same factors, new file bytes (e.g. a column reordered): remember the file
        history.save(actor, FactorSet(kind=FactorSet.Kind.BUILTIN, name="factors.csv", source="EcoTown",
                                      edition=sha[:12], status=FactorStatus.OFFICIAL, sha256=sha, is_active=False,
                                      file_name="factors.csv"), "built-in factor library unchanged")
    library.clear_caches()
    return created


def _factor_row(fs: FactorSet, f: ghg.Factor, url: str = "") -> Factor:
    return Factor(factor_set=fs, factor_id=f.factor_id[:80], line=f.line, activity=f.activity, gas=f.gas,
                  value=f.value, unit=f.unit, scope=f.scope, basis=f.basis, heating_basis=f.heating_basis,
                  source=f.source[:300], edition=f.edition[:200], url=url,
                  valid_from=None if f.valid_from == ghg._MIN_DATE else f.valid_from,
                  valid_to=None if f.valid_to == ghg._MAX_DATE else f.valid_to,
                  grace_until=f.grace_until, status=f.status, gwp_set=f.gwp_set)


def ensure_library() -> None:
    if not FactorSet.objects.filter(kind=FactorSet.Kind.BUILTIN).exists():
        sync_builtin_library(None)


@transaction.atomic
def upload_factor_set(actor, *, data: bytes, file_name: str, name: str, source: str, edition: str, url: str = "",
                      status: str = FactorStatus.USER, organisation=None) -> FactorSet:
    """A factor set uploaded as CSV (contract columns: activity, gas, value, unit, scope, source;
    optional basis, heating_basis, valid_from, valid_to, status). Without `organisation` it joins the
    library for everyone (authority staff only) and may not overlap active factors; with it, it is
    that organisation's supplier-specific set and replaces the library rows of the same (activity,
    gas, scope, basis) only; it may not carry a location-based Scope 2 row where the library has one."""
    if organisation is None:
        if not access.can(actor, Action.CHANGE, FactorSet(organisation=None)):
            raise PermissionDenied
    else:
        access.require(actor, Action.CHANGE, organisation)
    errors = Problems()
    for field, value in (("name", name), ("source", source), ("edition", edition)):
        if not (value or "").strip():
            errors.add(field, CoreError.REQUIRED)
    if status not in FactorStatus.values:
        errors.add("status", CarbonError.STATUS_INVALID)
    if not data:
        errors.add("file", CarbonError.FILE_EMPTY)
    errors.raise_if_any()
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as tmp:
        tmp.write(data)
    try:
        facs = ghg.load_factors(tmp.name)
    except InputError as exc:
        raise from_calc("file", exc, limit=50, rewrite=lambda m, tmp=tmp.name: m.replace(tmp, file_name)) from None
    finally:
        os.unlink(tmp.name)
    if not facs:
        raise CarbonError.NO_FACTOR_ROWS.invalid("file")
    catalogue = ghg.activity_catalogue()
    unknown = sorted({f.activity for f in facs if f.activity not in catalogue})
    if unknown:
        raise CarbonError.UNKNOWN_ACTIVITIES.invalid("file", codes=", ".join(unknown))
    if organisation is None:
        clashes = Problems()
        live = Factor.objects.filter(factor_set__is_active=True, factor_set__organisation__isnull=True,
                                     activity__in={f.activity for f in facs})
        for f in facs:
            for g in live:
                if (g.activity, g.gas, g.scope, g.basis) != (f.activity, f.gas, f.scope, f.basis):
                    continue
                g_from, g_to = g.valid_from or ghg._MIN_DATE, g.valid_to or ghg._MAX_DATE
                if f.valid_from <= g_to and g_from <= f.valid_to:
                    if len(clashes.errors.get("file", ())) < 50:
                        clashes.add("file", CarbonError.OVERLAPS_LIBRARY, line=f.line, id=g.factor_id,
                                    activity=g.activity, gas=g.gas)
        clashes.raise_if_any()
    else:
        _refuse_own_location_scope2(facs)
    kind = FactorSet.Kind.SUPPLIER if organisation is not None else FactorSet.Kind.AUTHORITY
    fs = history.save(actor, FactorSet(kind=kind, name=name.strip(), source=source.strip(), edition=edition.strip(),
                                       url=url.strip(), status=status, organisation=organisation,
                                       sha256=hashlib.sha256(data).hexdigest(), file_name=file_name[:255],
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None))
    rows = []
    for f in facs:
        row = _factor_row(fs, f)
        row.factor_id = f"FS{fs.pk}-{f.factor_id.split(':')[-1] if ':' in f.factor_id else f.factor_id}"[:80]
        if not f.status or f.status == "user":
            row.status = status
        rows.append(row)
    history.bulk_create(actor, rows, f"factor set {fs.pk} uploaded")
    library.clear_caches()
    return fs


def _refuse_own_location_scope2(facs: list) -> None:
    """An organisation's own set may not carry a location-based Scope 2 row for an activity whose
    library has one: location-based Scope 2 is always the grid average (GHG Protocol Scope 2
    Guidance); the supplier's factor is declared with basis `market`."""
    in_library = set(Factor.objects.filter(factor_set__is_active=True, factor_set__organisation__isnull=True,
                                           scope=2, basis="location").values_list("activity", flat=True).distinct())
    errors = Problems()
    for f in facs:
        if int(f.scope) == 2 and f.basis == "location" and f.activity in in_library:
            if len(errors.errors.get("file", ())) < 50:
                errors.add("file", CarbonError.OWN_LOCATION_SCOPE2, line=f.line, activity=f.activity)
    errors.raise_if_any()


@transaction.atomic
def retire_factor_set(actor, factor_set: FactorSet) -> FactorSet:
    """Stop using a set for new computations (its rows stay: inventories that used them keep them)."""
    access.require(actor, Action.CHANGE, factor_set)
    factor_set.is_active = False
    history.save(actor, factor_set, "retired")
    library.clear_caches()
    return factor_set


def purchased(org_id: int, activity: str, year: int, unit: str, records=None) -> float:
    """How much of `activity` the organisation bought in `year`, in `unit`: its counted records of
    that activity, the part of each inside the year (pro rata by days)."""
    from ecotown.calc import units

    start, end = inputs.year_bounds(year)
    recs = inputs.used_records([org_id], start, end) if records is None else records
    total = 0.0
    for r in recs:
        if r[1] != org_id or r[2] != activity:
            continue
        _s, _e, q = inputs.clip_to(r[5], r[6], float(r[3]), start, end)
        total += q * units.factor(r[4], unit)
    return total


def _sales_of(seller_id: int, year: int) -> list[tuple]:
    """The seller's declarations of the year: [(id, activity, quantity, unit, is_resale)]."""
    return [(s.pk, s.activity, float(s.quantity), s.unit, s.is_resale)
            for s in EstateEnergySale.objects.filter(seller_id=seller_id, year=year).order_by("activity")]


def _resale_shares(org_id: int, year: int, records, sales) -> dict[str, float]:
    """activity -> the share of the operator's purchases of the year it resold (at most 1)."""
    out = {}
    for _pk, activity, q, unit, is_resale in sales:
        if not is_resale:
            continue
        bought = purchased(org_id, activity, year, unit, records)
        out[activity] = min(1.0, q / bought) if bought > 0 else 0.0
    return out


@transaction.atomic
def declare_energy_sale(actor, estate, *, year: int, activity: str, quantity, unit: str, seller=None,
                        note: str = "") -> EstateEnergySale | None:
    """Declare (or replace; quantity 0 withdraws) the energy sold inside `estate` in `year`.

    `seller` is the estate operator (the default: energy it bought and resold to its members, at
    most what it bought that year) or a member of the estate generating its own power (a small power
    producer: at most what the other members bought). Recomputes the operator's inventory and the
    estate-wide results of the year."""
    from decimal import Decimal, InvalidOperation

    from ecotown.calc import units

    seller = seller or estate
    access.require(actor, Action.CHANGE, seller)
    if estate.kind not in ESTATE_KINDS or estate_of(seller) != estate.pk:
        raise CarbonError.NOT_AN_ESTATE.invalid("seller")
    errors = Problems()
    c = ghg.activity_catalogue().get(activity)
    if c is None or c["scope"] != "2":
        errors.add("activity", CarbonError.NOT_PURCHASED_ENERGY, codes=activity)
    try:
        qty = Decimal(str(quantity))
        if not qty.is_finite() or qty < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        qty = None
        errors.add("quantity", CarbonError.SALE_QUANTITY_INVALID)
    try:
        units.factor(unit, (c or {}).get("default_unit") or unit)
    except Exception:
        errors.add("unit", CarbonError.SALE_UNIT_INVALID, unit=unit, activity=activity)
    errors.raise_if_any()
    year = int(year)
    old = EstateEnergySale.objects.filter(seller=seller, year=year, activity=activity).first()
    if qty == 0:
        if old is not None:
            history.delete(actor, old, "energy sale withdrawn")
    else:
        if seller.pk == estate.pk:
            bought = purchased(estate.pk, activity, year, unit)
            if float(qty) > bought + 1e-9:
                raise CarbonError.RESALE_EXCEEDS_PURCHASES.invalid(
                    "quantity", activity=activity, declared=_qty(qty), purchased=_qty(bought), unit=unit, year=year)
        else:
            from ecotown.registry.models import Organisation

            others = Organisation.objects.filter(parent=estate, kind__in=MEMBER_KINDS).exclude(pk=seller.pk)
            bought = sum(purchased(o, activity, year, unit) for o in others.values_list("pk", flat=True))
            if float(qty) > bought + 1e-9:
                raise CarbonError.MEMBER_SALE_EXCEEDS_PURCHASES.invalid(
                    "quantity", activity=activity, declared=_qty(qty), purchased=_qty(bought), unit=unit, year=year)
        sale = old or EstateEnergySale(estate=estate, seller=seller, year=year, activity=activity)
        sale.quantity, sale.unit, sale.note = qty, unit, (note or "")[:300]
        old = history.save(actor, sale, "energy sale declared")
    if seller.pk == estate.pk and Inventory.objects.filter(organisation=estate, year=year).exists():
        compute_inventory(estate, year, actor=actor, reason=_("energy resale declared"))
    recompute_estate_full(estate, year)
    return None if qty == 0 else old


def _qty(x) -> str:
    return f"{float(x):,.6f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Inventories
# --------------------------------------------------------------------------------------------
def estate_of(org) -> int | None:
    if org.kind in ESTATE_KINDS:
        return org.pk
    if org.kind in MEMBER_KINDS and org.parent_id is not None:
        return org.parent_id
    return None


def _fingerprint(records, factor_ids, gwp, prev) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(repr(r).encode())
    h.update(repr((sorted(factor_ids), gwp, prev, ghg.ENGINE_VERSION)).encode())
    return h.hexdigest()


def _round(x):
    return None if x is None else round(float(x), PLACES)


@transaction.atomic
def compute_inventory(org, year: int, *, actor=None, reason: str = "", restated: bool = False) -> Inventory | None:
    """Compute (or recompute) the inventory of `org` for `year` from its counted records (the verified or
    locked version of each series; corrections awaiting verification: `pending_corrections`).

    Keeps the options chosen (GWP set, previous grid edition); a final inventory whose numbers
    change, or any final inventory when `restated`, becomes restated. No records and no inventory
    yet: returns None. Also refreshes the organisation's and its estate's monthly results.
    """
    ensure_library()
    inv = Inventory.objects.select_for_update().filter(organisation=org, year=year).first()
    start, end = inputs.year_bounds(year)
    recs = inputs.used_records([org.pk], start, end)
    if inv is None and not recs:
        return None
    if inv is None:
        inv = Inventory(organisation=org, year=year)
    factors, sets = library.factors_for(org.pk)
    known = {f.activity for f in factors}
    excluded: dict[str, int] = {}
    excluded_q: dict[tuple[str, str], list] = {}  # (activity, unit) -> [records, quantity in the year]
    for r in recs:
        if r[2] not in known:
            excluded[r[2]] = excluded.get(r[2], 0) + 1
            e = excluded_q.setdefault((r[2], r[4]), [0, 0.0])
            e[0] += 1
            e[1] += inputs.clip_to(r[5], r[6], float(r[3]), start, end)[2]
    all_recs, recs = recs, [r for r in recs if r[2] in known]
    rows = _engine_rows(org, recs, start, end)
    resales = [s for s in _sales_of(org.pk, year) if s[4]] if org.kind in ESTATE_KINDS else []
    fp = _fingerprint([*all_recs, *resales], [f.factor_id for f in factors], inv.gwp_set, inv.previous_edition)
    old_totals = dict(inv.totals or {})
    inv.fingerprint, inv.n_records, inv.computed_at = fp, len(recs), timezone.now()
    inv.engine_version, inv.factor_sets = ghg.ENGINE_VERSION, sets
    inv.reference_editions = core_services.reference_provenance(editions.INVENTORY)
    lines = []
    line_table = None
    if recs:
        try:
            result, line_table = _engine(inv, rows, factors)
        except InputError as exc:
            inv.error = "\n".join(_problems(exc))
            history.save(actor, inv, reason or "recompute failed", validate=False)
            return inv
        inv.error = ""
        inv.totals = {k: _round(v) for k, v in result.totals.items()}
        inv.by_gas = {g: {k: _round(v) for k, v in d.items()} for g, d in result.by_gas.items()}
        inv.memo = {g: {k: _round(v) for k, v in d.items()} for g, d in result.memo.items()}
        inv.factors_used, inv.warnings = result.factors_used, result.warnings
        lines = _lines(inv, org, recs, line_table)
        engine_totals = dict(inv.totals)  # before the resale moves Scope 2 to Scope 3 (pending deltas compare these)
        if resales:
            lines += _resale(inv, org, year, recs, factors, resales)
        by_cat: dict[str, float] = {}
        by_s3: dict[str, float] = {}
        for ln in lines:
            if ln.gas_kind != "kyoto" or ln.basis != "location":
                continue
            by_cat[str(ln.iso_category)] = by_cat.get(str(ln.iso_category), 0.0) + ln.co2e_t
            if ln.scope == 3 and ln.scope3_category:
                by_s3[str(ln.scope3_category)] = by_s3.get(str(ln.scope3_category), 0.0) + ln.co2e_t
        inv.by_category = {k: _round(v) for k, v in sorted(by_cat.items())}
        inv.by_scope3_category = {k: _round(v) for k, v in sorted(by_s3.items())}
    else:
        inv.error = ""
        inv.totals = {"co2e_t": 0.0, "scope1_t": 0.0, "scope2_location_t": 0.0, "scope2_market_t": None,
                      "scope3_t": 0.0, "biogenic_co2_t": 0.0}
        inv.by_gas, inv.memo, inv.factors_used, inv.warnings, inv.by_category, inv.by_scope3_category = {}, {}, [], [], {}, {}
    inv.excluded = [{"activity": a, "records": n, "quantity": _round(q), "unit": u}
                    for (a, u), (n, q) in sorted(excluded_q.items())]
    inv.uncertainty = uncertainty_.for_lines(lines)
    inv.pending_corrections = _pending_corrections(inv, org, recs, line_table, factors, start, end,
                                                   engine_totals if recs else inv.totals)
    for activity, n in sorted(excluded.items()):
        inv.warnings = list(inv.warnings) + [{
            "kind": "no_factor", "activity": activity, "records": n,
            "message_en": f"no emission factor for {activity!r} in the library: {n} records not included (disclosed exclusion)",
            "message_th": f"ไม่มีค่าสัมประสิทธิ์สำหรับ {activity!r} ในคลังข้อมูล: ไม่ได้รวม {n} รายการ (แจ้งการไม่นับรวม)"}]
    if inv.status in (Inventory.Status.FINAL, Inventory.Status.RESTATED) and (restated or inv.totals != old_totals):
        workflow.transition(actor, inv, "restate", reason, note=reason or "recomputed", system=True)
    else:
        history.save(actor, inv, reason or "recomputed", validate=False)
    InventoryLine.objects.filter(inventory=inv).delete()
    for ln in lines:
        ln.inventory = inv
    InventoryLine.objects.bulk_create(lines, batch_size=2000)
    refresh_months(org, year, range(1, 13))
    return inv


def _resale(inv, org, year: int, recs, factors, resales) -> list[InventoryLine]:
    """The estate operator's declared resale (GHG Protocol: energy bought and resold to end users is
    the reseller's Scope 3 category 3). The resold share of each purchase record (declared quantity /
    quantity bought in the year) is computed by the engine like the record itself; its Scope 2 lines
    come back negated (location and market) and its location lines appear again in Scope 3 category 3
    (ISO 14064-1 category 4), each traced to the declaration (`source_kind` "energy_resale"). Adjusts
    the totals; by_gas is unchanged (same gases, other scope). Returns the extra lines."""
    start, end = inputs.year_bounds(year)
    shares = _resale_shares(org.pk, year, recs, resales)
    sale_of = {a: pk for pk, a, _q, _u, _r in resales}
    rows, src = {"org": [], "period_start": [], "period_end": [], "activity": [], "quantity": [], "unit": []}, []
    for r in recs:
        share = shares.get(r[2], 0.0)
        if share <= 0:
            continue
        s, e, q = inputs.clip_to(r[5], r[6], float(r[3]), start, end)
        for k, v in (("org", str(org.pk)), ("period_start", s), ("period_end", e), ("activity", r[2]),
                     ("quantity", q * share), ("unit", r[4])):
            rows[k].append(v)
        src.append(r)
    for pk, activity, q, unit, _r in resales:
        bought = purchased(org.pk, activity, year, unit, recs)
        warn = {"kind": "energy_resale", "activity": activity, "declared": q, "unit": unit, "purchased": bought,
                "share": shares.get(activity, 0.0),
                "message_en": f"{activity}: {_qty(q)} {unit} resold to the estate's members (declared) of "
                              f"{_qty(bought)} {unit} bought: that share of its Scope 2 is reported in Scope 3 category 3",
                "message_th": f"{activity}: จำหน่ายต่อให้หน่วยงานในนิคมฯ {_qty(q)} {unit} (ตามที่แจ้ง) จากที่ซื้อ "
                              f"{_qty(bought)} {unit}: ส่วนนั้นของขอบเขตที่ 2 รายงานในขอบเขตที่ 3 ประเภทที่ 3"}
        if q > bought + 1e-9:
            warn["message_en"] += " (the declaration exceeds the purchases now counted: capped at 100 %)"
            warn["message_th"] += " (ปริมาณที่แจ้งเกินปริมาณที่ซื้อที่นับในปัจจุบัน: จำกัดที่ 100 %)"
        inv.warnings = list(inv.warnings) + [warn]
    if not src:
        return []
    result, line_table = _engine(inv, rows, factors)
    x_loc = result.totals["scope2_location_t"] or 0.0
    x_mkt = result.totals["scope2_market_t"] if result.totals["scope2_market_t"] is not None else x_loc
    t = dict(inv.totals)
    t["scope2_location_t"] = _round(t["scope2_location_t"] - x_loc)
    if t.get("scope2_market_t") is not None:
        t["scope2_market_t"] = _round(t["scope2_market_t"] - x_mkt)
    t["scope3_t"] = _round((t["scope3_t"] or 0.0) + x_loc)
    inv.totals = t
    moved = _lines(inv, org, src, line_table)
    out = []
    for ln, d in zip(moved, line_table.to_pylist()):
        if ln.scope != 2:
            continue
        ln.source_kind, ln.source_id = RESALE, sale_of[ln.activity]
        ln.quantity = rows["quantity"][d["line"] - 2]  # the resold part of the record's quantity in the year
        out.append(InventoryLine(**{**_line_fields(ln), "quantity": -ln.quantity, "mass_t": -ln.mass_t,
                                    "co2e_t": None if ln.co2e_t is None else -ln.co2e_t}))
        if ln.basis == "location":
            out.append(InventoryLine(**{**_line_fields(ln), "scope": 3, "iso_category": 4, "scope3_category": 3}))
    return out


RESALE = inputs.RESALE


def _line_fields(ln: InventoryLine) -> dict:
    return {f.attname: getattr(ln, f.attname) for f in InventoryLine._meta.concrete_fields if f.name != "id"}


def _engine_rows(org, recs, start, end) -> dict[str, list]:
    """The engine's input columns from records (FIELDS order), each clipped to [start, end]."""
    rows = {"org": [], "period_start": [], "period_end": [], "activity": [], "quantity": [], "unit": []}
    for r in recs:
        s, e, q = inputs.clip_to(r[5], r[6], float(r[3]), start, end)
        for k, v in (("org", str(org.pk)), ("period_start", s), ("period_end", e), ("activity", r[2]),
                     ("quantity", q), ("unit", r[4])):
            rows[k].append(v)
    return rows


def _engine(inv, rows: dict[str, list], factors):
    """The engine run of an inventory (its factors and options): (result, lines table)."""
    import pyarrow as pa

    table = pa.table({k: pa.array(v, type=pa.float64() if k == "quantity" else (pa.date32() if k.startswith("period") else pa.string()))
                      for k, v in rows.items()})
    return ghg.calculate_with_lines(table, factors=factors, gwp=inv.gwp_set,
                                    allow_previous_edition=inv.previous_edition, threads=1)


_DELTAS = (("co2e_delta_t", "co2e_t"), ("scope1_delta_t", "scope1_t"), ("scope2_location_delta_t", "scope2_location_t"),
           ("scope3_delta_t", "scope3_t"))


def _co2e_by_record(recs, table) -> dict[int, float]:
    """Record id -> t CO2e (Kyoto gases, location basis: what `co2e_t` sums) from an engine lines table."""
    out: dict[int, float] = {}
    if table is None:
        return out
    for line, kind, basis, co2e in zip(*(table.column(c).to_pylist() for c in ("line", "gas_kind", "basis", "co2e_t"))):
        if kind == "kyoto" and basis == "location" and co2e is not None:
            rid = recs[line - 2][0]
            out[rid] = out.get(rid, 0.0) + co2e
    return out


def _pending_corrections(inv, org, recs, line_table, factors, start, end, now_totals: dict) -> dict:
    """Corrections of counted records not yet verified, and what they would change: (the inventory
    as if every pending correction were verified) − (the inventory now), by the same engine with the
    same factors and options, rounded like the totals. {} when there are none. `recs`: the counted
    records used (with a factor), `line_table` their engine lines (None when there are none)."""
    pairs = inputs.pending_corrections([org.pk], start, end)
    if not pairs:
        return {}
    known = {f.activity for f in factors}
    width = len(inputs.FIELDS)
    replaced = {c[0] for c, _p in pairs}
    added = list({p[0]: p[:width] for _c, p in pairs if p[2] in known and p[5] <= end and p[6] >= start}.values())
    alt = [r for r in recs if r[0] not in replaced] + added
    now_totals = now_totals or {}
    alt_totals, alt_lines = {k: 0.0 for _d, k in _DELTAS}, None
    if alt:
        try:
            result, alt_lines = _engine(inv, _engine_rows(org, alt, start, end), factors)
        except InputError:  # (the rows passed reporting's checks; should the engine refuse them, say so without numbers)
            return {"n": len(pairs), **{d: None for d, _k in _DELTAS}, "records": _pending_records(pairs, None)}
        alt_totals = {k: _round(v) for k, v in result.totals.items()}
    before, after = _co2e_by_record(recs, line_table), _co2e_by_record(alt, alt_lines)
    out = {"n": len(pairs)}
    for d, k in _DELTAS:
        out[d] = _round((alt_totals.get(k) or 0.0) - (now_totals.get(k) or 0.0))
    seen: set = set()

    def delta(c, p):  # (a pending version replacing several counted records: its emissions in its first entry)
        gain = after.get(p[0], 0.0) if p[0] not in seen else 0.0
        seen.add(p[0])
        return _round(gain - before.get(c[0], 0.0))

    out["records"] = _pending_records(pairs, delta)
    return out


def _pending_records(pairs, delta) -> list[dict]:
    """The pending corrections' entries: (counted version, pending version) pairs, with `delta(c, p)`
    their t CO2e change (None when it could not be computed)."""
    return [{"series": str(p[-1]), "counted_id": c[0], "pending_id": p[0], "state": p[8], "activity": p[2],
             "period_start": p[5].isoformat(), "period_end": p[6].isoformat(),
             "co2e_delta_t": delta(c, p) if delta else None} for c, p in pairs]


def _lines(inv, org, recs, table) -> list[InventoryLine]:
    factor_pk = dict(Factor.objects.filter(factor_id__in=set(table.column("factor_id").to_pylist()))
                     .values_list("factor_id", "pk"))
    out = []
    for d in table.to_pylist():
        r = recs[d["line"] - 2]
        iso, s3 = ghg.categories(d["activity"], d["scope"])  # the engine's rule (upstream energy: 4 / cat. 3)
        out.append(InventoryLine(
            organisation=org, source_kind=inputs.ACTIVITIES, source_id=r[0], record_id=r[0], record_version=r[7],
            activity=d["activity"], quantity=float(r[3]),
            unit=d["unit"], period_start=r[5], period_end=r[6], period_share=d["period_share"],
            edition_from=d["edition_from"], edition_to=d["edition_to"], gas=d["gas"], gas_kind=d["gas_kind"],
            scope=d["scope"], basis=d["basis"], iso_category=iso, scope3_category=s3, mass_t=d["mass_t"],
            co2e_t=d["co2e_t"], gwp=d["gwp"], gwp_set=d["gwp_set"], factor_id=factor_pk.get(d["factor_id"]),
            factor_code=d["factor_id"], factor_value=d["factor_value"], factor_unit=d["factor_unit"],
            factor_source=d["factor_source"][:300], factor_edition=(d["factor_edition"] or "")[:200],
            factor_status=d["factor_status"] or "", factor_gwp_set=d["factor_gwp_set"] or "",
            conversion=d["conversion"] or "", data_source=r[9] or ""))
    return out


@transaction.atomic
def set_options(actor, inv: Inventory, *, gwp_set: str | None = None, previous_edition: bool | None = None) -> Inventory:
    """Choose the GWP set (AR4/AR5/AR6) and the TGO transition option, then recompute."""
    access.require(actor, Action.CHANGE, inv)
    if gwp_set is not None:
        if gwp_set not in ghg.GWP_SETS:
            raise CarbonError.GWP_SET_INVALID.invalid("gwp_set")
        inv.gwp_set = gwp_set
    if previous_edition is not None:
        inv.previous_edition = bool(previous_edition)
    history.save(actor, inv, "options", validate=False)
    return compute_inventory(inv.organisation, inv.year, actor=actor, reason=_("options changed"))


def finalise(actor, inv: Inventory) -> Inventory:
    """draft → final (authority staff, the organisation's approver, the estate manager for its own
    inventory): the totals are kept as `final_totals`; see carbon/workflows.py."""
    return workflow.transition(actor, inv, "finalise")[0]


def request_recompute(actor, org, year: int) -> None:
    """A user asks for a recompute (e.g. after a factor set was added): queued like data changes."""
    access.require(actor, Action.CHANGE, org)
    recompute_task.enqueue([org.pk], [int(year)], reason="requested", restated=False)


def recompute_waiting(org_id: int, year: int) -> dict:
    """{queued, running, worker_missing}: whether a recompute of this organisation and year waits in the
    queue (or runs now), and whether no worker will pick it up. Reads the queue's recompute jobs only."""
    from django_tasks_db.models import DBTaskResult

    from ecotown.core import worker

    out = {"queued": False, "running": False, "worker_missing": False}
    if not worker.needs_worker():
        return out
    for status, ak in (DBTaskResult.objects.filter(task_path=recompute_task.module_path, status__in=["READY", "RUNNING"])
                       .order_by("enqueued_at").values_list("status", "args_kwargs")[:500]):
        args, kwargs = (ak or {}).get("args", []), (ak or {}).get("kwargs", {})
        orgs = kwargs.get("org_ids", args[0] if args else [])
        years = kwargs.get("years", args[1] if len(args) > 1 else [])
        if org_id in orgs and int(year) in [int(y) for y in years]:
            out["running" if status == "RUNNING" else "queued"] = True
    out["worker_missing"] = out["queued"] and worker.missing()
    return out


# --------------------------------------------------------------------------------------------
# Hand-over from reporting: recompute only what changed, in the background
# --------------------------------------------------------------------------------------------
def on_records_changed(org_ids, years, *, reason: str = "", restated: bool = False) -> None:
    org_ids, years = list(org_ids), list(years)
    if not org_ids or not years:
        return
    transaction.on_commit(lambda: recompute_task.enqueue(org_ids, years, reason=reason, restated=restated))


@task()
def recompute_task(org_ids: list[int], years: list[int], reason: str = "", restated: bool = False) -> dict:
    from ecotown.registry.models import Organisation

    done = 0
    for org in Organisation.objects.filter(pk__in=org_ids).order_by("pk"):
        for y in years:
            if compute_inventory(org, int(y), reason=reason, restated=restated) is not None:
                done += 1
    return {"inventories": done}


# --------------------------------------------------------------------------------------------
# Monthly / yearly results, organisation and estate-wide (incremental)
# --------------------------------------------------------------------------------------------
_COLS = ("scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t", "biogenic_co2_t", "internal_scope2_t",
         "resold_scope2_t", "co2e_t")


def _options(org_id: int, year: int) -> tuple[str, bool]:
    """(GWP set, previous grid edition) of the monthly results: the roll-up's GWP set (one set per
    published total, `library.rollup_gwp`), the organisation's own choice of grid edition."""
    prev = Inventory.objects.filter(organisation_id=org_id, year=year).values_list("previous_edition", flat=True).first()
    return library.rollup_gwp(), bool(prev)


def month_values(org_id: int, estate_id: int | None, year: int, months, records, *, mult=None, sales=None) -> dict:
    """{month: {column: t}} for one organisation from its records (the incremental path's arithmetic).

    `sales`: the organisation's own declarations of the year (`_sales_of`). The operator's resale
    moves the resold share of its Scope 2 to Scope 3 (`records` must then be the whole year's: the
    share is of the year's purchases); a member's sale to other members gives `internal_scope2_t`,
    the location-based Scope 2 of that electricity over the year, pro rata by days."""
    months = set(months)
    if mult is None:
        mult = library.multipliers_for(org_id, *_options(org_id, year))
    sales = _sales_of(org_id, year) if sales is None else sales
    shares = _resale_shares(org_id, year, records, sales) if org_id == estate_id else {}
    out = {m: dict.fromkeys(_COLS, 0.0) for m in months}
    known = {f.activity for f in mult._run.factors}
    for r in records:
        if r[2] not in known:
            continue  # no factor: excluded (the inventory discloses it)
        share = shares.get(r[2], 0.0)
        for (y, m), b in mult.month_buckets(r[5], r[6], r[2], float(r[3]), r[4]).items():
            if y != year or m not in months:
                continue
            d = out[m]
            d["scope1_t"] += b["s1"]
            d["scope2_location_t"] += b["s2l"] * (1.0 - share)
            d["scope2_market_t"] += b["s2m"] * (1.0 - share)
            d["scope3_t"] += b["s3"] + b["s2l"] * share
            d["resold_scope2_t"] += b["s2l"] * share
            d["biogenic_co2_t"] += b["bio"]
    if org_id != estate_id and estate_id is not None:
        import datetime as dt

        for _pk, activity, q, unit, is_resale in sales:
            if is_resale or activity not in known:
                continue
            by_month = {m: b["s2l"] for (y, m), b in mult.month_buckets(
                dt.date(year, 1, 1), dt.date(year, 12, 31), activity, q, unit).items() if y == year}
            rounded = {m: round(v, PLACES) for m, v in by_month.items()}
            # December takes the rounding remainder: the 12 months add up to the year's value to the gram
            rounded[12] = round(round(sum(by_month.values()), PLACES) - sum(v for m, v in rounded.items() if m != 12),
                                PLACES)
            for m in months & rounded.keys():
                out[m]["internal_scope2_t"] += rounded[m]
    for d in out.values():
        d["co2e_t"] = d["scope1_t"] + d["scope2_location_t"] + d["scope3_t"]
        for k in _COLS:
            d[k] = round(d[k], PLACES)
    return out


def _round_sql(expr: str) -> str:
    """Round to the gram inside SQL (the aggregates are written by INSERT … SELECT, one round trip)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"CAST(ROUND(CAST(COALESCE({expr}, 0) AS numeric), {PLACES}) AS double precision)"
    return f"ROUND(COALESCE({expr}, 0), {PLACES})"


_MONTH_SETS = ", ".join(f"{c} = excluded.{c}" for c in ("estate_id", *_COLS, "updated_at"))
_ESTATE_SETS = ", ".join(f"{c} = excluded.{c}" for c in ("scope1_t", "scope2_imported_t", "scope2_internal_t", "co2e_t",
                                                         "n_organisations", "updated_at"))


def _sql_months(org_id, estate_id, year, values: dict, now) -> tuple[str, list]:
    """INSERT … ON CONFLICT of the organisation's months (derived results: no change records, the
    inputs' history and the inventory's provenance are the audit trail)."""
    rows, params = [], []
    for m, v in sorted(values.items()):
        rows.append("(" + ", ".join(["%s"] * (5 + len(_COLS))) + ")")
        params += [org_id, estate_id, year, m, *(v[c] for c in _COLS), now]
    return (f"INSERT INTO carbon_monthresult (organisation_id, estate_id, year, month, {', '.join(_COLS)}, updated_at) "
            f"VALUES {', '.join(rows)} ON CONFLICT (organisation_id, year, month) DO UPDATE SET {_MONTH_SETS}", params)


def _sql_org_year(org_id, estate_id, year, now) -> tuple[str, list]:
    """The organisation's year (month 0) = Σ of its 12 months, summed by the database."""
    sums = ", ".join(_round_sql(f"SUM({c})") for c in _COLS)
    return (f"INSERT INTO carbon_monthresult (organisation_id, estate_id, year, month, {', '.join(_COLS)}, updated_at) "
            f"SELECT %s, %s, %s, 0, {sums}, %s FROM carbon_monthresult "
            f"WHERE organisation_id = %s AND year = %s AND month >= 1 "
            f"ON CONFLICT (organisation_id, year, month) DO UPDATE SET {_MONTH_SETS}",
            [org_id, estate_id, year, now, org_id, year])


def _sql_estate_months(estate_id: int, year: int, months, now) -> tuple[str, list]:
    """The estate's months from its organisations' months (GROUP BY month). Imported Scope 2 = all
    Scope 2 (location-based; the operator's after its resale, which is in its buyers' Scope 2) minus
    the Scope 2 of power members sold to other members (already in the seller's Scope 1)."""
    months = sorted(set(months))
    s1, s2 = _round_sql("SUM(scope1_t)"), _round_sql("SUM(scope2_location_t) - SUM(internal_scope2_t)")
    s2i = _round_sql("SUM(internal_scope2_t)")
    return ("INSERT INTO carbon_estateresult (estate_id, year, month, scope1_t, scope2_imported_t, scope2_internal_t, "
            "co2e_t, n_organisations, updated_at) "
            f"SELECT %s, %s, month, {s1}, {s2}, {s2i}, {_round_sql(f'{s1} + {s2}')}, COUNT(organisation_id), %s "
            f"FROM carbon_monthresult WHERE estate_id = %s AND year = %s AND month IN ({', '.join(['%s'] * len(months))}) "
            f"GROUP BY month ON CONFLICT (estate_id, year, month) DO UPDATE SET {_ESTATE_SETS}",
            [estate_id, year, now, estate_id, year, *months])


def _sql_estate_year(estate_id: int, year: int, now) -> tuple[str, list]:
    """The estate's year = Σ of its 12 months (n_organisations: organisations with a year result)."""
    s1, s2, s2i = (_round_sql(f"SUM({c})") for c in ("scope1_t", "scope2_imported_t", "scope2_internal_t"))
    return ("INSERT INTO carbon_estateresult (estate_id, year, month, scope1_t, scope2_imported_t, scope2_internal_t, "
            "co2e_t, n_organisations, updated_at) "
            f"SELECT %s, %s, 0, {s1}, {s2}, {s2i}, {_round_sql(f'{s1} + {s2}')}, "
            "(SELECT COUNT(*) FROM carbon_monthresult m WHERE m.estate_id = %s AND m.year = %s AND m.month = 0), %s "
            "FROM carbon_estateresult WHERE estate_id = %s AND year = %s AND month >= 1 "
            f"ON CONFLICT (estate_id, year, month) DO UPDATE SET {_ESTATE_SETS}",
            [estate_id, year, estate_id, year, now, estate_id, year])


def _now():
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(timezone.now())


def _run(statements: list[tuple[str, list]]) -> None:
    """Run the statements in order. PostgreSQL: ONE round trip (Django's psycopg cursor binds
    parameters client-side, so several statements can go in one call); SQLite: in-process calls."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cur.execute("; ".join(sql for sql, _p in statements), [p for _s, ps in statements for p in ps])
        else:
            for sql, params in statements:
                cur.execute(sql, params)


def _write(org_id, estate_id, year, values: dict, *, estate_months=None, estate_year=True) -> None:
    """The organisation's months and year, then (when in an estate) the estate's months and year."""
    now = _now()
    stmts = [_sql_months(org_id, estate_id, year, values, now), _sql_org_year(org_id, estate_id, year, now)]
    if estate_id is not None and estate_months:
        stmts.append(_sql_estate_months(estate_id, year, estate_months, now))
    if estate_id is not None and estate_year:
        stmts.append(_sql_estate_year(estate_id, year, now))
    _run(stmts)


_CONTEXT_SQL = (
    "SELECT 'fs', id, organisation_id, '', '', 0.0 FROM carbon_factorset "
    "WHERE is_active AND (organisation_id IS NULL OR organisation_id = %s) "
    "UNION ALL SELECT 'opt', CASE WHEN previous_edition THEN 1 ELSE 0 END, NULL, gwp_set, '', 0.0 FROM carbon_inventory "
    "WHERE organisation_id = %s AND year = %s "
    "UNION ALL SELECT 'sale', id, CASE WHEN seller_id = estate_id THEN 1 ELSE 0 END, activity, unit, "
    "CAST(quantity AS DOUBLE PRECISION) FROM carbon_estateenergysale WHERE seller_id = %s AND year = %s")


def _context_params(org_id, estate_id, year) -> list:
    return [org_id, org_id, year, org_id, year]


def _from_context(org_id: int, rows):
    glob = tuple(sorted(r[1] for r in rows if r[0] == "fs" and r[2] is None))
    own = tuple(sorted(r[1] for r in rows if r[0] == "fs" and r[2] is not None))
    opt = (library.rollup_gwp(), next((bool(r[1]) for r in rows if r[0] == "opt"), False))
    sales = sorted(((r[1], r[3], float(r[5]), r[4], bool(r[2])) for r in rows if r[0] == "sale"), key=lambda s: s[1])
    return library.multipliers_for(org_id, opt[0], opt[1], key=(glob, own)), sales


def _context(org_id: int, estate_id: int | None, year: int):
    """What the arithmetic needs, in ONE query: the active factor sets that apply to the organisation
    (the multipliers cache key), the inventory's previous-grid-edition option (the GWP set is the
    roll-up's, `library.rollup_gwp`) and the
    energy its estate sells to its members."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(_CONTEXT_SQL, _context_params(org_id, estate_id, year))
        return _from_context(org_id, cur.fetchall())


def _context_and_records_pg(org_id: int, estate_id: int | None, year: int, start, end):
    """PostgreSQL: the context and the month's records in ONE round trip (two statements, read with
    nextset; in autocommit they run as one implicit transaction, i.e. one snapshot)."""
    from django.db import connection

    rec_sql, rec_params = inputs.used_records_query([org_id], start, end).query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"{_CONTEXT_SQL}; {rec_sql}", [*_context_params(org_id, estate_id, year), *rec_params])
        ctx = cur.fetchall()
        cur.nextset()
        recs = cur.fetchall()
    mult, sales = _from_context(org_id, ctx)
    return mult, sales, recs


def refresh_months(org, year: int, months) -> None:
    """Bring one organisation's monthly results for `months` of `year` up to date from its records,
    then its year, its estate's same months and the estate's year — the incremental path, no engine
    start-up (multipliers are cached per library state and GWP set):

    - PostgreSQL: 2 round trips — the reads (context + the month's records) and the 4 upserts, each
      sent as one multi-statement call, which PostgreSQL runs as one implicit transaction (or inside
      the caller's transaction when there is one);
    - SQLite (in-process, no round trips): one transaction with 2 reads and 4 upserts.
    The sums are done by the database (INSERT … SELECT SUM … ON CONFLICT DO UPDATE)."""
    from django.db import connection

    months = sorted(set(months))
    if not months:
        return
    estate_id = estate_of(org)
    if org.pk == estate_id:
        months = list(range(1, 13))  # a resale is a share of the year's purchases: every month moves with it
    s, _e = inputs.month_bounds(year, months[0])
    _s, e = inputs.month_bounds(year, months[-1])
    if connection.vendor == "postgresql":
        mult, sales, recs = _context_and_records_pg(org.pk, estate_id, year, s, e)
        values = month_values(org.pk, estate_id, year, months, recs, mult=mult, sales=sales)
        _write(org.pk, estate_id, year, values, estate_months=months)
        return
    with transaction.atomic():
        mult, sales = _context(org.pk, estate_id, year)
        recs = inputs.used_records([org.pk], s, e)
        values = month_values(org.pk, estate_id, year, months, recs, mult=mult, sales=sales)
        _write(org.pk, estate_id, year, values, estate_months=months)


def recompute_estate_full(estate, year: int) -> None:
    """Every organisation of the estate (the operator included), all months, from scratch."""
    from ecotown.registry.models import Organisation

    orgs = list(Organisation.objects.filter(parent=estate, kind__in=MEMBER_KINDS).values_list("pk", flat=True))
    orgs.append(estate.pk)
    start, end = inputs.year_bounds(year)
    by_org: dict[int, list] = {}
    for r in inputs.used_records(orgs, start, end):
        by_org.setdefault(r[1], []).append(r)
    sales: dict[int, list] = {}
    for pk, seller, activity, q, unit in EstateEnergySale.objects.filter(estate=estate, year=year).order_by(
            "activity").values_list("pk", "seller_id", "activity", "quantity", "unit"):
        sales.setdefault(seller, []).append((pk, activity, float(q), unit, seller == estate.pk))
    with transaction.atomic():
        MonthResult.objects.filter(organisation_id__in=orgs, year=year).delete()
        EstateResult.objects.filter(estate=estate, year=year).delete()
        for org_id in orgs:
            recs = by_org.get(org_id, [])
            if not recs and org_id not in sales:
                continue
            values = month_values(org_id, estate.pk, year, range(1, 13), recs, sales=sales.get(org_id, []))
            _write(org_id, estate.pk, year, values, estate_months=None, estate_year=False)
        now = _now()
        _run([_sql_estate_months(estate.pk, year, range(1, 13), now), _sql_estate_year(estate.pk, year, now)])
