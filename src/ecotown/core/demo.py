"""The demo dataset: real estates and ports (public facts), synthetic factories, schools and people.

Everything synthetic says so in its name. `load(factories=N)` scales to 70,000 factories by
inserting in bulk — still with one change record per object.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import random
import re
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ecotown.accounts.models import Assignment, Membership, User
from ecotown.accounts.roles import Role
from ecotown.core import history
from ecotown.core.models import SiteState
from ecotown.enquiries.models import Enquiry
from ecotown.registry.models import TSIC, EstateDetail, FactoryDetail, Kind, Organisation, Product
from ecotown.registry.reference import province_by_english_name

DATA = Path(__file__).resolve().parent.parent / "data" / "registry"
DEMO_PASSWORD = "demo"
DEMO_ESTATE_NAME = "Laem Chabang Industrial Estate"
DEMO_ENQUIRY_REFERENCE = "EQ-DEMX-2569"  # the demo visitor's enquiry (README tour: "Where is my enquiry?")

# (tsic, Thai industry word, English industry word, products [(th, en, unit)], employees range)
INDUSTRIES = [
    ("2930", "ชิ้นส่วนยานยนต์", "Auto Parts", [("ชิ้นส่วนยานยนต์", "automotive parts", "piece")], (150, 2500)),
    ("2910", "ประกอบรถยนต์", "Vehicle Assembly", [("รถยนต์นั่ง", "passenger cars", "vehicle")], (800, 6000)),
    ("2610", "อิเล็กทรอนิกส์", "Electronics", [("แผงวงจร", "circuit boards", "piece")], (200, 4000)),
    ("2220", "พลาสติก", "Plastics", [("ชิ้นงานพลาสติกฉีด", "injection-moulded parts", "t")], (50, 600)),
    ("2011", "เคมีภัณฑ์", "Chemicals", [("เคมีภัณฑ์ขั้นมูลฐาน", "basic chemicals", "t")], (80, 900)),
    ("2013", "เม็ดพลาสติก", "Polymers", [("เม็ดพลาสติก", "plastic resin", "t")], (100, 800)),
    ("1079", "อาหาร", "Foods", [("อาหารแปรรูป", "processed food", "t")], (100, 1500)),
    ("1104", "เครื่องดื่ม", "Beverages", [("เครื่องดื่ม", "beverages", "m3")], (80, 700)),
    ("2410", "เหล็ก", "Steel", [("เหล็กแผ่นรีดร้อน", "hot-rolled steel", "t")], (150, 1200)),
    ("2592", "ชุบเคลือบโลหะ", "Metal Finishing", [("ชิ้นงานชุบเคลือบ", "coated parts", "m2")], (30, 300)),
    ("2750", "เครื่องใช้ไฟฟ้า", "Appliances", [("เครื่องปรับอากาศ", "air conditioners", "unit")], (300, 3000)),
    ("1701", "กระดาษ", "Paper", [("กระดาษลูกฟูก", "corrugated board", "t")], (60, 500)),
    ("2100", "ยา", "Pharma", [("ยาเม็ด", "tablets", "kg")], (60, 400)),
    ("5210", "คลังสินค้า", "Logistics", [("พื้นที่คลังสินค้า", "warehouse throughput", "t")], (20, 200)),
]

FIXED_FACTORIES = [
    # (username, th, en, diw, industry index)
    ("factory-a", "บริษัท ตัวอย่างชิ้นส่วนยานยนต์ เอ จำกัด (สมมติ)", "Demo Auto Parts A Co., Ltd. (synthetic)", "3-64(1)-9001/69ชบ", 0),
    ("factory-b", "บริษัท ตัวอย่างอิเล็กทรอนิกส์ บี จำกัด (สมมติ)", "Demo Electronics B Co., Ltd. (synthetic)", "3-92-9002/69ชบ", 2),
]

USERS = [
    # username, first, last, role, org key
    ("authority", "ผู้ดูแลระบบ", "ตัวอย่าง (Demo authority admin)", Role.AUTHORITY_ADMIN, "authority"),
    ("officer", "เจ้าหน้าที่", "ตัวอย่าง (Demo officer)", Role.AUTHORITY_OFFICER, "authority"),
    ("auditor", "ผู้ทวนสอบ", "ตัวอย่าง (Demo auditor)", Role.AUDITOR, "auditor_firm"),
    ("estate-manager", "ผู้จัดการนิคม", "ตัวอย่าง (Demo estate manager)", Role.ESTATE_MANAGER, "estate"),
    ("factory-a", "ผู้จัดทำข้อมูล", "โรงงานเอ (Demo preparer A)", Role.FACTORY_PREPARER, "factory-a"),
    ("approver-a", "ผู้อนุมัติ", "โรงงานเอ (Demo approver A)", Role.FACTORY_APPROVER, "factory-a"),
    ("factory-b", "ผู้จัดทำข้อมูล", "โรงงานบี (Demo preparer B)", Role.FACTORY_PREPARER, "factory-b"),
    ("school", "ครูผู้ประสานงาน", "ตัวอย่าง (Demo school coordinator)", Role.SCHOOL_COORDINATOR, "school"),
]


def _slug(name: str) -> str:
    name = re.sub(r"\bIndustrial Estate\b", "", name)
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()
    return name[:36] or "ESTATE"


def _square(lat: float, lon: float, area_rai: float) -> dict:
    """An illustrative square of the published area around the estate's point (not its real boundary)."""
    side_km = math.sqrt(area_rai * 1600 / 1e6)
    dlat = side_km / 2 / 110.57
    dlon = side_km / 2 / (111.32 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat],
            [lon - dlon, lat - dlat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _dec(v: str):
    v = (v or "").strip()
    return Decimal(v) if v else None


def is_empty() -> bool:
    return not Organisation.objects.exists()


@transaction.atomic
def load(factories: int = 400, seed: int = 2569, progress=None) -> dict:
    """Load the demo dataset into an empty database and mark it as a demo."""
    rnd = random.Random(seed)
    say = progress or (lambda msg: None)
    provinces = province_by_english_name()
    authority = history.save(None, Organisation(kind=Kind.AUTHORITY, code="IEAT",
                                                name_th="การนิคมอุตสาหกรรมแห่งประเทศไทย",
                                                name_en="Industrial Estate Authority of Thailand (IEAT)",
                                                province_id="TH-10", lat=13.7468, lon=100.5601))
    firm = history.save(None, Organisation(kind=Kind.AUDITOR_FIRM, parent=authority, code="AUD-DEMO",
                                           name_th="บริษัท ผู้ทวนสอบตัวอย่าง จำกัด (สมมติ)",
                                           name_en="Demo Verification Co., Ltd. (synthetic)", is_public=False,
                                           is_synthetic=True))
    # real estates and ports (public facts)
    estates: list[Organisation] = []
    used_codes: set[str] = set()
    with (DATA / "demo_estates.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = _slug(row["name_en"])
            while code in used_codes:
                code += "-2"
            used_codes.add(code)
            lat = float(row["lat"]) if row["lat"] else None
            lon = float(row["lon"]) if row["lon"] else None
            area = _dec(row["area_rai"])
            eco = row["eco_level"].replace(" (surveillance)", "")
            org = Organisation(kind=Kind.ESTATE, parent=authority, code=code, name_th=row["name_th"],
                               name_en=row["name_en"], province_id=provinces.get(row["province_en"].lower()),
                               lat=lat, lon=lon, eco_level=eco,
                               eco_level_year=int(row["eco_level_year"]) if row["eco_level_year"] else None)
            if lat is not None and area:
                org.boundary = _square(lat, lon, float(area))
                org.boundary_note = "illustrative square of the published area — not the surveyed boundary"
            history.save(None, org)
            detail = EstateDetail(organisation=org, operator_type={"ieat_operated": "ieat", "joint_venture": "joint_venture"}.get(
                row["kind"], "unverified"), developer=row["operator"] if row["operator"] != "IEAT" else "",
                year_opened=int(row["opened"]) if row["opened"] else None, area_total_rai=area,
                source_url=row["source_url"])
            if area:  # land-use split is not public: synthetic shares, said so in `facts`
                shares = [Decimal("0.68"), Decimal("0.10"), Decimal("0.12")]
                detail.area_industrial_rai, detail.area_utilities_rai, detail.area_green_rai = (
                    (area * s).quantize(Decimal("0.01")) for s in shares)
                detail.area_sold_rai = (area * Decimal("0.50")).quantize(Decimal("0.01"))
                detail.area_leased_rai = (area * Decimal("0.12")).quantize(Decimal("0.01"))
                detail.area_available_rai = (area * Decimal("0.06")).quantize(Decimal("0.01"))
                detail.facts = "Land-use split is synthetic demo data (68/10/12 % of the published total)."
            history.save(None, detail)
            estates.append(org)
    with (DATA / "demo_ports.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] != "industrial_port":
                continue
            org = history.save(None, Organisation(kind=Kind.PORT, parent=authority, code=_slug(row["name_en"]),
                                                  name_th=row["name_th"], name_en=row["name_en"],
                                                  province_id=provinces.get(row["province_en"].lower()),
                                                  lat=float(row["lat"]), lon=float(row["lon"])))
            history.save(None, EstateDetail(organisation=org, operator_type="ieat", developer=row["operator"],
                                            year_opened=int(row["opened"]) if row["opened"] else None,
                                            facts=row["facts"], source_url=row["source_url"]))
            estates.append(org)
    say(f"{len(estates)} estates and ports")
    demo_estate = next(e for e in estates if e.name_en == DEMO_ESTATE_NAME)

    # fixed factories for the demo users
    tsic_ids = set(TSIC.objects.values_list("code", flat=True))
    fixed = {}
    for key, th, en, diw_number, ind in FIXED_FACTORIES:
        tsic, _, _, products, _ = INDUSTRIES[ind]
        org = Organisation(kind=Kind.FACTORY, parent=demo_estate, name_th=th, name_en=en,
                           province_id=demo_estate.province_id, lat=demo_estate.lat + rnd.uniform(-0.008, 0.008),
                           lon=demo_estate.lon + rnd.uniform(-0.008, 0.008), is_synthetic=True)
        org._search_extra = [diw_number]
        history.save(None, org)
        history.save(None, FactoryDetail(organisation=org, diw_number=diw_number, tsic_id=tsic if tsic in tsic_ids else None,
                                         employees=rnd.randint(300, 1200), in_ghg_network=key == "factory-a"))
        for pth, pen, unit in products:
            history.save(None, Product(organisation=org, name_th=pth, name_en=pen, unit=unit))
        fixed[key] = org

    # synthetic factories in bulk
    n = max(0, factories - len(fixed))
    located = [e for e in estates if e.lat is not None and e.kind == Kind.ESTATE]
    weights = [8.0 if e is demo_estate else 1.0 for e in located]
    orgs, details, prods = [], [], []
    batch = 5000
    created = 0
    for i in range(n):
        estate = rnd.choices(located, weights)[0]
        ind = rnd.randrange(len(INDUSTRIES))
        tsic, word_th, word_en, products, (lo, hi) = INDUSTRIES[ind]
        number = i + 1
        diw_number = f"9{number:013d}"
        org = Organisation(kind=Kind.FACTORY, parent=estate, province_id=estate.province_id,
                           name_th=f"บริษัท ตัวอย่าง{word_th} {number:05d} จำกัด (สมมติ)",
                           name_en=f"Demo {word_en} {number:05d} Co., Ltd. (synthetic)",
                           lat=round(estate.lat + rnd.uniform(-0.012, 0.012), 6),
                           lon=round(estate.lon + rnd.uniform(-0.012, 0.012), 6), is_synthetic=True)
        org._search_extra = [diw_number]
        org.search_text = org.build_search_text()
        orgs.append(org)
        details.append((FactoryDetail(diw_number=diw_number, diw_key="N" + diw_number,
                                      tsic_id=tsic if tsic in tsic_ids else None,
                                      employees=rnd.randint(lo, hi), in_ghg_network=rnd.random() < 0.3), products))
        if len(orgs) >= batch or i == n - 1:
            history.bulk_create(None, orgs, "demo data")
            dets = []
            for org, (det, products) in zip(orgs, details):
                det.organisation = org
                dets.append(det)
                for pth, pen, unit in products:
                    prods.append(Product(organisation=org, name_th=pth, name_en=pen, unit=unit))
            history.bulk_create(None, dets, "demo data")
            history.bulk_create(None, prods, "demo data")
            created += len(orgs)
            orgs, details, prods = [], [], []
            say(f"{created + len(fixed)} factories")

    # schools and communities near certified estates and the demo estate
    school = None
    for e in [demo_estate] + [e for e in estates if e.eco_level and e.lat is not None][:6]:
        for k in range(2):
            s = history.save(None, Organisation(kind=Kind.SCHOOL, parent=e, province_id=e.province_id,
                                                name_th=f"โรงเรียนตัวอย่างใกล้{e.name_th} {k + 1} (สมมติ)",
                                                name_en=f"Demo School {k + 1} near {e.name_en} (synthetic)",
                                                lat=round(e.lat + 0.02 + 0.01 * k, 6), lon=round(e.lon - 0.02, 6),
                                                is_synthetic=True))
            if e is demo_estate and school is None:
                school = s
        history.save(None, Organisation(kind=Kind.COMMUNITY, parent=e, province_id=e.province_id,
                                        name_th=f"ชุมชนตัวอย่างรอบ{e.name_th} (สมมติ)",
                                        name_en=f"Demo Community around {e.name_en} (synthetic)",
                                        lat=round(e.lat - 0.02, 6), lon=round(e.lon + 0.02, 6), is_synthetic=True))

    # demo users
    org_for = {"authority": authority, "auditor_firm": firm, "estate": demo_estate, "school": school, **fixed}
    users = {}
    for username, first, last, role, key in USERS:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
                                        email=f"{username}@demo.ecotown.invalid",
                                        language="th")
        history.save(None, Membership(user=user, organisation=org_for[key], role=role))
        users[username] = user
    today = timezone.localdate()
    history.save(users["authority"], Assignment(auditor=users["auditor"], organisation=fixed["factory-a"],
                                               valid_from=dt.date(today.year, 1, 1), valid_to=dt.date(today.year, 12, 31),
                                               purpose="Demo: verification of the year's GHG inventory"))
    # a couple of enquiries
    from ecotown.enquiries.models import new_reference

    history.save(None, Enquiry(programme="ghg_network", name="คุณตัวอย่าง ใจดี (สมมติ)", email="somchai@demo.ecotown.invalid",
                               subject="สนใจเข้าร่วมเครือข่ายลดก๊าซเรือนกระจก",
                               message="โรงงานของเราอยู่ในนิคมอุตสาหกรรมแหลมฉบัง อยากทราบขั้นตอนการสมัคร",
                               organisation=fixed["factory-b"], submitted_by=users["factory-b"], reference=new_reference()))
    # a visitor's enquiry, answered, with a fixed reference number so the tour can follow it at /enquiry/status/
    history.save(None, Enquiry(programme="eco_school", name="Demo Teacher (synthetic)", email="teacher@demo.ecotown.invalid",
                               subject="How can our school join Eco School?", message="We are a school near Laem Chabang.",
                               reference=DEMO_ENQUIRY_REFERENCE, status=Enquiry.Status.ANSWERED,
                               answer="Thank you — the Eco School guide and the application form follow by e-mail. "
                                      "(synthetic demo answer)"))
    SiteState.objects.update_or_create(key=SiteState.DEMO, defaults={"value": True})
    counts = {"estates_and_ports": len(estates), "factories": created + len(fixed), "users": len(users)}
    # later capabilities add their demo data on top, in dependency order
    ctx = {"rnd": rnd, "authority": authority, "estates": estates, "demo_estate": demo_estate, "fixed": fixed,
           "users": users, "school": school, "say": say}
    from ecotown.assessment import demo as assessment_demo
    from ecotown.carbon import demo as carbon_demo
    from ecotown.reporting import demo as reporting_demo

    for module in (reporting_demo, carbon_demo, assessment_demo):
        counts.update(module.load(ctx) or {})
    counts.update(_work_waiting(ctx))
    from ecotown.core import dbstats

    dbstats.analyze()   # the planner's statistics of what was just loaded (not of an empty database)
    return counts


def _work_waiting(ctx: dict) -> dict:
    """Work that flows to the next person, through the real workflows: the authority's staff are told of
    the new enquiries (and a visitor sends one more); factory-b's is assigned to the officer and answered
    (factory-b is told); the estate
    manager starts a Green Industry assessment of factory-a (its approver is told and has it to answer).
    With what the other demos did (approver-a's corrections submitted, verified, the inventory restated),
    every demo user but the auditor and the school has notifications, and "งานของฉัน / My tasks" is filled."""
    from ecotown.assessment import services as assessment
    from ecotown.core import workflow
    from ecotown.enquiries import services as enquiries
    from ecotown.enquiries.workflows import RECEIVED

    users, fixed = ctx["users"], ctx["fixed"]
    out = {"enquiries_told": 0, "assessments_to_answer": 0}
    for e in Enquiry.objects.filter(status=Enquiry.Status.NEW).order_by("pk"):
        out["enquiries_told"] += workflow.announce(None, e, RECEIVED)
    # a visitor's question nobody has taken on yet (sent through the service: the staff are told)
    enquiries.submit(None, {"programme": "circular", "name": "คุณวิไล ตัวอย่าง (สมมติ)", "email": "wilai@demo.ecotown.invalid",
                            "subject": "ขอข้อมูลการแลกเปลี่ยนของเสียระหว่างโรงงานในนิคมฯ",
                            "message": "โรงงานของเรามีเศษพลาสติกที่โรงงานอื่นอาจใช้ได้ จะเริ่มต้นอย่างไร (ข้อความตัวอย่าง)"})
    mine = Enquiry.objects.filter(submitted_by=users["factory-b"]).first()
    if mine is not None:
        enquiries.assign(users["authority"], mine, users["officer"])
        enquiries.answer(users["officer"], mine, "ขอบคุณที่สนใจ โรงงานสมัครได้ที่สำนักงานนิคมฯ โดยแนบบัญชีก๊าซเรือนกระจกปีล่าสุด "
                                                 "(ข้อความตัวอย่าง)")
    version = assessment.latest_published("green-industry")
    if version is not None and "factory-a" in fixed:
        assessment.start_assessment(users["estate-manager"], fixed["factory-a"], version, timezone.localdate().year - 1)
        out["assessments_to_answer"] = 1
    ctx["say"](f"work waiting: {out['enquiries_told']} notifications of enquiries, an assessment for approver-a")
    return out
