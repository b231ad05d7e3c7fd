"""The platform as `bash scripts/run` starts it: the database queue (not the tests' run-at-once
backend), a real `ecotown worker` under the script's supervisor and `ecotown serve`, on a fresh SQLite
data folder with the demo data. The tests run in order on one platform:

1. factory-a uploads a workbook; the background worker imports it and the page reaches the finished
   state with the right row count (Thai and English, 1366 and 360 px); the e-mails of the day's
   reminders (queued by the worker's scheduler) are sent by the worker through Django's mail backend;
2. the worker is killed: the supervisor starts a new one;
3. the supervisor is stopped (no worker): an upload shows the "no background worker" banner and
   `ecotown serve` warns at start; a worker started by hand then finishes the import;
4. Ctrl-C (SIGINT to the script's process group, as a terminal sends it) stops everything.
Screenshots: test-artifacts/platform-*.png."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, ROOT, _free_port, shot, sign_in

RUN = ROOT / "scripts" / "run"


def _sigint_default():
    """Ctrl-C as in a terminal: SIGINT at its default in scripts/run. A test run started in the background
    of a non-interactive shell (`nohup .ci/run &`) inherits SIGINT ignored, and bash can never trap a signal
    that was ignored when it started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _env(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ECOTOWN_TASK_BACKEND", "PYTEST_CURRENT_TEST"}}
    env.update(ECOTOWN_DATA_DIR=str(data), ECOTOWN_TESTING="0", PYTHONUNBUFFERED="1",
               PATH=f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
               # the daily jobs are due from midnight: the first worker queues them, no later one again
               ECOTOWN_REMINDERS_AT="00:00", ECOTOWN_RETENTION_AT="00:00",
               # every e-mail the worker sends becomes a file here
               ECOTOWN_EMAIL_DIR=str(data / "mail"))
    return env


def _worker_state(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz/worker", timeout=2) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def platform():
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.fail("scripts/run uses the project's .venv: create it (bash scripts/test does)")
    data = Path(tempfile.mkdtemp(prefix="ecotown-platform-"))
    env = _env(data)
    cli = [sys.executable, "-m", "ecotown.cli"]
    subprocess.run(cli + ["demo", "--factories", "80"], env=env, check=True, capture_output=True, cwd=data)
    port = _free_port()
    log = open(data / "run.log", "w")
    # its own session, as a terminal runs it: Ctrl-C there signals the script's whole process group
    proc = subprocess.Popen(["bash", str(RUN)], env={**env, "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT,
                            cwd=data, start_new_session=True,
                            preexec_fn=_sigint_default)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _worker_state(url)[0] == 200 and _worker_state(url)[1]["worker"] == "running", 120,
              "the server and its worker")
        supervisor = int(_wait(lambda: re.search(r"supervisor pid (\d+)", (data / "run.log").read_text()), 10,
                               "the supervisor's pid").group(1))
    except AssertionError:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("scripts/run did not start: " + (data / "run.log").read_text()[-3000:])
    yield {"url": url, "data": data, "proc": proc, "supervisor": supervisor, "env": env, "log": data / "run.log"}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in _children(supervisor):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(data, ignore_errors=True)


def _workbook(page, tmp_path, n_rows: int, quantity: int) -> Path:
    with page.expect_download() as d:
        page.locator("[data-testid=template-link]").click()
    template = tmp_path / "template.xlsx"
    d.value.save_as(template)
    wb = openpyxl.load_workbook(template)
    ws = wb["data"]
    year = dt.date.today().year - 1
    for i in range(n_rows):
        row = 2 + i
        ws.cell(row=row, column=1, value=dt.datetime(year, i + 1, 1))
        ws.cell(row=row, column=2).value = None
        ws.cell(row=row, column=3, value="steam | ไอน้ำที่ซื้อ | Purchased steam")
        ws.cell(row=row, column=4, value=quantity + i)
        ws.cell(row=row, column=5, value="GJ")
        ws.cell(row=row, column=6, value=f"BOILER-{quantity}")
        ws.cell(row=row, column=7).value = None
    out = tmp_path / f"steam-{quantity}.xlsx"
    wb.save(out)
    return out


def _open_reporting(page, url) -> str:
    sign_in(page, url, "factory-a")
    page.goto(url + "/reporting/")
    page.wait_for_url(re.compile(r"/reporting/org/\d+/"))
    return page.url.split("?")[0]


def _upload(page, org_url, path: Path) -> None:
    page.goto(org_url)
    page.locator("[data-testid=upload-form] input[type=file]").set_input_files(str(path))
    page.locator("[data-testid=upload-form] button").click()
    page.wait_for_url(re.compile(r"/reporting/jobs/"))


def _fits_360(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide at 360px"


def _english(page) -> None:
    page.locator("[data-testid=language-switch] button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_an_upload_is_imported_by_the_background_worker(platform, browser, tmp_path):
    url = platform["url"]
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        org_url = _open_reporting(page, url)
        _upload(page, org_url, _workbook(page, tmp_path, 9, 500))
        job = page.locator("[data-testid=job]")
        expect(page.locator("[data-testid=import-accepted]")).to_have_text(
            "รับข้อมูล 9 แถว และบันทึกเป็นฉบับร่างแล้ว", timeout=60000)
        expect(job.locator("[data-testid=worker-missing]")).to_have_count(0)
        shot(page, "platform-import-done-th-1366")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        expect(page.locator("[data-testid=import-accepted]")).to_be_visible()
        _fits_360(page)
        shot(page, "platform-import-done-th-360")
        page.set_viewport_size({"width": 1366, "height": 900})
        _english(page)   # (the language switch is in the menu at 360 px)
        expect(page.locator("[data-testid=import-accepted]")).to_have_text("9 rows accepted and saved as drafts.")
        shot(page, "platform-import-done-en-1366")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        _fits_360(page)
        shot(page, "platform-import-done-en-360")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.locator("[data-testid=language-switch] button").click()   # leave factory-a in Thai
        expect(page.locator("html")).to_have_attribute("lang", "th")
    finally:
        context.close()
    # the worker ran it: the queue's record of the job says so
    log = platform["log"].read_text()
    assert re.search(r"path=ecotown\.reporting\.tasks\.run_import state=SUCCESSFUL", log), log[-2000:]


def _sent_emails(data: Path) -> tuple[int, int]:
    """(e-mail jobs the worker finished, e-mails written by Django's mail backend)."""
    import sqlite3

    with sqlite3.connect(f"file:{data / 'ecotown.sqlite3'}?mode=ro", uri=True) as db:
        (jobs,) = db.execute("select count(*) from django_tasks_database_dbtaskresult where task_path = "
                             "'ecotown.core.tasks.send_email' and status = 'SUCCESSFUL'").fetchone()
        (waiting,) = db.execute("select count(*) from django_tasks_database_dbtaskresult where task_path = "
                                "'ecotown.core.tasks.send_email' and status in ('READY', 'RUNNING')").fetchone()
    # Django's file backend appends to a file named by the second and the backend object's id, so two
    # e-mails can share a file: count the messages (each ends with a line of 79 dashes), not the files
    files = sum(p.read_bytes().count(b"\n" + b"-" * 79 + b"\n") for p in (data / "mail").glob("*.log")) \
        if (data / "mail").exists() else 0
    return (jobs, files) if waiting == 0 else (-1, files)


def test_the_worker_sends_the_queued_emails(platform):
    """The day's reminders (queued by the worker's scheduler at start: due from midnight here) notify
    the demo's late factories and their estate manager; each e-mail is queued and sent by the worker
    through Django's mail backend (files in ECOTOWN_EMAIL_DIR)."""
    jobs, files = _wait(lambda: (lambda r: r if r[0] >= 0 and r[0] == r[1] else None)(_sent_emails(platform["data"])),
                        240, "the queued e-mails to be sent")
    assert jobs >= 1, "the demo's reminders sent no e-mail"
    text = next((platform["data"] / "mail").glob("*.log")).read_text()
    assert "\nSubject: " in text and "\nFrom: EcoTown <no-reply@ecotown.invalid>" in text
    assert re.search(r"\nTo: [\w.-]+@demo\.ecotown\.invalid", text)


def test_a_killed_worker_is_restarted(platform):
    sup = platform["supervisor"]
    (old,) = _children(sup)
    os.kill(old, signal.SIGKILL)
    new = _wait(lambda: [p for p in _children(sup) if p != old and _alive(p)], 30, "a new worker")
    assert len(new) == 1 and new[0] != old
    assert "!! background worker stopped (exit 137); restarting it in 2 s" in platform["log"].read_text()
    _wait(lambda: len(re.findall(r"EcoTown worker \S+ running", platform["log"].read_text())) == 2, 30,
          "the new worker's start (it beats first)")
    status, body = _worker_state(platform["url"])
    assert (status, body["worker"]) == (200, "running")
    # the daily jobs were queued by the first worker, once: the restarted one does not queue them again
    log = platform["log"].read_text()
    assert len(re.findall(r"scheduled job reporting_reminders queued for ", log)) == 1
    assert len(re.findall(r"scheduled job pdpa_retention queued for ", log)) == 1
    assert re.search(r"path=ecotown\.core\.tasks\.apply_pdpa_retention state=SUCCESSFUL", log)


def test_without_a_worker_the_page_says_so_and_serve_warns(platform, browser, tmp_path):
    url, sup = platform["url"], platform["supervisor"]
    worker_pid = _children(sup)[0]
    os.kill(sup, signal.SIGTERM)          # stop the supervisor: it stops the worker and does not restart it
    _wait(lambda: not _alive(sup) and not _alive(worker_pid), 30, "the supervisor and the worker to stop")
    # (the worker killed in the previous test counts until its last beat is 30 s old)
    _wait(lambda: _worker_state(url)[0] == 503, 45, "no worker to be seen")
    status, body = _worker_state(url)
    assert (status, body["worker"], body["workers"]) == (503, "stopped", 0)

    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    hand_started = None
    try:
        org_url = _open_reporting(page, url)
        _upload(page, org_url, _workbook(page, tmp_path, 4, 700))
        banner = page.locator("[data-testid=worker-missing]")
        expect(banner).to_have_text("ไม่มีตัวประมวลผลเบื้องหลังทำงานอยู่ — ไฟล์ที่อัปโหลดอยู่ในคิวแล้ว "
                                    "และจะประมวลผลเมื่อตัวประมวลผลเริ่มทำงาน โปรดแจ้งผู้ดูแลระบบ")
        expect(page.locator("[data-testid=job-step]")).to_have_text("รอคิวประมวลผล…")
        shot(page, "platform-no-worker-th-1366")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        expect(banner).to_be_visible()
        _fits_360(page)
        shot(page, "platform-no-worker-th-360")
        page.set_viewport_size({"width": 1366, "height": 900})
        _english(page)
        expect(banner).to_have_text("No background worker is running — your upload is queued and will run when it "
                                    "starts. Please tell the system administrator.")
        expect(page.locator("[data-testid=job-step]")).to_have_text("Waiting in the queue…")
        shot(page, "platform-no-worker-en-1366")
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        expect(banner).to_be_visible()
        _fits_360(page)
        shot(page, "platform-no-worker-en-360")
        page.set_viewport_size({"width": 1366, "height": 900})

        # `ecotown serve` started now warns, in Thai and English
        port = _free_port()
        serve = subprocess.Popen([sys.executable, "-m", "ecotown.cli", "serve", "--port", str(port), "--workers", "1"],
                                 env={**platform["env"], "ECOTOWN_WORKER_WAIT_SECONDS": "0"}, cwd=platform["data"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        try:
            for line in serve.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("EcoTown at "):
                    break
        finally:
            serve.terminate()
            serve.wait(timeout=20)
        assert ("!! ไม่มีตัวประมวลผลเบื้องหลังทำงานอยู่ งานนำเข้าข้อมูล อีเมล และการแจ้งเตือนจะค้างอยู่ในคิว"
                "จนกว่าจะเริ่มทำงาน สั่งเริ่มได้ด้วยคำสั่ง: ecotown worker") in lines, lines
        assert ("!! No background worker is running: imports, e-mails and reminders stay queued until one starts. "
                "Start it with: ecotown worker") in lines, lines

        # a worker started by hand: the banner goes and the import finishes on the same page
        hand_started = subprocess.Popen([sys.executable, "-m", "ecotown.cli", "worker"], env=platform["env"],
                                        cwd=platform["data"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        expect(page.locator("[data-testid=import-accepted]")).to_have_text("4 rows accepted and saved as drafts.",
                                                                          timeout=60000)
        expect(banner).to_have_count(0)
        page.locator("[data-testid=language-switch] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "th")
    finally:
        context.close()
        if hand_started is not None:
            hand_started.terminate()
            assert hand_started.wait(timeout=30) == 0   # a clean stop: the job in hand finished first
    _wait(lambda: _worker_state(url)[1]["worker"] == "stopped", 10, "the stopped worker to be seen")


def _group_left(pgid: int) -> list[int]:
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit() and _alive(int(p)):
            try:
                if os.getpgid(int(p)) == pgid:
                    out.append(int(p))
            except OSError:
                pass
    return out


def test_ctrl_c_stops_the_web_server_and_the_worker(platform):
    """scripts/run again on the same data (the demo is kept): Ctrl-C stops the server, the supervisor
    and its worker within seconds, and the script exits 130 as an interrupted command does."""
    data, port = platform["data"], _free_port()
    log = open(data / "run2.log", "w")
    proc = subprocess.Popen(["bash", str(RUN)], env={**platform["env"], "PORT": str(port)}, stdout=log,
                            stderr=subprocess.STDOUT, cwd=data, start_new_session=True,
                            preexec_fn=_sigint_default)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _worker_state(url)[1]["worker"] == "running", 120,
              "the second platform")
        sup = int(re.search(r"supervisor pid (\d+)", (data / "run2.log").read_text()).group(1))
        (worker_pid,) = _children(sup)
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)      # what Ctrl-C in the terminal does
        code = proc.wait(timeout=30)
        assert code == 130, (data / "run2.log").read_text()[-3000:]
        assert time.monotonic() - started < 15
        assert not _alive(sup) and not _alive(worker_pid)
        assert _group_left(proc.pid) == []
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/healthz", timeout=2)
        assert "Received Terminated - shutting down gracefully" in (data / "run2.log").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # and the first one, whose worker was stopped earlier
    first = platform["proc"]
    os.killpg(first.pid, signal.SIGINT)
    assert first.wait(timeout=30) == 130
    assert _group_left(first.pid) == []
