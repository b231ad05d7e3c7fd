"""One Thai catalogue, checked against the glossary; every error code has a message and a Thai translation.

The glossary (`docs/glossary.md`, a copy of `../shared/reference/glossary.md`) pairs Thai and
English terms. Rule: when a catalogue msgid uses a glossary term's English (as a whole word or
phrase, case-insensitive, hyphens read as spaces, plural "-s"/"-ies" allowed), its msgstr must
contain that term's Thai (any of its variants). Longer terms win over the shorter ones inside them
("DIW registration number" is checked as itself, not as "DIW"). Legitimate departures are listed
in EXCEPTIONS with the reason.
"""
from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
UI_GLOSSARY = ROOT / "docs" / "glossary-ui.md"   # the interface's own words (not in the shared reference)
SHARED_GLOSSARY = ROOT.parent / "shared" / "reference" / "glossary.md"
CATALOGUE = ROOT / "src" / "ecotown" / "locale" / "th" / "LC_MESSAGES" / "django.po"

#: Rows whose cells list several terms that the generic reading would pair wrongly: the English
#: "physical / economic / … dimension" shares one noun, so each is spelled out here.
ROW_TERMS = {
    "physical / economic / environmental / social / management dimension": [
        ("physical dimension", ["มิติกายภาพ", "มิติด้านกายภาพ"]),
        ("economic dimension", ["มิติเศรษฐกิจ", "มิติด้านเศรษฐกิจ"]),
        ("environmental dimension", ["มิติสิ่งแวดล้อม", "มิติด้านสิ่งแวดล้อม"]),
        ("social dimension", ["มิติสังคม", "มิติด้านสังคม"]),
        ("management dimension", ["มิติการบริหารจัดการ", "มิติด้านการบริหารจัดการ"]),
    ],
    # a description, not a term: the level names are kept in English in Thai text
    "the three certification levels": [(name, [name]) for name in ("Eco-Champion", "Eco-Excellence",
                                                                   "Eco-World Class")],
}

#: Terms named in a glossary note (the factory row: "identified by its DIW registration number
#: (เลขทะเบียนโรงงาน)"); "DIW number" is the short form of the same.
NOTE_TERMS = [("DIW registration number", ["เลขทะเบียนโรงงาน"]), ("DIW number", ["เลขทะเบียนโรงงาน"])]

#: (msgid, English term) pairs allowed to depart from the glossary, each with its reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
}


def _variants(cell: str) -> list[str]:
    """'นิคมอุตสาหกรรม (กนอ.)' -> ['นิคมอุตสาหกรรม', 'กนอ.']; 'A / B' -> ['A', 'B'].
    A parenthesis is a variant when it is an abbreviation (no lower-case Latin letters), else dropped."""
    out = []
    for part in cell.split(" / "):
        part = part.strip()
        for abbr in re.findall(r"\(([^)]*)\)", part):
            if not re.search(r"[a-z]", abbr):
                out.append(abbr.strip())
        base = re.sub(r"\s*\([^)]*\)", "", part).strip()
        if base:
            out.append(base)
    return [v for v in out if v]


def glossary_terms(text: str) -> list[tuple[str, list[str]]]:
    """(English term, [Thai variants]) for every glossary row, longest English first."""
    terms: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or cells[0] in ("Thai", "---") or set(cells[0]) <= {"-"}:
            continue
        thai, english = cells[0], cells[1]
        if english in ROW_TERMS:
            terms.extend(ROW_TERMS[english])
            continue
        th_parts, en_parts = thai.split(" / "), english.split(" / ")
        if len(th_parts) == len(en_parts) > 1:  # "การตรวจประเมิน / การรับรอง" ↔ "assessment audit / certification"
            for t, e in zip(th_parts, en_parts):
                terms.extend((ev, _variants(t)) for ev in _variants(e))
        else:
            terms.extend((ev, _variants(thai)) for ev in _variants(english))
        # a Thai cell in Latin script ("T-VER", "(CFO)") is kept as is: it is an English term too
        terms.extend((tv, _variants(thai)) for tv in _variants(thai)
                     if not re.search(r"[\u0e00-\u0e7f]", tv) and tv not in dict(terms))
    terms.extend(NOTE_TERMS)
    return sorted(terms, key=lambda t: -len(t[0]))


def _norm(text: str) -> str:
    return re.sub(r"[-‐–]", " ", text).lower()


def _pattern(term: str) -> re.Pattern:
    words = _norm(term)
    stem = re.escape(words)
    if words.endswith("y"):
        stem = f"(?:{stem}|{re.escape(words[:-1])}ies)"
    return re.compile(rf"(?<![\w]){stem}(?:s|es)?(?![\w])")


def glossary_problems(entries, terms) -> list[str]:
    """'msgid: uses "term" but the translation has none of [...]' for every departure."""
    problems = []
    compiled = [(term, thai, _pattern(term)) for term, thai in terms]
    for e in entries:
        if e.obsolete or not e.msgstr or "fuzzy" in e.flags:
            continue
        text = _norm(e.msgid)
        taken = [False] * len(text)
        for term, thai, pat in compiled:
            for m in pat.finditer(text):
                if any(taken[m.start():m.end()]):
                    continue
                for i in range(m.start(), m.end()):
                    taken[i] = True
                if (e.msgid, term) in EXCEPTIONS:
                    continue
                if not any(t in e.msgstr for t in thai):
                    problems.append(f"{e.msgid!r}: uses {term!r} but the Thai has none of {thai} "
                                    f"(msgstr {e.msgstr!r})")
                break
    return problems


def test_glossary_copy_is_read():
    terms = dict(glossary_terms(GLOSSARY.read_text(encoding="utf-8")))
    assert terms["industrial estate"] == ["นิคมอุตสาหกรรม"]
    assert terms["IEAT"] == ["กนอ.", "การนิคมอุตสาหกรรมแห่งประเทศไทย"]
    assert terms["factory"] == ["โรงงาน", "โรงงานอุตสาหกรรม"]
    assert terms["certification"] == ["การรับรอง"]
    assert terms["assessment audit"] == ["การตรวจประเมิน"]
    assert terms["economic dimension"] == ["มิติเศรษฐกิจ", "มิติด้านเศรษฐกิจ"]
    assert "the three certification levels" not in terms
    assert terms["Eco-World Class"] == ["Eco-World Class"]
    assert terms["T-VER"] == ["T-VER"] and terms["CFO"] == ["CFO", "คาร์บอนฟุตพริ้นท์องค์กร"]
    assert terms["Green Industry"] == ["อุตสาหกรรมสีเขียว"]
    assert len(terms) == 43


@pytest.mark.skipif(not SHARED_GLOSSARY.exists(), reason="../shared is not beside the repository")
def test_glossary_copy_matches_shared():
    assert GLOSSARY.read_text(encoding="utf-8") == SHARED_GLOSSARY.read_text(encoding="utf-8")


def test_rule_flags_another_thai_word_and_names_the_msgid():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    entries = [polib.POEntry(msgid="Industrial estates of the factory", msgstr="นิคมอุตสาหกรรมของโรงงาน"),
               polib.POEntry(msgid="%(n)s factories", msgstr="%(n)s แห่ง"),
               polib.POEntry(msgid="DIW registration number", msgstr="เลขทะเบียนโรงงาน"),
               polib.POEntry(msgid="Certification", msgstr="การรับรอง"),
               polib.POEntry(msgid="Audit of the estate", msgstr="การตรวจของเขตอุตสาหกรรม"),
               polib.POEntry(msgid="Estate factory", msgstr="")]
    assert glossary_problems(entries, terms) == [
        "'%(n)s factories': uses 'factory' but the Thai has none of ['โรงงาน', 'โรงงานอุตสาหกรรม'] "
        "(msgstr '%(n)s แห่ง')"]


def test_catalogue_uses_the_glossary_terms():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    problems = glossary_problems(polib.pofile(str(CATALOGUE)), terms)
    assert problems == [], "\n".join(problems)


def test_ui_glossary_is_read():
    terms = dict(glossary_terms(UI_GLOSSARY.read_text(encoding="utf-8")))
    assert terms["draft"] == ["ฉบับร่าง"] and terms["restated"] == ["ปรับปรุงใหม่", "ปรับปรุง"]
    assert terms["yes"] == ["ใช่"] and terms["no"] == ["ไม่ใช่"] and terms["C.E."] == ["ค.ศ."]
    assert len(terms) == 16 + 2  # and the two DIW-number terms every reading adds (NOTE_TERMS)


def test_catalogue_uses_the_ui_glossary_terms():
    terms = glossary_terms(UI_GLOSSARY.read_text(encoding="utf-8"))
    terms = [(t, th) for t, th in terms if t not in ("yes", "no")]  # "no" is also a determiner ("no factor")
    problems = glossary_problems(polib.pofile(str(CATALOGUE)), terms)
    assert problems == [], "\n".join(problems)


def test_every_catalogue_entry_is_translated():
    po = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in po if not e.obsolete and (not e.msgstr and not any(e.msgstr_plural.values()))]
    fuzzy = [e.msgid for e in po if not e.obsolete and "fuzzy" in e.flags]
    assert (missing, fuzzy) == ([], [])


def test_one_catalogue_for_the_project():
    assert sorted(p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src").rglob("*.po")) == [
        "ecotown/locale/en/LC_MESSAGES/django.po", "ecotown/locale/th/LC_MESSAGES/django.po"]


# --- error codes --------------------------------------------------------------------------------

def test_every_error_code_has_a_message_and_a_thai_translation(db):
    from django.utils import translation

    from ecotown.core.errors import all_codes

    po = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE)) if not e.obsolete and "fuzzy" not in e.flags}
    codes = all_codes()
    names = {name for name, _ in codes}
    assert names == {"AccountsError", "AssessmentError", "CarbonError", "CoreError", "EnquiriesError",
                     "RegistryError", "ReportingError"}
    from ecotown.core.errors import REGISTRY

    problems = [f"{name}: the same code twice ({', '.join(sorted(set(cls.__members__) - {m.name for m in cls}))})"
                for name, cls in REGISTRY.items() if len(cls.__members__) != len(cls)]
    for name, member in codes:
        where = f"{name}.{member.name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", member.value):
            problems.append(f"{where}: code {member.value!r} is not snake_case")
        if not member.msgid:
            problems.append(f"{where}: no message")
        elif not po.get(member.msgid):
            problems.append(f"{where}: {member.msgid!r} has no Thai translation")
        else:
            with translation.override("th"):
                if str(member.message) != po[member.msgid]:
                    problems.append(f"{where}: the compiled catalogue is stale for {member.msgid!r}")
            names_en = set(re.findall(r"%\((\w+)\)s", member.msgid))
            names_th = set(re.findall(r"%\((\w+)\)s", po[member.msgid]))
            if names_en != names_th:
                problems.append(f"{where}: parameters {sorted(names_en)} vs Thai {sorted(names_th)}")
    assert problems == [], "\n".join(problems)


def test_every_calculator_code_has_thai_and_english_titles():
    from ecotown.calc.errors import CalcError

    assert len(CalcError) == 35  # issue 9: blend_fractions
    for member in CalcError:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", member.value)
        assert member.title("en") and member.title("th") and member.title("th") != member.title("en")


_XGETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
                   "pgettext_lazy", "npgettext", "npgettext_lazy"}


def test_translation_functions_keep_names_makemessages_extracts():
    """`from django.utils.translation import gettext_lazy as _l` hid 64 strings from makemessages (xgettext
    only knows Django's names): five of them were never in the catalogue, so the Thai screens showed
    them in English ("first name", "last name", "e.g. t, piece, m3, vehicle" …), and running
    scripts/i18n.sh marked the others obsolete."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "ecotown"
    bad = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for a in node.names:
                    if a.asname and a.asname not in _XGETTEXT_NAMES:
                        bad.append(f"{path.relative_to(root)}: {a.name} as {a.asname}")
    assert bad == []
