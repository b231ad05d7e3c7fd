"""All or nothing against real failures (PostgreSQL): the import command killed mid-save, or its database
connection cut, leaves nothing behind; the same file then imports normally (it was not recorded as done)."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _big_csv(path, n: int) -> None:
    lines = ["period_start,period_end,activity,quantity,unit,meter"]
    for i in range(n):
        y, m = 2000 + (i // 12) % 25, i % 12 + 1
        lines.append(f"{y}-{m:02d}-01,,grid_electricity,{100 + i % 50},kWh,M{i // 300}")
    path.write_text("\n".join(lines) + "\n")


def _counts():
    from ecotown.core.models import ChangeRecord, UploadedFile
    from ecotown.reporting.models import ActivityRecord, ImportBatch

    return (ActivityRecord.objects.count(), ImportBatch.objects.count(), ChangeRecord.objects.count(),
            UploadedFile.objects.count())


def _start(tmp_path, org_id, path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "ECOTOWN_DATA_DIR": str(tmp_path / "data"), "ECOTOWN_TESTING": "0",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen([sys.executable, "-m", "ecotown.cli", "import", "activities", str(path), "--org", str(org_id),
                             "--format", "json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_saving(proc) -> str:
    """Read progress lines until rows are being saved (inside the transaction)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if line.startswith("saving "):
            done, total = map(int, line.split()[1].split("/"))
            if 0 < done < total:
                return line
    raise AssertionError("the import never reached the saving step: " + proc.stderr.read()[-2000:])


@pytest.fixture
def factory(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    from django.contrib.contenttypes.models import ContentType

    # a transactional test flushes the database, content types get new ids: drop the cached ones
    ContentType.objects.clear_cache()
    from ecotown.core import history
    from ecotown.registry.models import FactoryDetail, Kind, Organisation

    A = history.save(None, Organisation(kind=Kind.AUTHORITY, name_th="A", name_en="A", code="A"))
    E = history.save(None, Organisation(kind=Kind.ESTATE, name_th="E", name_en="E", code="E", parent=A))
    F = history.save(None, Organisation(kind=Kind.FACTORY, name_th="F", name_en="F", parent=E))
    history.save(None, FactoryDetail(organisation=F, diw_number="10200000125456"))
    yield F
    ContentType.objects.clear_cache()


def test_killed_mid_import_leaves_nothing(factory, tmp_path):
    path = tmp_path / "big.csv"
    _big_csv(path, 40000)
    before = _counts()
    proc = _start(tmp_path, factory.pk, path)
    line = _wait_for_saving(proc)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, line
    for _ in range(50):  # the server rolls the killed session back
        if _counts() == before:
            break
        time.sleep(0.1)
    assert _counts() == before
    # the same file is not "already imported": it goes in normally
    proc = _start(tmp_path, factory.pk, path)
    out, err = proc.communicate(timeout=300)
    assert (proc.returncode, json.loads(out)) == (0, {"accepted": 40000}), err[-2000:]
    from ecotown.reporting.models import ActivityRecord

    assert ActivityRecord.objects.filter(organisation=factory, is_current=True).count() == 40000
    assert ActivityRecord.objects.filter(period_start=dt.date(2000, 1, 1)).count() > 0


def test_lost_connection_mid_import_leaves_nothing(factory, tmp_path):
    path = tmp_path / "big.csv"
    _big_csv(path, 40000)
    before = _counts()
    proc = _start(tmp_path, factory.pk, path)
    _wait_for_saving(proc)
    with connection.cursor() as c:
        c.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() "
                  "and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')")
        assert c.fetchall(), "no import session to cut"
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert _counts() == before
