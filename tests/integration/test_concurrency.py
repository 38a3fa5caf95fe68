"""Several processes working on the same database (a SQLite file, a PostgreSQL server) at once.

Each worker is a separate process (spawn) with its own connection: it accepts,
dismisses and sweeps its own dossiers while the others do the same. No command may
fail on "database is locked", no message may be delivered twice, and the audit chain
must still verify afterwards.
"""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.statuses import Status
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
WORKERS = 4
PER_WORKER = 6


def work(db: str, files: Path | None, dossier_ids: list[int], barrier: Any, results: Any) -> None:
    """In a child process: accept or dismiss each dossier, sweeping in between."""
    problems: list[str] = []
    clock = FixedClock(START)
    try:
        with Domicili(db, files=files, settings=Settings(), clock=clock) as app:
            barrier.wait(timeout=60)  # every worker starts writing at the same moment
            for n, dossier_id in enumerate(dossier_ids):
                try:
                    if n % 3 == 2:
                        app.dismiss(dossier_id, "Capacité d'accueil atteinte")
                    else:
                        app.accept(dossier_id)
                    app.sweep()
                    app.verify_audit()
                except Exception:
                    problems.append(traceback.format_exc())
            clock.advance(days=5)  # every accepted dossier is now due for its first reminder
            app.sweep()
    except Exception:
        problems.append(traceback.format_exc())
    results.put(problems)


def prepare(db: str, files: Path | None) -> list[int]:
    """Two providers and WORKERS × PER_WORKER dossiers, every required piece validated."""
    app, _clock, _notifier = make_app(db, files=files, start=START)
    ids: list[int] = []
    with app:
        providers = [app.add_provider(**sample_provider(n)).id or 0 for n in (1, 2)]
        for n in range(WORKERS * PER_WORKER // 2):
            _client, dossiers = app.create_demande(sample_answers(seed=n), to=providers)
            for dossier in dossiers:
                assert dossier.id is not None
                for kind in KINDS:
                    app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
                app.review(dossier.id, validate=KINDS)
                ids.append(dossier.id)
    return ids


def test_processes_working_on_one_database_never_fail_on_a_lock(store: StoreChoice) -> None:
    db, files = store.shared("partage.db")
    ids = prepare(db, files)
    with Domicili(db, files=files, settings=Settings(), clock=FixedClock(START)) as app:
        prepared = len(app.outbox())
    shares = [ids[n::WORKERS] for n in range(WORKERS)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=work, args=(db, files, share, barrier, results)) for share in shares
    ]
    for process in workers:
        process.start()
    problems = [p for _ in workers for p in results.get(timeout=120)]
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    results.close()
    results.join_thread()
    assert problems == [], "\n".join(problems)

    with Domicili(db, files=files, settings=Settings(), clock=FixedClock(START)) as app:
        report = app.verify_audit()
        assert report.ok, report
        statuses = {d.id: d.status for d in app.list_dossiers()}
        for share in shares:
            for n, dossier_id in enumerate(share):
                expected = Status.DISMISSED if n % 3 == 2 else Status.AWAITING_PAYMENT
                assert statuses[dossier_id] is expected
        messages = app.outbox()
        assert {m.status for m in messages} == {"sent"}
        reminders = [
            m for m in messages if m.template == "payment_reminder" and m.channel == "email"
        ]
        accepted = [d for d, s in statuses.items() if s is Status.AWAITING_PAYMENT]
        # Four sweeps ran at +5 days: still exactly one reminder per accepted dossier.
        assert sorted(m.dossier_id for m in reminders) == sorted(accepted)
        # Messages of the workers (the set-up used a recording notifier): one file each.
        written = sorted(int(p.name.split("-", 1)[0]) for p in app.outbox_dir.iterdir())
        assert written == sorted(m.id for m in messages if m.id and m.id > prepared)
        if not store.is_postgres:
            assert app.store.execute("PRAGMA integrity_check")[0][0] == "ok"
        due = [d.payment_due_at for d in app.list_dossiers(Status.AWAITING_PAYMENT)]
        assert set(due) == {START + timedelta(days=7, hours=13, minutes=59, seconds=59)}
