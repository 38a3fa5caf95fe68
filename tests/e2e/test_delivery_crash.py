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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.adapters.notifiers import NullNotifier
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.testing import sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice
    from smtp_server import SmtpServer

pytestmark = pytest.mark.e2e

NOW = "2026-03-02T10:00:00+01:00"
LATER = "2026-03-02T10:11:00+01:00"  # past the 10 minutes after which a claim is taken over


REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
PAST_DEADLINE = "2026-03-10T10:00:00+01:00"  # accepted on 2 March, 7 days to pay
PAST_DEADLINE_LATER = "2026-03-10T10:11:00+01:00"


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
        for n in range(requests):  # a client each
            app.create_demande(sample_answers(seed=n), to=[provider.id or 0])
        return [m.id or 0 for m in app.outbox() if m.channel == "email"]


def accepted_dossiers(db: str, files: Path | None, count: int) -> None:
    """``count`` dossiers accepted on 2 March (their messages delivered to nowhere)."""
    clock = FixedClock(datetime.fromisoformat(NOW))
    with Domicili(
        db, files=files, settings=Settings(), notifier=NullNotifier(), clock=clock
    ) as app:
        provider = app.add_provider(**sample_provider(1))
        for n in range(count):
            answers = sample_answers(seed=n)
            _client, (dossier,) = app.create_demande(answers, to=[provider.id or 0])
            for kind in REQUIRED:
                app.add_justificatif(dossier.id or 0, kind, sample_pdf(kind), f"{kind}.pdf")
            app.review(dossier.id or 0, validate=REQUIRED)
            app.accept(dossier.id or 0)


def run_until_received(command: list[str], env: dict[str, str], server: SmtpServer, n: int) -> None:
    """Start ``command``, and kill -9 it once the server has received ``n`` emails (the
    last one not acknowledged yet: in flight)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    give_up = time.monotonic() + 60
    while len(server.mailbox.received) < n and time.monotonic() < give_up:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert len(server.mailbox.received) == n


def command_env(db: str, files: Path | None, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    env |= {"DOMICILI_DB": db, "DOMICILI_NOW": NOW, "DOMICILI_CONFIG": str(config)}
    if files is not None:
        env["DOMICILI_FILES"] = str(files)
    return env


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
    env = command_env(db, files, slow_smtp.config(tmp_path / "smtp.toml", deadline=60))
    command = [installed_command(), "outbox", "deliver"]
    run_until_received(command, env, slow_smtp, 3)
    box = slow_smtp.mailbox
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


def test_a_killed_sweep_rerun_sends_every_email_and_only_the_one_in_flight_twice(
    tmp_path: Path, store: StoreChoice, slow_smtp: SmtpServer
) -> None:
    db, files = store.shared()
    accepted_dossiers(db, files, count=4)
    env = command_env(db, files, slow_smtp.config(tmp_path / "smtp.toml", deadline=60))
    command = [installed_command(), "sweep"]
    run_until_received(command, {**env, "DOMICILI_NOW": PAST_DEADLINE}, slow_smtp, 2)
    before = slow_smtp.mailbox.message_ids()

    rerun = subprocess.run(
        command, env={**env, "DOMICILI_NOW": PAST_DEADLINE_LATER},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    with Domicili(db, files=files, settings=Settings(), create=False) as app:
        assert {d.status.code for d in app.list_dossiers()} == {"S8"}
        emails = [m for m in app.outbox(status="sent") if m.template == "expired"]
        emails = [m for m in emails if m.channel == "email"]
        identity = app.store.database_identity()
    assert len(emails) == 4
    after = slow_smtp.mailbox.message_ids()
    assert set(after) == {f"<outbox-{m.id}.{identity}@lumiere.example>" for m in emails}
    twice = [mid for mid, n in Counter(after).items() if n > 1]
    assert twice == [before[-1]]
    assert len(after) == len(emails) + 1
