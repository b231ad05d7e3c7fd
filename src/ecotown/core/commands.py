"""Platform sub-commands of `ecotown` (Django is set up by the caller)."""
from __future__ import annotations

import argparse
import sys
import time

from django.conf import settings
from django.core.management import call_command


def cmd_migrate(argv: list[str]) -> int:
    call_command("migrate", interactive=False, verbosity=1)
    from ecotown.registry.reference import load

    counts = load()
    print(f"reference data: {counts['provinces']} provinces, {counts['tsic']} industry classes")
    load_shipped_reference()
    return 0


def load_shipped_reference() -> None:
    """Reference data shipped with EcoTown that later capabilities keep in the database."""
    from ecotown.assessment.services import install_shipped

    added = install_shipped(None)
    if added:
        print(f"criteria frameworks: {len(added)} shipped versions installed")
    from ecotown.core.services import sync_reference_editions

    rows = sync_reference_editions(None)
    print("reference data editions: " + ", ".join(f"{r.name} {r.edition}" for r in rows))
    try:
        from ecotown.carbon import services as carbon_services
    except ImportError:  # pragma: no cover
        return
    loader = getattr(carbon_services, "sync_builtin_library", None)
    if loader is not None:
        loader(None)


def cmd_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecotown demo", description="Load the demo dataset (marks the database as a demo).")
    parser.add_argument("--factories", type=int, default=400, help="how many factories (default 400; up to 70,000)")
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--reset", action="store_true", help="empty the database first (demo databases only)")
    parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has data")
    args = parser.parse_args(argv)
    from ecotown.core import demo
    from ecotown.core.models import SiteState

    call_command("migrate", interactive=False, verbosity=0)
    if not demo.is_empty():
        if args.if_empty:
            print("The database already has data; the demo dataset was not loaded.")
            return 0
        if not args.reset:
            print("The database already has data. Use --reset to replace it (only on a demo database).", file=sys.stderr)
            return 2
        if not SiteState.is_demo():
            print("Refusing to reset: this database is not marked as a demo.", file=sys.stderr)
            return 2
        call_command("flush", interactive=False, verbosity=0)
        from ecotown.registry.reference import load as load_reference

        load_reference()
    started = time.monotonic()
    counts = demo.load(factories=args.factories, seed=args.seed, progress=lambda m: print("  …", m, flush=True))
    print(f"demo loaded in {time.monotonic() - started:.1f} s: {counts}")
    print_logins()
    return 0


def print_logins() -> None:
    from django.utils import translation

    from ecotown.core.demo import DEMO_PASSWORD, USERS

    print("\nDemo sign-ins (password for all: %r) · บัญชีทดลองใช้ (รหัสผ่าน %r):" % (DEMO_PASSWORD, DEMO_PASSWORD))
    for username, _first, _last, role, _org in USERS:
        with translation.override("th"):
            th = str(role.label)
        with translation.override("en"):
            en = str(role.label)
        print(f"  {username:16} {th} · {en}")


def cmd_setup_demo(argv: list[str]) -> int:
    """migrate + demo if empty + print logins (used by the README's run command)."""
    cmd_migrate([])
    from ecotown.core import demo
    from ecotown.core.models import SiteState

    if demo.is_empty():
        cmd_demo(["--if-empty"] + argv)
    elif SiteState.is_demo():
        print_logins()
    return 0


def _leave_sigint_to_the_master(worker) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cmd_serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecotown serve", description="Serve EcoTown with gunicorn.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    from ecotown.core.models import SiteState

    if settings.PRODUCTION and SiteState.is_demo():
        print("Refusing to start as production (ECOTOWN_PRODUCTION=1): this database is marked as a demo. "
              "Use a fresh database for production.", file=sys.stderr)
        return 2
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)
            # Ctrl-C in a terminal signals the whole process group: the web workers leave it to the
            # master, which stops them at once (a worker that also handled the SIGINT itself sat
            # idle until gunicorn killed it 30 s later)
            self.cfg.set("post_worker_init", _leave_sigint_to_the_master)

        def load(self):
            from ecotown.web.wsgi import application

            return application

    if SiteState.is_demo():
        print("EcoTown demo — not for production data.")
    warn_if_no_worker()
    from django.db import connection

    if not connection.in_atomic_block:
        connection.close()  # the web workers are forked from this process: none inherits its connection
    print(f"EcoTown at http://{args.host}:{args.port}/", flush=True)
    App().run()
    return 0


def warn_if_no_worker(wait: float | None = None) -> bool:
    """Print a warning (Thai and English) when queued work would not run: no `ecotown worker` has
    beaten within ECOTOWN_WORKER_WAIT_SECONDS (a worker started just before gets that long).
    Returns True when it warned."""
    from django.utils import translation
    from django.utils.translation import gettext

    from ecotown.core import worker

    if not worker.needs_worker():
        return False
    deadline = time.monotonic() + (settings.ECOTOWN_WORKER_WAIT_SECONDS if wait is None else wait)
    while worker.missing():
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    else:
        return False
    lines = []
    for lang in ("th", "en"):
        with translation.override(lang):
            lines.append("!! " + gettext("No background worker is running: imports, e-mails and reminders stay "
                                         "queued until one starts. Start it with: ecotown worker"))
    print("\n".join(lines), file=sys.stderr, flush=True)
    return True


def cmd_worker(argv: list[str]) -> int:
    """`ecotown worker`: run queued jobs, beat, and queue the daily jobs (ecotown.core.worker);
    `ecotown worker --once`: do it until the queue is empty, then stop."""
    from ecotown.core import worker

    if "--once" in argv:
        n = worker.process_once(worker.new_worker_id())
        print(f"{n} background jobs run")
        return 0
    return worker.run_worker(argv)
