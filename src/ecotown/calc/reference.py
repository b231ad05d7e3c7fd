"""Reference data results are computed with, and the edition of each file's content.

Pure (no Django). `FILES` names each reference file (activity catalogue, conversions, blends, extra
GWP values, KPI definitions); `src/ecotown/data/editions.yaml` gives each its edition, source, URL
and status (read only when an edition is asked for: the engine's start-up does not parse YAML).
Every reader of those files (`ecotown.calc.ghg`, `ecotown.calc.kpi`) reads them through `read()`,
once per process, so the SHA-256 `edition(name)` reports is the hash of exactly the bytes the
calculation used. The platform stores one edition row per content (`ecotown.core.models.
ReferenceEdition`) and results record the editions they used.

Factors are versioned separately (factor sets in the database, `ecotown.carbon.library`).

    >>> edition("activity_catalogue").name
    'activity_catalogue'
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: the folder holding the shipped reference data (a test may point it at a copy, then call `clear()`)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MANIFEST = "editions.yaml"
#: name -> path under DATA_DIR
FILES = {
    "activity_catalogue": "ghg/activities.csv",
    "conversions": "ghg/conversions.csv",
    "blends": "ghg/blends.csv",
    "gwp_extra": "ghg/gwp_extra.csv",
    "kpi_definitions": "kpi/kpis.yaml",
    "uncertainty": "ghg/uncertainty.csv",
}
STATUSES = ("official", "secondary_verify", "illustrative")

_dependents: list[Callable[[], None]] = []


@dataclass(frozen=True)
class Edition:
    """One reference file as loaded: what the manifest says about it and the hash of its content."""

    name: str
    path: str  # under DATA_DIR
    title_th: str
    title_en: str
    edition: str
    source: str
    url: str
    status: str
    sha256: str


@lru_cache(maxsize=1)
def manifest() -> dict[str, dict]:
    """{name: {title, edition, source, url, status}} from data/editions.yaml (order kept)."""
    import yaml

    data = yaml.load((DATA_DIR / MANIFEST).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out: dict[str, dict] = {}
    if set(data["files"]) != set(FILES):
        raise ValueError(f"{MANIFEST} must describe exactly the files {', '.join(FILES)}")
    for name, d in data["files"].items():
        missing = [k for k in ("title", "edition", "source", "status") if not d.get(k)]
        if missing:
            raise ValueError(f"{MANIFEST}: {name}: missing {', '.join(missing)}")
        if d["status"] not in STATUSES:
            raise ValueError(f"{MANIFEST}: {name}: status must be one of {', '.join(STATUSES)}, not {d['status']!r}")
        out[name] = d
    return out


def names() -> tuple[str, ...]:
    return tuple(FILES)


def path(name: str) -> Path:
    try:
        return DATA_DIR / FILES[name]
    except KeyError:
        raise KeyError(f"unknown reference file {name!r} (see ecotown.calc.reference.FILES)") from None


@lru_cache(maxsize=None)
def read(name: str) -> bytes:
    """The content of a reference file, read once per process (until `clear()`)."""
    return path(name).read_bytes()


def text(name: str) -> str:
    return read(name).decode("utf-8-sig")


def edition(name: str) -> Edition:
    """The edition of the content loaded for `name` (manifest facts + SHA-256 of the bytes)."""
    d = manifest()[name]
    return Edition(name=name, path=FILES[name], title_th=str(d["title"]["th"]), title_en=str(d["title"]["en"]),
                   edition=str(d["edition"]), source=str(d["source"]), url=str(d.get("url") or ""),
                   status=d["status"], sha256=hashlib.sha256(read(name)).hexdigest())


def editions(which: tuple[str, ...] | None = None) -> list[Edition]:
    return [edition(n) for n in (which or names())]


def on_clear(fn: Callable[[], None]) -> Callable[[], None]:
    """Register a cache of parsed reference data to be dropped with the file contents."""
    if fn not in _dependents:
        _dependents.append(fn)
    return fn


def clear() -> None:
    """Forget the loaded contents (and everything parsed from them): the next read sees the files."""
    manifest.cache_clear()
    read.cache_clear()
    for fn in _dependents:
        fn()
