"""Benchmarks of the dossier core; prints ratios measured in one run.

    python benchmarks/bench_core.py [--quick]

(a) ``domicili --help`` cold start against ``sqlite-utils --help``   target <= 0.6
(b) accept/dismiss through the facade against a raw-sqlite3 floor
    doing the same writes (status update, event, queued messages)      target >= 0.5
(c) ``sweep`` on 100k dossiers against 10k, the same number due       target <= 1.5

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domicili import Domicili
from domicili.adapters.notifiers import NullNotifier
from domicili.clock import FixedClock, iso
from domicili.config import Settings
from domicili.testing import sample_answers, sample_pdf, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PIECES = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


def _cold(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_help(runs: int) -> None:
    bindir = Path(sys.executable).parent
    ours = _cold([str(bindir / "domicili"), "--help"], runs)
    peer_path = shutil.which("sqlite-utils", path=str(bindir)) or shutil.which("sqlite-utils")
    assert peer_path, "sqlite-utils command not found"
    peer = _cold([peer_path, "--help"], runs)
    print(
        f"(a) domicili --help {ours * 1000:6.1f} ms | sqlite-utils --help {peer * 1000:6.1f} ms"
        f" | ratio {ours / peer:.2f} (target <= 0.6)"
    )


def _app(db: Path, clock: FixedClock) -> Domicili:
    return Domicili(db, settings=Settings(), clock=clock, notifier=NullNotifier())


def _prepare(app: Domicili, n: int) -> list[int]:
    """n dossiers in S1 with every required piece validated."""
    provider = app.add_provider(**sample_provider())
    assert provider.id is not None
    docs = {kind: (sample_pdf(kind), f"{kind}.pdf") for kind in PIECES}
    ids = []
    for _ in range(n):
        _, dossiers = app.create_demande(sample_answers(), to=[provider.id], documents=docs)
        dossier_id = dossiers[0].id
        assert dossier_id is not None
        app.review(dossier_id, validate=PIECES)
        ids.append(dossier_id)
    return ids


def bench_transitions(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(START)
        app = _app(Path(tmp) / "facade.db", clock)
        ids = _prepare(app, n)
        t = time.perf_counter()
        for i, dossier_id in enumerate(ids):
            if i % 2:
                app.dismiss(dossier_id, "Capacité atteinte")
            else:
                app.accept(dossier_id)
        facade = n / (time.perf_counter() - t)
        app.close()

        # The floor: the same rows written with raw sqlite3, in the same two transactions
        # per decision — the change (status, its event with the hash link, the queued email,
        # plus the SMS for an acceptance), then the messages marked delivered.
        conn = sqlite3.connect(Path(tmp) / "facade.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("UPDATE dossiers SET status='pending_review'")
        now = iso(START)
        # Messages and events of the same size as the facade's.
        subject, body = conn.execute(
            "SELECT subject, body FROM outbox WHERE template = 'accepted' LIMIT 1"
        ).fetchone()
        data = conn.execute(
            "SELECT data FROM events WHERE type = 'dossier.accept' LIMIT 1"
        ).fetchone()[0]
        t = time.perf_counter()
        for i, dossier_id in enumerate(ids):
            conn.execute("BEGIN IMMEDIATE")
            status = "dismissed" if i % 2 else "awaiting_payment"
            conn.execute(
                "UPDATE dossiers SET status=?, updated_at=? WHERE id=?", (status, now, dossier_id)
            )
            prev = conn.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()[0]
            digest = hashlib.sha256(f"{prev}{now}{dossier_id}".encode()).hexdigest()
            conn.execute(
                "INSERT INTO events (at, type, dossier_id, provider_id, data, prev_hash,"
                " hash) VALUES (?, ?, ?, 1, ?, ?, ?)",
                (now, "dossier.bench", dossier_id, data, prev, digest),
            )
            queued = [
                conn.execute(
                    "INSERT INTO outbox (channel, recipient, subject, body, template, dossier_id,"
                    " provider_id, status, attempts, created_at, claimed_at) VALUES"
                    " ('email', 'c@example.fr', ?, ?, 'accepted', ?, 1, 'sending', 1, ?, ?)",
                    (subject, body, dossier_id, now, now),
                ).lastrowid
                for _ in range(1 if i % 2 else 2)
            ]
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "UPDATE outbox SET status='sent', sent_at=?, last_error=NULL WHERE id=?",
                [(now, q) for q in queued],
            )
            conn.execute("COMMIT")
        raw = n / (time.perf_counter() - t)
        conn.close()
    print(
        f"(b) transitions/s facade {facade:8.0f} | raw sqlite3 floor {raw:8.0f}"
        f" | ratio {facade / raw:.2f} (target >= 0.5)"
    )


def _seed_sweep(db: Path, total: int, due: int) -> Domicili:
    """total dossiers in S2 of which ``due`` have a deadline before now (bulk-loaded)."""
    clock = FixedClock(START)
    app = _app(db, clock)
    _prepare(app, 1)
    conn = app.store.conn
    conn.execute("BEGIN IMMEDIATE")
    far = iso(START + timedelta(days=30))
    past = iso(START - timedelta(hours=1))
    conn.executemany(
        "INSERT INTO dossiers (provider_id, client_id, status, amount_due_cents, payment_due_at,"
        " created_at, updated_at) VALUES (1, 1, 'awaiting_payment', 12600, ?, ?, ?)",
        [(past if i < due else far, iso(START), iso(START)) for i in range(total)],
    )
    conn.execute("COMMIT")
    return app


def bench_sweep(small: int, large: int, due: int) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for total in (small, large):
            app = _seed_sweep(Path(tmp) / f"sweep-{total}.db", total, due)
            t = time.perf_counter()
            report = app.sweep()
            results[total] = time.perf_counter() - t
            assert len(report.expired) == due, report
            app.close()
    ratio = results[large] / results[small]
    print(
        f"(c) sweep {large:,} dossiers {results[large] * 1000:7.1f} ms | {small:,} dossiers "
        f"{results[small] * 1000:7.1f} ms ({due} due each) | ratio {ratio:.2f} (target <= 1.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    bench_help(5 if args.quick else 15)
    bench_transitions(100 if args.quick else 400)
    bench_sweep(10_000, 100_000, 50 if args.quick else 200)


if __name__ == "__main__":
    main()
