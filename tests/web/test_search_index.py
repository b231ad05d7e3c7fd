"""The substring search of organisations (ecotown.registry.search) served by an index — an FTS5 trigram
table kept by triggers on SQLite, a pg_trgm GIN index on PostgreSQL (migration registry 0006) — finds
exactly what a plain `search_text LIKE '%word%'` for every word finds, after every kind of write."""
from __future__ import annotations

import pytest
from django.db import connection

from ecotown.core import history
from ecotown.registry import search
from ecotown.registry.models import FactoryDetail, Kind, Organisation

NAMES = [  # (Thai, English)
    ("บริษัท ตัวอย่างยานยนต์ จำกัด", "Demo Automotive Co., Ltd."),
    ("บริษัท ยานพาหนะไทย จำกัด", "Thai Vehicle Works"),
    ("โรงงานรีไซเคิล 50% จำกัด", "Fifty% Recycling"),
    ("โรงงานรีไซเคิล 500 จำกัด", "Five Hundred Recycling"),
    ("โรงงาน สาย_ก", "Line_A Works"),
    ("โรงงาน สายxก", "LineXA Works"),
    ("บริษัท อาหารทะเล จำกัด", "Seafood AUTOMATION Plant"),
    ('บริษัท "คำพูด" จำกัด', 'The "Quoted" (AND) OR* NEAR(x) col:umn ^caret Co.'),
]


def _factory(estate, th, en, diw):
    o = history.save(None, Organisation(kind=Kind.FACTORY, parent=estate, name_th=th, name_en=en, lat=13.0, lon=100.9))
    history.save(None, FactoryDetail(organisation=o, diw_number=diw, tsic_id="2930", employees=10))
    return o


@pytest.fixture
def orgs(world):
    return {en: _factory(world.E1, th, en, "3-105-9/45ชบ" if i == 0 else f"1020000077{i:04d}")
            for i, (th, en) in enumerate(NAMES)}


def found(text, qs=None):
    return set(search.containing(Organisation.objects.all() if qs is None else qs, text).values_list("pk", flat=True))


def scanned(text):
    """What the plain substring filter (the search before the index) finds: the reference."""
    words = (text or "").lower().split()
    return {pk for pk, s in Organisation.objects.values_list("pk", "search_text") if all(w in s for w in words)}


def pks(orgs, *names):
    return {orgs[n].pk for n in names}


def test_thai_substrings_in_the_middle_of_a_name(orgs):
    assert found("อย่างยาน") == pks(orgs, "Demo Automotive Co., Ltd.")
    assert found("ยาน") == pks(orgs, "Demo Automotive Co., Ltd.", "Thai Vehicle Works")
    assert found("รีไซเคิล") == pks(orgs, "Fifty% Recycling", "Five Hundred Recycling")
    assert found("ไม่มีชื่อนี้") == set()


def test_english_is_case_insensitive(orgs):
    both = pks(orgs, "Demo Automotive Co., Ltd.", "Seafood AUTOMATION Plant")
    assert found("auto") == found("AUTO") == found("AuToM") == both
    assert found("Automotive") == pks(orgs, "Demo Automotive Co., Ltd.")


def test_every_word_must_match(orgs):
    assert found("auto ยาน") == pks(orgs, "Demo Automotive Co., Ltd.")
    assert found("ยาน works") == pks(orgs, "Thai Vehicle Works")
    assert found("auto ทะเล") == pks(orgs, "Seafood AUTOMATION Plant")
    assert found("auto vehicle") == set()
    assert found("  ") == found("") == set(Organisation.objects.values_list("pk", flat=True))


def test_words_of_one_and_two_characters(orgs, world):
    for text in ("5", "50", "ก", "ยา", "o", "li", "li ก", "xa works", "ยา auto"):
        assert found(text) == scanned(text), text
    assert found("50") == pks(orgs, "Fifty% Recycling", "Five Hundred Recycling")
    assert found("xa ก") == pks(orgs, "LineXA Works")


def test_percent_and_underscore_are_matched_literally(orgs):
    assert found("50%") == pks(orgs, "Fifty% Recycling")         # not "500"
    assert found("fifty%") == pks(orgs, "Fifty% Recycling")
    assert found("%") == pks(orgs, "Fifty% Recycling")
    assert found("%%") == found("0%%") == set()
    assert found("สาย_ก") == pks(orgs, "Line_A Works")            # not "สายxก"
    assert found("line_a") == pks(orgs, "Line_A Works")
    assert found("_a") == pks(orgs, "Line_A Works")
    assert found("e_a") == pks(orgs, "Line_A Works")              # (3 characters, no run of 3 without a wildcard)
    assert found("___") == found("%_%") == set()
    assert found("\\") == set()


def test_quotes_and_the_fts_query_syntax_are_plain_text(orgs):
    quoted = pks(orgs, 'The "Quoted" (AND) OR* NEAR(x) col:umn ^caret Co.')
    for text in ('"quoted"', '"คำพูด"', '"', '""', 'd"', '(and)', "or*", "near(x)", "col:umn", "^caret", "co.",
                 "and", "or", "not", "near", "*", "a*", "(", ")", "-", "+", "'", "x')", "\"x\""):
        assert found(text) == scanned(text), text
    assert found('"quoted" (and) or*') == found('near(x) col:umn ^caret') == quoted
    assert found("not") == set()


def test_a_renamed_organisation_is_found_by_its_new_name_only(orgs):
    o = orgs["Thai Vehicle Works"]
    o.name_th, o.name_en = "บริษัท เรือสำราญ จำกัด", "Cruise Liners"
    history.save(None, o)
    assert found("ยานพาหนะ") == set() and found("vehicle") == set()
    assert found("เรือสำราญ") == found("cruise") == {o.pk}
    assert found("ยาน") == pks(orgs, "Demo Automotive Co., Ltd.")


def test_a_queryset_update_keeps_the_index(orgs):
    o = orgs["Thai Vehicle Works"]
    with history.writing():
        Organisation.objects.filter(pk=o.pk).update(search_text="updated in bulk")
    assert found("vehicle") == set()
    assert found("in bulk") == {o.pk}
    with history.writing():  # an update that leaves the text as it was
        Organisation.objects.filter(pk=o.pk).update(name_en="x")
    assert found("in bulk") == {o.pk}


def test_a_deleted_organisation_is_gone(orgs):
    o = orgs["Line_A Works"]
    history.delete(None, o)
    assert found("line_a") == set()
    assert found("works") == pks(orgs, "Thai Vehicle Works", "LineXA Works")


@pytest.mark.parametrize("fast", [None, False])
def test_organisations_of_bulk_create_are_found(world, fast):
    new = [Organisation(kind=Kind.FACTORY, parent=world.E2, name_th=f"บริษัท ตัวอย่างเหล็กกล้า {i:03d} จำกัด",
                        name_en=f"Demo Steelworks {i:03d}") for i in range(30)]
    for o in new:
        o.search_text = o.build_search_text()
    history.bulk_create(None, new, fast=fast)
    assert found("เหล็กกล้า") == found("steelworks") == {o.pk for o in new}
    assert found("steelworks 017") == {new[17].pk}
    assert found("กล้า 02") == {o.pk for o in new if "02" in o.name_en[-3:]} == scanned("กล้า 02")


def test_the_filter_keeps_the_queryset_it_is_given(orgs, world):
    factories = Organisation.objects.filter(kind=Kind.FACTORY, parent=world.E1)
    assert found("one", factories) == {world.F1.pk}
    assert found("one") == {world.F1.pk, world.E1.pk, world.S1.pk, world.C1.pk}
    assert found("estate one") == {world.E1.pk}
    assert search.containing(factories, "ยาน").count() == 2


def test_matching_adds_the_diw_number(orgs, world):
    qs = Organisation.objects.filter(kind=Kind.FACTORY)
    assert set(search.matching(qs, "3-105-9/45ชบ").values_list("pk", flat=True)) == pks(orgs, "Demo Automotive Co., Ltd.")
    assert set(search.matching(qs, "auto").values_list("pk", flat=True)) == pks(
        orgs, "Demo Automotive Co., Ltd.", "Seafood AUTOMATION Plant")
    assert set(search.matching(qs, "10200000125456").values_list("pk", flat=True)) == {world.F2.pk}


def test_the_diw_number_is_in_the_search_text_and_follows_the_details(orgs, world):
    """A factory's DIW number (as typed) is part of its search text, whoever wrote the details, so one word
    of it is found by the word filter alone; changing the number moves it; so does a save of the
    organisation that did not say the number (a rename by another service)."""
    demo = orgs["Demo Automotive Co., Ltd."]
    assert "3-105-9/45ชบ" in Organisation.objects.get(pk=demo.pk).search_text
    assert found("105-9/45") == {demo.pk}
    detail = FactoryDetail.objects.get(organisation=demo)
    detail.diw_number = "3-106-7/60รย"
    history.save(None, detail)
    assert found("106-7/60") == {demo.pk} and found("105-9/45") == set()
    org = Organisation.objects.get(pk=demo.pk)
    org.name_en = "Renamed Automotive"
    history.save(None, org)
    assert found("106-7/60") == {demo.pk} and found("renamed") == {demo.pk}
    assert found("106-7/60") == scanned("106-7/60")


def test_the_pages_and_the_api_search_with_it(orgs, world, client):
    client.force_login(world.users["officer"])
    auto = orgs["Demo Automotive Co., Ltd."]
    r = client.get("/api/registry/factories", {"q": "อย่างยาน"})
    assert [i["id"] for i in r.json()["items"]] == [auto.pk] and r.json()["count"] == 1
    html = client.get("/factories/", {"q": "อย่างยาน"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demo Automotive" in html and "Seafood" not in html
    html = client.get("/reporting/", {"q": "AUTO ทะเล"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Seafood" in html and "Demo Automotive" not in html
    html = client.get("/search/", {"q": "50%"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Fifty% Recycling" in html and "Five Hundred" not in html


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(r[-1]) for r in cur.fetchall())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_searches_the_fts_table(db):
    with connection.cursor() as cur:
        triggers = {r[0] for r in cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_organisation'")}
    # (a migration that remakes registry_organisation drops them: it must call install_sqlite_index)
    assert set(search.SQLITE_TRIGGERS) <= triggers
    qs = search.containing(Organisation.objects.filter(kind=Kind.FACTORY), "ยานยนต์ auto")
    plan = _plan(qs.order_by("name_th", "pk"))
    assert search.FTS_TABLE in plan and "VIRTUAL TABLE" in plan, plan
    assert search.FTS_TABLE in _plan(search.matching(Organisation.objects.all(), "auto"))
    assert search.FTS_TABLE not in _plan(search.containing(Organisation.objects.all(), "au"))


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_has_the_trigram_index(db):
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'registry_organisation' AND indexname = %s",
                    [search.TRGM_INDEX])
        (indexdef,), = cur.fetchall()
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cur.fetchall() == [(1,)]
    assert "USING gin (search_text gin_trgm_ops)" in indexdef


@pytest.mark.parametrize("walk_above", [0, 10_000])
def test_a_page_of_many_matches_walks_the_order_the_same_rows(orgs, monkeypatch, walk_above):
    """Above `WALK_ABOVE` matches SQLite reads the page along the list's order index (`+id IN (…)`), below
    it from the matches; both give the same rows in the same order, and the count."""
    monkeypatch.setattr(search, "WALK_ABOVE", walk_above)
    qs = search.containing(Organisation.objects.filter(kind=Kind.FACTORY), "บริษัท").order_by("name_th", "pk")
    sql = str(qs.query)
    walks = connection.vendor == "sqlite" and walk_above == 0
    assert ('+"registry_organisation"."id" IN' in sql) == walks
    names = [o.name_en for o in qs]
    assert names == ['The "Quoted" (AND) OR* NEAR(x) col:umn ^caret Co.', "Demo Automotive Co., Ltd.",
                     "Thai Vehicle Works", "Seafood AUTOMATION Plant"]  # (Thai name order: คำพูด ตัวอย่าง ยาน อาหาร)
    assert qs.count() == 4


def test_few_rows_are_checked_one_by_one_with_the_same_result(world, orgs):
    estates = Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT])
    few = search.containing(estates, "estate", few=True)
    assert "registry_organisation_fts" not in str(few.query)
    assert set(few.values_list("pk", flat=True)) == set(search.containing(estates, "estate").values_list("pk", flat=True)) \
        == {world.E1.pk, world.E2.pk}
