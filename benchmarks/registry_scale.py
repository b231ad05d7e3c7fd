"""Registry at national scale: time `ecotown demo --factories N` and the main pages at 500 vs 70,000
factories (same machine, same run). Prints a markdown table.

    .venv/bin/python benchmarks/registry_scale.py [--small 500] [--large 70000] [--repeat 7]

Pages are requested in-process through Django's test client as the authority officer (sees
everything, the worst case) and as the estate manager; the median of --repeat requests is shown.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _demo_db import measure, run_demo

PAGES = [
    ("factory list", "/factories/"),
    ("factory search (htmx)", "/factories/?q=auto"),
    ("estate list", "/estates/"),
    ("map data", "/map/estates.geojson"),
    ("factory page", "FACTORY"),
    ("API factories", "/api/registry/factories?limit=50"),
    ("home", "/"),
]

MEASURE = r"""
import json, os, statistics, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
import django; django.setup()
from django.test import Client
from django.db import connection
from ecotown.accounts.models import User
from ecotown.registry.models import Organisation
pages = json.loads(sys.argv[1]); repeat = int(sys.argv[2])
from ecotown import access
out = {}
for who in ("officer", "estate-manager"):
    user = User.objects.get(username=who)
    factory = access.visible_orgs(user, Organisation.objects.filter(kind="factory")).order_by("-pk").first()
    c = Client(); c.force_login(user)
    for label, url in pages:
        url = f"/orgs/{factory.pk}/" if url == "FACTORY" else url
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); r = c.get(url, HTTP_HOST="127.0.0.1"); times.append(time.perf_counter() - t)
            assert r.status_code == 200, (url, r.status_code)
        out[f"{who}|{label}"] = statistics.median(times) * 1000
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--large", type=int, default=70000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ecotown-bench-"))
    results = {}
    for n in (args.small, args.large):
        data = root / str(n)
        data.mkdir()
        secs = run_demo(n, data)
        results[n] = {"demo_s": secs, "pages": measure(data, MEASURE, PAGES, args.repeat)}
        print(f"demo --factories {n}: {secs:.1f} s", file=sys.stderr)
    s, l = results[args.small], results[args.large]
    print(f"\n| | {args.small:,} factories | {args.large:,} factories | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| `ecotown demo --factories N` (s) | {s['demo_s']:.1f} | {l['demo_s']:.1f} | {l['demo_s'] / s['demo_s']:.1f} |")
    for key in s["pages"]:
        who, label = key.split("|")
        a, b = s["pages"][key], l["pages"][key]
        print(f"| {label} as {who} (ms, median of {args.repeat}) | {a:.1f} | {b:.1f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
