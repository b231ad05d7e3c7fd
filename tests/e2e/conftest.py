"""Browser journeys: the real server (`ecotown serve`, gunicorn) on a fresh SQLite database with the
demo data, driven by Playwright in Debian's Chromium (never a downloaded browser).
Screenshots go to test-artifacts/ as evidence."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("ECOTOWN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    data = Path(tempfile.mkdtemp(prefix="ecotown-e2e-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(ECOTOWN_DATA_DIR=str(data), ECOTOWN_TESTING="0", PYTHONUNBUFFERED="1",
               ECOTOWN_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
               # an export of more rows than the estate manager's (the demo estate's factories) and fewer than
               # the authority's (all 80) goes to the background: both paths in the browser
               ECOTOWN_INLINE_EXPORT_ROWS="60")
    cli = [sys.executable, "-m", "ecotown.cli"]
    subprocess.run(cli + ["demo", "--factories", "80"], env=env, check=True, capture_output=True, cwd=data)
    port = _free_port()
    log = open(data / "serve.log", "w")
    proc = subprocess.Popen(cli + ["serve", "--port", str(port), "--workers", "1"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=data)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError("server did not start: " + (data / "serve.log").read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (scripts/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, server, username: str) -> None:
    page.goto(server + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.locator("form button.btn-success").click()
    page.wait_for_url(server + "/")
    # journeys share the demo users: start every journey in Thai, whatever an earlier one chose
    if page.locator("html").get_attribute("lang") != "th":
        page.locator("[data-testid=language-switch] button").click()
        page.wait_for_function("document.documentElement.lang === 'th'")
