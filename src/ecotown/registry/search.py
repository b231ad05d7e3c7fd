"""Finding organisations by what people type: Thai or English name (substrings — Thai has no spaces
between words), code, or DIW registration number (in either of its forms, as typed or normalised).

Every word typed must be a substring of `Organisation.search_text` (lower-cased names, code and extras).
`containing(qs, text)` is that filter, for every list and search box; `matching(qs, text)` adds the DIW
number. A substring filter is a scan of every row unless an index serves it (70,000 factories at national
scale, read twice per page: the count and the page), so migration registry 0006 builds one per database:

- PostgreSQL: a pg_trgm GIN index on search_text (`gin_trgm_ops`); `LIKE '%word%'` (Django's `__contains`)
  uses it as it is.
- SQLite: an FTS5 external-content table with the trigram tokenizer over search_text (`FTS_TABLE`), kept
  in step by triggers on registry_organisation (database-level, so that bulk_create, the fast path of
  history.bulk_create and queryset.update() keep it too). The words of 3 characters or more are one FTS5
  query of quoted phrases, `MATCH '"word" "other"'`: a trigram phrase is a substring, every character of it
  literal (`%` and `_` too). The match is a list of row ids; SQLite reads a page from it in one of two
  ways, and without per-value statistics it cannot tell which is cheaper, so `words_q` decides from the
  number of matches (an FTS count, 0.6 ms for 5,000 matches, cached until organisations change): up to
  `WALK_ABOVE` matches, the page is read from the matches (fetch, sort, cut: 0.3 ms for a rare word); above
  it, the list's order index is walked to the first page, each entry checked against the matches (`+id IN`,
  the unary plus keeping SQLite from driving the query from the list: 1.8–3 ms instead of 8 for "auto",
  4,981 matches at 70,000 factories). Not `LIKE '%word%'` on the FTS table: FTS5 serves it from the index too but
  checks every candidate against the text read back from registry_organisation (6 ms for "auto", 63 ms for a
  word in every name at 70,000 factories, against 0.3 and 5 ms for MATCH); and an ESCAPE clause, needed for a
  literal `%` or `_`, stops the index being used at all. A shorter word (a trigram index finds none) is
  checked with the plain `__contains`. `words_q(text, few=True)`: the rows asked about are a few dozen (the
  estates and ports), checked one by one with `__contains` and no index (0.3 ms; through the index, the
  5,000 factories' matches of "auto" would be read to find the few estates among them: 8 ms).

A migration that makes SQLite remake registry_organisation (Django does so for most AlterField/RemoveField
operations: new table, copy, drop, rename) drops the triggers with the old table: it must call
`install_sqlite_index(schema_editor)` afterwards (tests/web/test_search_index.py checks that they exist).
"""
from __future__ import annotations

from django.db import connections
from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from . import diw

FTS_TABLE = "registry_organisation_fts"
TRGM_INDEX = "org_search_trgm_idx"
MIN_INDEXED = 3  # FTS5 trigram: a phrase of fewer characters has no trigram (and matches nothing)
WALK_ABOVE = 1000  # SQLite: more matches than this, and a page walks the order index (see above)

SQLITE_INSTALL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='registry_organisation', "
    "content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON registry_organisation BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON registry_organisation BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    # (every Django save() sets every column: re-index only when the text or the id changed)
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF id, search_text ON registry_organisation
        WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",  # the rows already there
]
SQLITE_TRIGGERS = [f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {t}" for t in SQLITE_TRIGGERS] + [f"DROP TABLE IF EXISTS {FTS_TABLE}"]

POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON registry_organisation USING gin (search_text gin_trgm_ops)",
]
POSTGRES_UNINSTALL = [f"DROP INDEX IF EXISTS {TRGM_INDEX}"]  # (the extension stays: it may serve others)


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql)


def install_sqlite_index(schema_editor) -> None:
    """The FTS table and its triggers (again, after a remake of the table); fills it. SQLite only."""
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)


def install(schema_editor) -> None:
    """Migration registry 0006: the substring index of this database (nothing on other backends)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_INSTALL)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_UNINSTALL)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_UNINSTALL)


def _matches(phrases: str, using: str) -> int:
    """How many organisations the FTS5 query matches (cached until an organisation is written)."""
    from ecotown.core import cache

    from .models import Organisation

    def build():
        with connections[using].cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [phrases])
            return cur.fetchone()[0]

    return cache.cached("registry.fts_matches", build, on=(Organisation,), key=[using, phrases])


def words_q(text: str | None, using: str = "default", *, few: bool = False) -> Q:
    """The condition "every word of `text` is a substring of search_text" (an empty Q for no words), for
    the database `using` — see the module's notes. `few`: the rows it filters are a few dozen, checked one
    by one with no index."""
    words = (text or "").lower().split()
    q = Q()
    if few or connections[using].vendor != "sqlite":
        for word in words:
            q &= Q(search_text__contains=word)
        return q
    indexed = [w for w in words if len(w) >= MIN_INDEXED]
    for word in words:
        if len(word) < MIN_INDEXED:
            q &= Q(search_text__contains=word)
    if indexed:
        phrases = " ".join('"' + w.replace('"', '""') + '"' for w in indexed)  # (implicit AND)
        ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [phrases])
        if _matches(phrases, using) > WALK_ABOVE:
            q &= Q(In(Func(F("pk"), template="+%(expressions)s", output_field=IntegerField()), ids))
        else:
            q &= Q(pk__in=ids)
    return q


def containing(qs: QuerySet, text: str | None, *, few: bool = False) -> QuerySet:
    """Organisations of `qs` with every word of `text` in their search text (as a substring); all of `qs`
    when there are no words. `few`: `qs` is a few dozen rows (see `words_q`)."""
    q = words_q(text, qs.db, few=few)
    return qs.filter(q) if q else qs


def matching(qs: QuerySet, text: str, *, few: bool = False) -> QuerySet:
    """Organisations of `qs` whose name, code or DIW number matches `text` (every word, as a substring).
    `few`: `qs` is a few dozen rows (see `words_q`)."""
    text = (text or "").strip().lower()
    if not text:
        return qs
    words = words_q(text, qs.db, few=few)
    # the DIW number as typed is part of search_text, so one word is found by `words` alone; the number's
    # own column only adds a match for a number typed with spaces, and its key for a number in another form
    # (each a join to the factory details that no index serves: asked only when it can add something)
    by_number = Q(factory__diw_number__icontains=text.replace(" ", "")) if " " in text else Q()
    try:
        _display, key = diw.normalise(text)
    except diw.DIWNumberError:
        pass
    else:
        by_number |= Q(factory__diw_key=key)
    return qs.filter(words | by_number) if by_number else qs.filter(words)


def details_written(details) -> None:
    """After a write of factory details (history's after-write hook): the DIW number in the organisations'
    search text follows it (a text-only update: the full-text index follows by its triggers)."""
    from ecotown.core import history

    from .models import FactoryDetail, Organisation

    ids = {d.organisation_id for d in details if d.organisation_id}
    if not ids:
        return
    numbers = dict(FactoryDetail.objects.filter(organisation_id__in=ids).values_list("organisation_id", "diw_number"))
    changed = []
    for org in Organisation.objects.filter(pk__in=ids).only("id", "kind", "name_th", "name_en", "code", "search_text"):
        org._search_extra = [numbers[org.pk]] if numbers.get(org.pk) else []
        text = org.build_search_text()
        if text != org.search_text:
            changed.append((org.pk, text))
    with history.writing():
        for pk, text in changed:
            Organisation.objects.filter(pk=pk).update(search_text=text)
