"""Pages under load, as the README serves them: gunicorn with 2 workers (`ecotown serve --workers 2`) on a
demo database, N virtual users on loopback from this second process, each signed in as one of the roles
and walking its pages with a think time. Prints, per page and role, the requests, errors, median, p95 and
maximum latency; then the throughput each page sustains with no think time (a few users hammering it).

    .venv/bin/python benchmarks/load.py --data DIR [--data DIR2 …] [--users 50] [--seconds 60] [--think 1] [--rounds 1]

`--data` is a folder holding a demo database (`ecotown demo --factories N` with ECOTOWN_DATA_DIR=DIR), or
`DIR=postgres://…` for a PostgreSQL demo database (`ecotown demo` run with that DATABASE_URL; DIR keeps the
server's log and uploads); give two (500 and 70,000 factories) to print them side by side, with the ratio of
their p95 (and p50). `--rounds N` measures them in turn N times each (A B A B …, every server running
throughout), so that drift on a shared machine falls on both alike. The client is the standard library (http.client, one keep-alive
connection per virtual user, threads): bounded, no extra dependency. Target (issue 11): p95 < 200 ms and
no errors at 70,000 factories; no page more than 1.5× slower than at 500.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("officer", "estate-manager", "factory-a")

# the pages of each role; {estate} {factory} are the demo estate and factory-a's factory (looked up)
PAGES = {
    "officer": ["/", "/estates/", "/factories/", "/factories/?q=auto", "/search/?search=auto", "/orgs/{estate}/",
                "/map/estates.geojson", "/carbon/authority/", "/carbon/estate/{estate}/", "/assessment/",
                "/assessment/overview/", "/reporting/completeness/matrix/", "/api/registry/factories?limit=50",
                "/api/registry/estates?limit=50"],
    "estate-manager": ["/", "/estates/", "/factories/", "/factories/?q=auto", "/orgs/{estate}/",
                       "/carbon/estate/{estate}/", "/assessment/", "/assessment/overview/",
                       "/reporting/completeness/matrix/", "/api/registry/factories?limit=50"],
    "factory-a": ["/", "/estates/", "/orgs/{factory}/", "/reporting/org/{factory}/", "/carbon/", "/assessment/",
                  "/public/estates/{estate}/"],
}

LOOKUP = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
import django; django.setup()
from ecotown.accounts.models import User
from ecotown.registry.models import Organisation
f = User.objects.get(username="factory-a").memberships.get().organisation
print(json.dumps({"factory": f.pk, "estate": f.parent_id,
                  "factories": Organisation.objects.filter(kind="factory").count()}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DATABASES: dict[Path, str] = {}  # data folder -> DATABASE_URL (PostgreSQL), else its SQLite file


def _data(arg: str) -> Path:
    folder, sep, url = arg.partition("=")
    path = Path(folder)
    if sep:
        DATABASES[path] = url
    return path


def _env(data: Path) -> dict:
    env = dict(os.environ, ECOTOWN_DATA_DIR=str(data), ECOTOWN_ALLOWED_HOSTS="127.0.0.1", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    if data in DATABASES:
        env["DATABASE_URL"] = DATABASES[data]
    return env


class Session:
    """One virtual user: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Accept-Language": "th"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                content = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    return 599, b""
        for h in r.headers.get_all("Set-Cookie") or []:
            k, v = h.split(";", 1)[0].split("=", 1)
            self.cookies[k.strip()] = v.strip()
        return r.status, content

    def sign_in(self, username: str) -> None:
        status, html = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
        status, _ = self.request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username,
                                                              "password": "demo"})
        if status != 302:
            raise SystemExit(f"sign-in of {username} failed: {status}")


def _serve(data: Path):
    port = _free_port()
    log = open(data / "load-serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "ecotown.cli", "serve", "--port", str(port), "--workers", "2"],
                            env=_env(data), stdout=log, stderr=subprocess.STDOUT, cwd=data)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start: " + (data / "load-serve.log").read_text()[-2000:])


class Target:
    """One demo database served by its own gunicorn for the whole benchmark (idle while another is measured)."""

    def __init__(self, data: Path, users: int):
        self.data = data
        self.ids = json.loads(subprocess.run([sys.executable, "-c", LOOKUP], env=_env(data), capture_output=True,
                                             text=True, check=True).stdout.strip().splitlines()[-1])
        self.proc, self.port = _serve(data)
        self.results: dict[tuple[str, str], list[float]] = {}
        self.errors: dict[tuple[str, str], int] = {}
        self.rps: dict[tuple[str, str], float] = {}
        self.seconds = 0.0
        # every user signs in first (a password hash costs a worker ~0.3 s: 50 sign-ins at once would queue
        # the first minute's pages behind them), once for all rounds
        self.sessions = [Session(self.port) for _ in range(users)]
        signers = [threading.Thread(target=s.sign_in, args=(ROLES[i % len(ROLES)],)) for i, s in enumerate(self.sessions)]
        for t in signers:
            t.start()
        for t in signers:
            t.join()

    def pages(self, role: str) -> list[str]:
        return [p.format(**self.ids) for p in PAGES[role]]

    def walk(self, seconds: float, think: float) -> None:
        """All users walk their pages for `seconds`, each page timed."""
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def user(i: int):
            role = ROLES[i % len(ROLES)]
            pages = self.pages(role)
            s = self.sessions[i]
            k = i + int(self.seconds)  # users of one role start at different pages (and rounds go on)
            while time.monotonic() < stop:
                path = pages[k % len(pages)]
                k += 1
                t = time.perf_counter()
                status, _ = s.request("GET", path)
                dt = time.perf_counter() - t
                with lock:
                    self.results.setdefault((role, path), []).append(dt)
                    if status != 200:
                        self.errors[(role, path)] = self.errors.get((role, path), 0) + 1
                time.sleep(think)

        threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(len(self.sessions))]
        for t in threads:
            t.start()
            time.sleep(think / max(1, len(self.sessions)))   # staggered arrivals
        for t in threads:
            t.join()
        self.seconds += seconds

    def hammer(self, seconds: float) -> None:
        """Throughput with no think time: 4 users on one page for `seconds`, page by page."""
        lock = threading.Lock()
        for role in ROLES:
            for path in dict.fromkeys(self.pages(role)):
                sessions = [Session(self.port) for _ in range(4)]
                for s in sessions:
                    s.sign_in(role)
                done = [0]
                end = time.monotonic() + seconds

                def hammer(s):
                    while time.monotonic() < end:
                        s.request("GET", path)
                        with lock:
                            done[0] += 1

                ts = [threading.Thread(target=hammer, args=(s,)) for s in sessions]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                self.rps[(role, path)] = done[0] / seconds

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def summary(self) -> dict:
        out = {"factories": self.ids["factories"], "pages": {},
               "rate": sum(len(v) for v in self.results.values()) / max(self.seconds, 1e-9)}
        for key, times in self.results.items():
            times = sorted(times)
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            out["pages"][key] = {"n": len(times), "errors": self.errors.get(key, 0),
                                 "p50": statistics.median(times) * 1000, "p95": p95 * 1000, "max": times[-1] * 1000,
                                 "rps": self.rps.get(key)}
        return out


def run_all(datas: list[Path], users: int, seconds: float, think: float, hammer_seconds: float, rounds: int) -> list:
    """The databases measured in turn, `rounds` times each (A B A B …): drift on a shared machine falls on both
    alike; every server runs throughout, the idle one costs nothing."""
    targets = []
    try:
        for d in datas:
            targets.append(Target(d, users))
        for _ in range(rounds):
            for t in targets:
                t.walk(seconds / rounds, think)
        if hammer_seconds:
            for t in targets:
                t.hammer(hammer_seconds)
    finally:
        for t in targets:
            t.stop()
    return [t.summary() for t in targets]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=_data, action="append", required=True, help="DIR or DIR=postgres://…")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--hammer", type=float, default=5.0, help="seconds per page with no think time (0: skip)")
    ap.add_argument("--rounds", type=int, default=1, help="measure the databases in turn, this many times each "
                    "(`--seconds` in all, split between the rounds)")
    args = ap.parse_args()
    runs = run_all(args.data, args.users, args.seconds, args.think, args.hammer, args.rounds)
    ratio = len(runs) == 2
    heads = " | ".join(f"{r['factories']:,} factories: n · err · p50 · p95 · max (ms) · req/s" for r in runs)
    if ratio:
        heads += f" | p95 ratio {runs[1]['factories']:,} / {runs[0]['factories']:,} (p50 ratio)"
    for r in runs:
        every = sorted(t for (role, path), v in r["pages"].items() for t in [v["p95"]])
        print(f"{r['factories']:,} factories: {r['rate']:.1f} requests/s served to the {args.users} users; "
              f"the slowest page's p95 {every[-1]:.0f} ms")
    backends = ", ".join(dict.fromkeys("PostgreSQL" if d in DATABASES else "SQLite" for d in args.data))
    print(f"\n{args.users} users, {args.think:g} s think time, {args.seconds:g} s in {args.rounds} round(s) per database; "
          f"gunicorn 2 workers, {backends}\n")
    print(f"| page | {heads} |")
    print("|---|" + "---|" * (len(runs) + ratio))
    over = []
    keys = {}
    for r in runs:
        for role, path in r["pages"]:
            keys.setdefault((role, re.sub(r"/\d+/", "/…/", path)), None)
    order = {(role, re.sub(r"\{\w+\}", "…", p)): (ROLES.index(role), i) for role in ROLES for i, p in enumerate(PAGES[role])}
    for role, shown in sorted(keys, key=lambda k: order.get(k, (9, 0))):
        cells, got = [], []
        for r in runs:
            row = next((v for (ro, p), v in r["pages"].items() if ro == role and re.sub(r"/\d+/", "/…/", p) == shown), None)
            if row is None:
                cells.append("–")
                continue
            rps = f"{row['rps']:.1f}" if row["rps"] is not None else "–"
            cells.append(f"{row['n']} · {row['errors']} · {row['p50']:.0f} · **{row['p95']:.0f}** · {row['max']:.0f} · {rps}")
            got.append(row)
        if ratio and len(got) == 2:
            r95, r50 = got[1]["p95"] / got[0]["p95"], got[1]["p50"] / got[0]["p50"]
            cells.append(f"**{r95:.2f}** ({r50:.2f})")
            if r95 > 1.5:
                over.append(f"{role} {shown} ({r95:.2f})")
        print(f"| {role} `{shown}` | " + " | ".join(cells) + " |")
    if ratio:
        print(f"\npages whose p95 at {runs[1]['factories']:,} is more than 1.5x that at {runs[0]['factories']:,}: "
              + (", ".join(over) if over else "none"))


if __name__ == "__main__":
    main()
