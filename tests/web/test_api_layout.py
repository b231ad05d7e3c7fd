"""App API routers import their helpers from ecotown.core.api, never the root ecotown.api."""
from __future__ import annotations

import ast
from pathlib import Path

import ecotown

SRC = Path(ecotown.__file__).resolve().parent


def root_api_imports(source: str) -> list[int]:
    """Line numbers of imports of `ecotown.api` in an app module (`ecotown/<app>/api.py`)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            hit = any(a.name == "ecotown.api" or a.name.startswith("ecotown.api.") for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            if node.level == 0:
                hit = node.module == "ecotown.api" or (node.module == "ecotown" and "api" in names)
            else:  # relative to ecotown/<app>/: ".." is the ecotown package
                hit = node.level == 2 and (node.module == "api" or (node.module is None and "api" in names))
        else:
            continue
        if hit:
            lines.append(node.lineno)
    return lines


def test_app_routers_pinned():
    assert sorted(str(p.relative_to(SRC)) for p in SRC.glob("*/api.py")) == [
        "accounts/api.py", "assessment/api.py", "carbon/api.py", "core/api.py", "enquiries/api.py",
        "registry/api.py", "reporting/api.py"]


def test_no_app_router_imports_the_root_api():
    offenders = {str(p.relative_to(SRC)): root_api_imports(p.read_text(encoding="utf-8"))
                 for p in sorted(SRC.glob("*/api.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_every_spelling_of_the_root_import():
    source = ("from ecotown.api import paginate\nfrom ecotown import api\nimport ecotown.api\n"
              "from ..api import paginate\nfrom .. import api\n"
              "from ecotown.core.api import paginate\nfrom .api import x\nimport ecotown.core.api\n")
    assert root_api_imports(source) == [1, 2, 3, 4, 5]


def test_routers_return_status_not_tuples():
    """`return Status(201, body)`, not the deprecated `return 201, body`."""
    import re

    hits = {str(p.relative_to(SRC)): [i for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                                      if re.match(r"\s*return \(?\d{3},", line)]
            for p in sorted(SRC.glob("*/api.py"))}
    assert {k: v for k, v in hits.items() if v} == {}
