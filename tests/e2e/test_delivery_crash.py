"""kill -9 in the middle of ``domicili outbox deliver`` (the installed command), then a rerun:
every email arrives, and only the one in flight at the kill arrives twice, with the same
Message-ID, so that the receiving server can tell the copy."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.adapters.notifiers import NullNotifier
from domicili.app import Domicili
from domicili.config import Settings
from domicili.testing import sample_answers, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice
    from smtp_server import SmtpServer

pytestmark = pytest.mark.e2e

NOW = "2026-03-02T10:00:00+01:00"
LATER = "2026-03-02T10:11:00+01:00"  # past the 10 minutes after which a claim is taken over


def installed_command() -> str:
    found = shutil.which("domicili") or str(Path(sys.executable).parent / "domicili")
    assert Path(found).is_file(), "the domicili command is not installed"
    return found


def queued_emails(db: str, files: Path | None, requests: int) -> list[int]:
    """``requests`` requests whose emails wait in the outbox, none delivered yet."""
    with Domicili(
        db, files=files, settings=Settings(), notifier=NullNotifier(), auto_deliver=False
    ) as app:
        provider = app.add_provider(**sample_provider(1))
        for _ in range(requests):
            app.create_demande(sample_answers(), to=[provider.id or 0])
        return [m.id or 0 for m in app.outbox() if m.channel == "email"]


def outbox_rows(db: str, files: Path | None) -> tuple[dict[int, str], str]:
    """Each message's status, and the database's identity (part of each Message-ID)."""
    with Domicili(db, files=files, settings=Settings(), create=False) as app:
        return {m.id or 0: m.status for m in app.outbox()}, app.store.database_identity()


def test_a_killed_delivery_rerun_sends_every_email_and_only_the_one_in_flight_twice(
    tmp_path: Path, store: StoreChoice, slow_smtp: SmtpServer
) -> None:
    db, files = store.shared()
    ids = queued_emails(db, files, requests=4)
    assert len(ids) == 8
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    env |= {"DOMICILI_DB": db, "DOMICILI_NOW": NOW}
    env["DOMICILI_CONFIG"] = str(slow_smtp.config(tmp_path / "smtp.toml", deadline=60))
    if files is not None:
        env["DOMICILI_FILES"] = str(files)
    command = [installed_command(), "outbox", "deliver"]

    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
    box = slow_smtp.mailbox
    give_up = time.monotonic() + 60
    while len(box.received) < 3 and time.monotonic() < give_up:
        time.sleep(0.005)
    # The third email is received, its acknowledgement 0.3 s away: in flight.
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert first.returncode == -signal.SIGKILL
    before = box.message_ids()
    assert len(before) == 3

    rerun = subprocess.run(
        command, env={**env, "DOMICILI_NOW": LATER}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    after = box.message_ids()
    statuses, identity = outbox_rows(db, files)
    assert {statuses[i] for i in ids} == {"sent"}
    expected = {f"<outbox-{i}.{identity}@lumiere.example>" for i in ids}
    assert set(after) == expected  # every email, each under its outbox row's Message-ID
    twice = [mid for mid, n in Counter(after).items() if n > 1]
    assert twice == [before[-1]]  # the one in flight at the kill, and only it
    assert len(after) == len(ids) + 1
