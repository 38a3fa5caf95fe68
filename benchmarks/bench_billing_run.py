"""``billing run`` over 10,000 contracts in force against raw sqlite3 doing the same writes.

    python benchmarks/bench_billing_run.py [--contracts 10000] [--rounds 3] [--profile]

The database is built once, not timed: on each of a few providers one contract is made
through the facade (request, pieces, acceptance, first payment and its invoice,
signatures), then its client, dossier and first invoice are copied with SQL until the
providers hold ``--contracts`` contracts in force between them, each one's first period
paid, invoiced and numbered in its provider's series. The clock is set so that each
contract has exactly one period due (the second month).

Each round copies the database file twice and times, alternately, on one copy
``Domicili.bill(period, documents=False)`` (per contract one transaction: the dossier,
provider, offer and client read, the mandate looked up, the invoice number allocated,
the invoice's content built and one receivable inserted), and on the other the floor:
raw sqlite3, with the store's settings (WAL, synchronous NORMAL, foreign keys), reading
the contracts once, then per contract one ``BEGIN IMMEDIATE`` transaction with the
number upsert and the insert of a receivable whose JSON is the size of a real one. It
prints contracts per second min / median / max of both and the ratio of the medians
(target >= 0.3), on the wall clock and in this process's CPU time (user and system: on a
machine other processes keep busy, the steadier of the two), and once, the time of a
second run, which has nothing to issue.
``--profile`` runs one more billing under cProfile and prints its top costs.

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domicili import Domicili
from domicili.adapters.notifiers import NullNotifier
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the first period: 2 March to 1 April
#: The run of 1 April bills April: each contract's second period (2 April to 1 May).
NOW = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
PERIOD = "2026-04"
PROVIDERS = 4
TARGET = 0.3


# -- the database, built once --------------------------------------------------------
def _one_contract(app: Domicili, notifier: Any, provider_id: int, seed: int) -> int:
    """A contract in force made through the facade, as a provider's staff would."""
    _, made = app.create_demande(sample_answers(seed=seed), to=[provider_id])
    dossier_id = made[0].id
    assert dossier_id is not None
    kinds = [p.kind for p in app.justificatifs(dossier_id) if p.required]
    for kind in kinds:
        app.add_justificatif(dossier_id, kind, sample_pdf(f"{kind} {dossier_id}"), f"{kind}.pdf")
    app.review(dossier_id, validate=kinds)
    app.accept(dossier_id)
    mark = len(notifier.sent)
    app.record_payment(dossier_id, method="transfer")
    provider = app.get_dossier(dossier_id).provider
    ours = {provider.phone, provider.email, provider.representative_email}
    for message in notifier.sent[mark:]:
        found = re.search(r"(?is)code de signature.*?(?<![-\d])(\d{6})(?!\d)", message.body)
        if found and message.dossier_id == dossier_id:
            app.sign(dossier_id, "provider" if message.to in ours else "client", found.group(1))
    assert app.get_dossier(dossier_id).dossier.status.in_force
    return dossier_id


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _copy_rows(
    conn: sqlite3.Connection, table: str, template: int, copies: int, changed: dict[str, str]
) -> None:
    """``copies`` copies of row ``template`` of ``table``, the columns in ``changed`` set
    to SQL expressions of ``n`` (1 to ``copies``) and ``base`` (the highest id so far)."""
    names = _columns(conn, table)
    values = ", ".join(changed.get(name, name) for name in names)
    conn.execute(
        f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?), "
        f"b(base) AS (SELECT max(id) FROM {table}) "
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT {values} FROM k, b, {table} t WHERE t.id = ? ORDER BY n",
        (copies, template),
    )


def _clone(conn: sqlite3.Connection, dossier_id: int, copies: int) -> None:
    """``copies`` more contracts like ``dossier_id``: a client each, a dossier each, the
    first invoice each, numbered after the template's in its series."""
    client_id, provider_id = conn.execute(
        "SELECT client_id, provider_id FROM dossiers WHERE id = ?", (dossier_id,)
    ).fetchone()
    invoice_id, series, number = conn.execute(
        "SELECT id, series, number FROM invoices WHERE dossier_id = ? AND kind = 'invoice'",
        (dossier_id,),
    ).fetchone()
    prefix = number[: -len(number.split("-")[-1])]
    client_base = conn.execute("SELECT max(id) FROM clients").fetchone()[0]
    dossier_base = conn.execute("SELECT max(id) FROM dossiers").fetchone()[0]
    _copy_rows(
        conn,
        "clients",
        client_id,
        copies,
        {
            "id": "base + n",
            "name": "t.name || ' ' || n",
            "email": "'client' || (base + n) || '@cabinet.example'",
        },
    )
    _copy_rows(
        conn, "dossiers", dossier_id, copies, {"id": "base + n", "client_id": f"{client_base} + n"}
    )
    _copy_rows(
        conn,
        "invoices",
        invoice_id,
        copies,
        {
            "id": "base + n",
            "dossier_id": f"{dossier_base} + n",
            "client_id": f"{client_base} + n",
            "sequence": "t.sequence + n",
            "number": f"'{prefix}' || printf('%06d', t.sequence + n)",
        },
    )
    conn.execute(
        "UPDATE invoice_series SET last_number = last_number + ? "
        "WHERE provider_id = ? AND series = ?",
        (copies, provider_id, series),
    )


def build(folder: Path, contracts: int, *, providers: int = PROVIDERS) -> Path:
    """The database of ``contracts`` contracts in force over ``providers`` providers."""
    db = folder / "base.db"
    app, _, notifier = make_app(db, files=folder / "files", start=START)
    templates = []
    for seed in range(1, providers + 1):
        provider = app.add_provider(**sample_provider(seed))
        assert provider.id is not None
        app.add_offer(provider.id, name="Essentiel", price_ht_cents=3_900 + 100 * seed)
        templates.append(_one_contract(app, notifier, provider.id, seed))
    app.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    share, extra = divmod(contracts, providers)
    for i, dossier_id in enumerate(templates):
        _clone(conn, dossier_id, share + (1 if i < extra else 0) - 1)
    conn.execute("COMMIT")
    conn.close()
    with open_app(db) as check:
        found = check.count_contracts_in_force()
    if found != contracts:
        sys.exit(f"the database holds {found} contracts in force, not {contracts}")
    return db


def open_app(db: Path) -> Domicili:
    return Domicili(
        db,
        files=db.parent / "files",
        settings=Settings(),
        clock=FixedClock(NOW),
        notifier=NullNotifier(),
        auto_deliver=False,
        create=False,
    )


# -- the two runs --------------------------------------------------------------------
#: Seconds of one run: on the wall clock, and of this process's CPU (user and system),
#: which the other processes of a busy machine do not lengthen.
Seconds = tuple[float, float]


def started() -> Seconds:
    return time.perf_counter(), time.process_time()


def since(start: Seconds) -> Seconds:
    wall, cpu = started()
    return wall - start[0], cpu - start[1]


def fresh_copy(base: Path, name: str) -> Path:
    copy = base.with_name(name)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, copy)
    return copy


def run_domicili(db: Path, contracts: int) -> Seconds:
    """Seconds of one billing run on ``db``; checks what it issued."""
    with open_app(db) as app:
        start = started()
        report = app.bill(PERIOD, documents=False)
        elapsed = since(start)
    if len(report.issued) != contracts or report.skipped:
        sys.exit(f"issued {len(report.issued)} of {contracts}, skipped {report.skipped[:3]}")
    return elapsed


def sample_data(billed: Path) -> dict[str, Any]:
    """The content of a receivable as the run fixed it (the floor's JSON, numbered anew)."""
    conn = sqlite3.connect(billed)
    (data,) = conn.execute("SELECT data FROM receivables ORDER BY id LIMIT 1").fetchone()
    conn.close()
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def run_floor(db: Path, contracts: int, data: dict[str, Any]) -> Seconds:
    """Seconds of the same writes in raw sqlite3: per contract, one transaction with the
    number upsert and the receivable insert."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    start = started()
    rows = conn.execute(
        "SELECT d.id, d.provider_id FROM dossiers d WHERE d.status = 'active' ORDER BY d.id"
    ).fetchall()
    issued = date(2026, 4, 1).isoformat()
    created = NOW.isoformat()
    for dossier_id, provider_id in rows:
        conn.execute("BEGIN IMMEDIATE")
        (seq,) = conn.execute(
            "INSERT INTO invoice_series (provider_id, series, last_number) VALUES (?, ?, 1) "
            "ON CONFLICT (provider_id, series) "
            "DO UPDATE SET last_number = invoice_series.last_number + 1 RETURNING last_number",
            (provider_id, "2026"),
        ).fetchone()
        number = f"F2026-{seq:06d}"
        conn.execute(
            "INSERT INTO receivables (provider_id, dossier_id, period_start, period_end, "
            "number, series, sequence, issue_date, due_date, amount_cents, collection, "
            "data, state, presentations, dunning_step, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                provider_id,
                dossier_id,
                "2026-04-02",
                "2026-05-01",
                number,
                "2026",
                seq,
                issued,
                "2026-04-02",
                4_680,
                "transfer",
                json.dumps({**data, "number": number}, separators=(",", ":")),
                "open",
                0,
                0,
                created,
            ),
        )
        conn.execute("COMMIT")
    elapsed = since(start)
    (count,) = conn.execute("SELECT count(*) FROM receivables").fetchone()
    conn.close()
    if count != contracts:
        sys.exit(f"the floor wrote {count} receivables, not {contracts}")
    return elapsed


def second_run(db: Path) -> float:
    """Seconds of a run on ``db`` already billed: it must issue nothing."""
    with open_app(db) as app:
        start = time.perf_counter()
        report = app.bill(PERIOD, documents=False)
        elapsed = time.perf_counter() - start
    if report.issued:
        sys.exit(f"a second run issued {len(report.issued)} invoices")
    return elapsed


def profile(base: Path, top: int = 25) -> None:
    db = fresh_copy(base, "profiled.db")
    with open_app(db) as app:
        profiler = cProfile.Profile()
        profiler.runcall(app.bill, PERIOD, documents=False)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def spread(values: list[float]) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:8.0f} / {mid:8.0f} / {high:8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    args = parser.parse_args()
    count: int = args.contracts
    folder = Path(tempfile.mkdtemp(prefix="domicili-bench-billing-"))
    try:
        began = time.perf_counter()
        base = build(folder, count)
        print(f"built {count:,} contracts in force in {time.perf_counter() - began:.1f} s")
        ours: list[Seconds] = []
        floor: list[Seconds] = []
        data: dict[str, Any] = {}
        for _ in range(args.rounds):
            billed = fresh_copy(base, "ours.db")
            ours.append(run_domicili(billed, count))
            data = data or sample_data(billed)
            floor.append(run_floor(fresh_copy(base, "floor.db"), count, data))
        again = second_run(billed)
        print(f"contracts/s min / median / max over {args.rounds} interleaved rounds")
        for i, clock in enumerate(("wall clock", "CPU time")):
            mine = [count / s[i] for s in ours]
            bare = [count / s[i] for s in floor]
            print(f"{clock}:")
            print(f"  Domicili.bill(documents=False):        {spread(mine)}")
            print(f"  raw sqlite3 (upsert + insert per tx):  {spread(bare)}")
            ratio = statistics.median(mine) / statistics.median(bare)
            verdict = "ok" if ratio >= TARGET else "below target"
            print(f"  ratio {ratio:.3f} (target >= {TARGET}: {verdict})")
        print(f"second run, nothing due: {again * 1000:.0f} ms for {count:,} contracts")
        if args.profile:
            profile(base)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
