"""Benchmarks of the dossier core; prints ratios measured in one run.

    python benchmarks/bench_core.py [--quick]

(a) ``domicili --help`` cold start against ``sqlite-utils --help``   target <= 0.6
(b) accept/dismiss through the facade against a raw floor doing what
    any correct accept must do (see ``Floor``), SQLite and PostgreSQL  target >= 0.5
    - "queued": the facade as a web front runs it, messages left to a
      delivery worker (``auto_deliver=False``): the floor's own work
    - "delivered": as the CLI runs it, messages also handed to the
      notifier and marked sent after the commit
(c) ``sweep`` on 100k dossiers against 10k, the same number due       target <= 1.5

(b) alternates batches of the two facades and of the floor on the same database,
several rounds, and prints min / median / max of each and the ratio of the medians. The
PostgreSQL line runs on ``DOMICILI_TEST_PG=postgresql://…`` when set, else on a
throw-away server started as the tests start one (``tests/pg_server.py``); it says why
when there is none (or with ``DOMICILI_TEST_PG=skip``).

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def _app(db: Path, clock: FixedClock, *, deliver: bool = True) -> Domicili:
    return Domicili(
        db, settings=Settings(), clock=clock, notifier=NullNotifier(), auto_deliver=deliver
    )


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


# -- (b) accept/dismiss through the facade against a raw floor ------------------------

#: Pieces the floor checks before an acceptance (those the sample client must give).
REQUIRED = frozenset(PIECES)
NOW = iso(START)
TODAY = START.date().isoformat()
DEADLINE = iso(datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC))
REASON = "Capacité atteinte"
#: The fixed sentences of a decision email, of the size of the real ones.
FILLER = (
    "Dès réception de votre paiement, nous vous adresserons la facture et le contrat de\n"
    "domiciliation à signer électroniquement (par e-mail et SMS).\n\n"
    "Sans paiement à cette date, votre dossier expirera ; il pourra être réactivé sur demande."
)
#: Back to S1 between two batches (outside the timings).
RESET = (
    "UPDATE dossiers SET status = 'pending_review', payment_due_at = NULL, accepted_at = NULL,"
    " dismissal_reason = NULL WHERE id = ?"
)
FLOOR_SQL = {
    "dossier": "SELECT provider_id, client_id, status, amount_due_cents FROM dossiers WHERE id = ?",
    "provider": "SELECT name, email, address, postcode, city, agrement_date, agrement_expires,"
    " suspended FROM providers WHERE id = ?",
    "client": "SELECT name, email, representative FROM clients WHERE id = ?",
    "pieces": "SELECT kind, state FROM justificatifs WHERE dossier_id = ? ORDER BY kind, revision",
    "accept": "UPDATE dossiers SET status = ?, updated_at = ?, payment_due_at = ?,"
    " accepted_at = ? WHERE id = ?",
    "dismiss": "UPDATE dossiers SET status = ?, updated_at = ?, dismissal_reason = ? WHERE id = ?",
    "head": "SELECT hash FROM events ORDER BY id DESC LIMIT 1",
    "event": "INSERT INTO events (at, type, dossier_id, provider_id, data, prev_hash, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "outbox": "INSERT INTO outbox (channel, recipient, subject, body, template, dossier_id,"
    " provider_id, status, attempts, created_at) VALUES ('email', ?, ?, ?, ?, ?, ?, 'pending',"
    " 0, ?)",
}


class Floor:
    """What any correct accept must do, written by hand over the engine's own driver.

    One write transaction (``BEGIN IMMEDIATE`` on SQLite; ``BEGIN`` and the writers'
    advisory lock on PostgreSQL, as the store takes them): read the dossier, its
    provider (agrément) and client, check its pieces, update the status, append the
    chained event, queue one outbox row with a per-dossier text, commit. A dismissal
    does the same without the pieces.
    """

    def __init__(self, conn: Any, *, begin: list[str], mark: str = "?") -> None:
        self.conn, self.begin, self.mark = conn, begin, mark
        self.sql = {name: text.replace("?", mark) for name, text in FLOOR_SQL.items()}

    def reset(self, ids: list[int]) -> None:
        for statement in self.begin:
            self.conn.execute(statement)
        self.conn.cursor().executemany(RESET.replace("?", self.mark), [(i,) for i in ids])
        self.conn.execute("COMMIT")

    def run(self, ids: list[int]) -> None:
        for i, dossier_id in enumerate(ids):
            self.decide(dossier_id, accept=not i % 2)

    def decide(self, dossier_id: int, *, accept: bool) -> None:
        execute, sql = self.conn.execute, self.sql
        for statement in self.begin:
            execute(statement)
        provider_id, client_id, status, cents = execute(sql["dossier"], (dossier_id,)).fetchone()
        if status != "pending_review":
            raise RuntimeError(f"dossier {dossier_id} is {status}")
        p_name, p_email, address, postcode, city, since, expires, suspended = execute(
            sql["provider"], (provider_id,)
        ).fetchone()
        if suspended or not since <= TODAY < expires:
            raise RuntimeError(f"provider {provider_id}: agrément not valid")
        c_name, c_email, representative = execute(sql["client"], (client_id,)).fetchone()
        person = json.loads(representative)
        if accept:
            states = dict(execute(sql["pieces"], (dossier_id,)).fetchall())
            if any(states.get(kind) != "validated" for kind in REQUIRED):
                raise RuntimeError(f"dossier {dossier_id}: pieces missing")
            trigger = "accept"
            execute(sql["accept"], ("awaiting_payment", NOW, DEADLINE, NOW, dossier_id))
            data = {"accepted_at": NOW, "from": "S1", "payment_due_at": DEADLINE, "to": "S2"}
        else:
            trigger = "dismiss"
            execute(sql["dismiss"], ("dismissed", NOW, REASON, dossier_id))
            data = {"dismissal_reason": REASON, "from": "S1", "to": "S7"}
        (prev,) = execute(sql["head"]).fetchone()
        data_json = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        kind = f"dossier.{trigger}"
        link = "\x1f".join([prev, NOW, kind, str(dossier_id), str(provider_id), data_json])
        digest = hashlib.sha256(link.encode()).hexdigest()
        execute(sql["event"], (NOW, kind, dossier_id, provider_id, data_json, prev, digest))
        reference = f"D-{dossier_id:06d}"
        euros, rest = divmod(cents, 100)
        verdict = "accepte de domicilier" if accept else "ne peut donner suite pour"
        body = (
            f"Bonjour {person['first_name']} {person['last_name']},\n\n"
            f"Bonne nouvelle : {p_name} {verdict} {c_name}\n"
            f"à l'adresse {address}, {postcode} {city} (dossier {reference}).\n\n"
            f"Montant du premier paiement : {euros},{rest:02d} € TTC\n"
            f"À régler au plus tard le : lundi 9 mars 2026\n\n{FILLER}\n\n"
            f"Cordialement,\n--\n{p_name}\n{address}, {postcode} {city}\n{p_email}\n"
        )
        subject = f"Votre demande de domiciliation {reference}"
        execute(sql["outbox"], (c_email, subject, body, trigger, dossier_id, provider_id, NOW))
        execute("COMMIT")


def _decide_all(app: Domicili, ids: list[int]) -> None:
    for i, dossier_id in enumerate(ids):
        if i % 2:
            app.dismiss(dossier_id, REASON)
        else:
            app.accept(dossier_id)


def _interleaved(
    apps: dict[str, Domicili], floor: Floor, ids: list[int], rounds: int
) -> dict[str, list[float]]:
    """Decisions per second of each batch: the facades and the floor in turn, the order
    reversed every other round, after one warm-up round of each (not counted)."""
    rates: dict[str, list[float]] = {name: [] for name in [*apps, "floor"]}
    batches: list[tuple[str, Callable[[], None]]] = [
        *((name, lambda app=app: _decide_all(app, ids)) for name, app in apps.items()),
        ("floor", lambda: floor.run(ids)),
    ]
    for r in range(rounds + 1):
        for name, batch in batches if r % 2 else batches[::-1]:
            floor.reset(ids)
            t = time.perf_counter()
            batch()
            elapsed = time.perf_counter() - t
            if r:
                rates[name].append(len(ids) / elapsed)
    return rates


def _lines(engine: str, rates: dict[str, list[float]]) -> str:
    def spread(values: list[float]) -> str:
        return f"{min(values):6.0f} / {statistics.median(values):6.0f} / {max(values):6.0f}"

    floor = rates.pop("floor")
    return "\n".join(
        f"    {engine:<10} {name:<9} {spread(values)} | floor {spread(floor)}"
        f" | ratio {statistics.median(values) / statistics.median(floor):.2f} (target >= 0.5)"
        for name, values in rates.items()
    )


def _sqlite_line(n: int, rounds: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "facade.db"
        app = _app(db, FixedClock(START))
        queued = _app(db, FixedClock(START), deliver=False)
        ids = _prepare(app, n)
        # The floor's connection is set up as the store sets up its own.
        conn = sqlite3.connect(db, isolation_level=None, timeout=30)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            floor = Floor(conn, begin=["BEGIN IMMEDIATE"])
            apps = {"queued": queued, "delivered": app}
            return _lines("SQLite", _interleaved(apps, floor, ids, rounds))
        finally:
            conn.close()
            queued.close()
            app.close()


def _pg_server() -> tuple[Any, bool] | str:
    """(server, started here) or why there is none."""
    url = os.environ.get("DOMICILI_TEST_PG", "")
    if url == "skip":
        return "DOMICILI_TEST_PG=skip: the PostgreSQL line is not measured."
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_server import PG_BINARIES, PgServer

    if url:
        return PgServer(url), False
    if not PG_BINARIES:
        return (
            "No PostgreSQL server binaries here (/usr/lib/postgresql/*/bin): install PostgreSQL"
            " or set DOMICILI_TEST_PG=postgresql://… to measure the PostgreSQL line."
        )
    return PgServer(), True


def _postgres_line(n: int, rounds: int) -> str:
    found = _pg_server()
    if isinstance(found, str):
        return f"    PostgreSQL skipped: {found}"
    server, started = found
    import psycopg

    from domicili.store._sql import BEGIN_LOCKED

    name = f"domicili_bench_{os.getpid()}"
    try:
        with server.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        url = server.database_url(name)
        with tempfile.TemporaryDirectory() as tmp:
            app, queued = (
                Domicili(
                    url,
                    files=Path(tmp) / "files",
                    settings=Settings(),
                    clock=FixedClock(START),
                    notifier=NullNotifier(),
                    auto_deliver=deliver,
                )
                for deliver in (True, False)
            )
            ids = _prepare(app, n)
            conn = psycopg.connect(url, autocommit=True)
            try:
                # The transaction and the writers' lock in one round trip, as the store.
                floor = Floor(conn, begin=[BEGIN_LOCKED], mark="%s")
                apps = {"queued": queued, "delivered": app}
                return _lines("PostgreSQL", _interleaved(apps, floor, ids, rounds))
            finally:
                conn.close()
                queued.close()
                app.close()
    finally:
        with server.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if started:
            server.stop()


def bench_transitions(n: int, rounds: int) -> None:
    print(
        f"(b) accept/dismiss, decisions/s min / median / max over {rounds} interleaved rounds"
        f" of {n}:"
    )
    print(_sqlite_line(n, rounds))
    print(_postgres_line(n, rounds))


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
    bench_transitions(40 if args.quick else 100, 4 if args.quick else 9)
    bench_sweep(10_000, 100_000, 50 if args.quick else 200)


if __name__ == "__main__":
    main()
