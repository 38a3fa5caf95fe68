"""``billing sepa-export`` of 10,000 debits through the command's own path, against
sepaxml alone building the same file.

    python benchmarks/bench_sepa_export_command.py [--debits 10000] [--rounds 5]
        [--quick] [--snapshot FILE] [--profile]

The database, built once and not timed, is a real SQLite file: one provider with an
IBAN and a creditor identifier (ICS), ``--debits`` contracts in force (made as
``bench_billing_run.py`` makes them: one through the facade, the others copied with
SQL), each given a SEPA mandate through ``Domicili.add_mandate``, then the month's
receivables issued by the real billing run (``Domicili.bill(documents=False)``: each
to be debited on the day its 14 days' pre-notification allows, 15 April) and their
invoice documents made by the real ``Domicili.make_invoice_documents`` (a Factur-X PDF
each, recorded and sent). Making 10,000 PDFs takes far longer than the rounds (0.12 to
0.15 s each on a busy 2-core machine, 20 to 25 minutes: the setup prints it), so it is
done once: that database file is the snapshot, and each round exports from a fresh copy of
it, the same 10,000 debits every time. ``--snapshot FILE`` keeps it (made when missing,
reused when there), so that the next run skips the setup.

Each round times, alternately:

- ``Domicili.export_direct_debits(period, write)``, the facade method
  ``domicili billing sepa-export --period 2026-04 -o FILE`` calls, with the command's
  ``write_atomic`` writing the file to disk, on a fresh copy of the snapshot: in one
  transaction the receivables and their mandates read, the debits checked, the
  pain.008.001.08 file built by sepaxml and validated against its XSD (lxml), written,
  the export recorded and each receivable marked;
- the floor, sepaxml alone building the same debits (read from the snapshot once) with
  its own validation (``export(validate=True)``: xmlschema, in Python, reading the XSD
  on each call: most of the floor's time);
- for reference only, sepaxml not validating at all (``export(validate=False)``).

It prints debits per second min / median / max of each and the ratio of the medians to
the floor (target >= 0.5), on the wall clock and in this process's CPU time (user and
system: on a busy machine the steadier of the two). Then where the time of one more
export goes, timed from outside by wrapping the functions of each phase (nothing in
``src`` changes); ``--profile`` adds that export's top costs under cProfile.
``--quick``: 50 debits (their PDFs take a few seconds), 2 rounds: a smoke run.

SQLite only: the setup copies rows with SQLite's SQL and each round copies the file.

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast
from unittest import mock

from bench_billing_run import PERIOD, Seconds, build, fresh_copy, open_app, since, spread, started
from bench_sepa_export import sepaxml_alone

from domicili import Domicili
from domicili.files import write_atomic
from domicili.sepa import Creditor, Debit

ICS = "FR72ZZZ123456"
#: The clients' accounts, in a few countries and banks.
DEBTOR_IBANS = (
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "FR7630004000031234567890143",
    "BE71096123456769",
    "NL91ABNA0417164300",
)
#: The month collected: issued on 1 April, each debit falls on 15 April (14 days'
#: pre-notification).
EXPORTED = PERIOD
TARGET = 0.5


# -- the snapshot, built once ----------------------------------------------------------
def make_snapshot(folder: Path, debits: int) -> Path:
    """The database of ``debits`` receivables to collect in ``EXPORTED``, each invoiced."""
    began = time.perf_counter()
    db = build(folder, debits, providers=1)
    conn = sqlite3.connect(db)
    dossiers = [r[0] for r in conn.execute("SELECT id FROM dossiers ORDER BY id")]
    (provider_id,) = conn.execute("SELECT id FROM providers").fetchone()
    conn.close()
    with open_app(db) as app:
        app.update_provider(provider_id, creditor_identifier=ICS)
        for n, dossier_id in enumerate(dossiers):
            app.add_mandate(
                dossier_id,
                iban=DEBTOR_IBANS[n % len(DEBTOR_IBANS)],
                reference=f"RUM-{dossier_id:06d}",
                signed_on=date(2026, 3, 2),
            )
        print(f"  {debits:,} contracts in force, their mandates: {_since(began)}")
        began = time.perf_counter()
        report = app.bill(PERIOD, documents=False)
        if len(report.issued) != debits or report.skipped:
            sys.exit(f"issued {len(report.issued)} of {debits}, skipped {report.skipped[:3]}")
        print(f"  {debits:,} receivables issued (documents deferred): {_since(began)}")
        began = time.perf_counter()
        made = app.make_invoice_documents()
        seconds = time.perf_counter() - began
        if made != debits:
            sys.exit(f"made {made} invoice documents, not {debits}")
        print(f"  {debits:,} invoice documents made: {seconds:.0f} s ({made / seconds:.1f}/s)")
    return db


def _since(began: float) -> str:
    return f"{time.perf_counter() - began:.1f} s"


def snapshot(folder: Path, debits: int, kept: Path | None) -> Path:
    """The snapshot: ``kept`` when it is there, else built (and kept there if named)."""
    if kept is not None and kept.exists():
        print(f"snapshot {kept} reused")
        base = folder / "base.db"
        shutil.copyfile(kept, base)
        return base
    print("building the snapshot:")
    db = make_snapshot(folder, debits)
    if kept is None:
        return db
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, kept)
    return db


def same_debits(db: Path) -> tuple[Creditor, list[Debit]]:
    """The provider and the debits of the snapshot, as the export makes them."""
    conn = sqlite3.connect(db)
    name, iban, bic, ics = conn.execute(
        "SELECT name, iban, bic, creditor_identifier FROM providers"
    ).fetchone()
    rows = conn.execute(
        "SELECT r.number, r.amount_cents, r.collection_date, r.period_start, r.period_end, "
        "m.debtor_name, m.iban, m.bic, m.reference, m.signed_on "
        "FROM receivables r JOIN mandates m ON m.dossier_id = r.dossier_id "
        "AND m.revoked_at IS NULL WHERE r.collection = 'sepa' AND r.export_id IS NULL "
        "AND r.invoice_id IS NOT NULL ORDER BY r.id"
    ).fetchall()
    conn.close()
    debits = [
        Debit(
            end_to_end_id=number,
            amount_cents=amount,
            debtor_name=debtor,
            iban=debtor_iban,
            bic=debtor_bic,
            mandate_reference=reference,
            mandate_signed_on=date.fromisoformat(signed),
            sequence="FRST",
            collection_date=date.fromisoformat(collected),
            remittance=(
                f"Facture {number} domiciliation "
                f"{date.fromisoformat(opens):%d/%m/%Y}-{date.fromisoformat(closes):%d/%m/%Y}"
            ),
        )
        for (number, amount, collected, opens, closes, debtor, debtor_iban, debtor_bic,
             reference, signed) in rows
    ]  # fmt: skip
    return Creditor(name=name, iban=iban, bic=bic, identifier=ics), debits


# -- the two runs ----------------------------------------------------------------------
def export(base: Path, target: Path, count: int) -> Seconds:
    """Seconds of one ``sepa-export`` from a fresh copy of ``base``; checks what it did."""
    db = fresh_copy(base, "export.db")
    target.unlink(missing_ok=True)
    with open_app(db) as app:
        start = started()
        done = app.export_direct_debits(EXPORTED, lambda data: write_atomic(target, data))
        elapsed = since(start)
    if done.debits != count or not target.exists():
        sys.exit(f"exported {done.debits} debits of {count}")
    return elapsed


def floor(creditor: Creditor, debits: list[Debit], *, validate: bool = True) -> Seconds:
    start = started()
    sepaxml_alone(debits, creditor, validate=validate)
    return since(start)


def check_same_file(ours: Path, creditor: Creditor, debits: list[Debit]) -> None:
    """Both files hold the same debits: the same end-to-end ids and total."""
    from lxml import etree

    def content(data: bytes) -> tuple[list[str], str]:
        root = etree.fromstring(data)
        ids = sorted(e.text or "" for e in root.iter("{*}EndToEndId"))
        return ids, root.findtext(".//{*}GrpHdr/{*}CtrlSum") or ""

    mine, bare = content(ours.read_bytes()), content(sepaxml_alone(debits, creditor))
    if mine != bare:
        sys.exit("the export and the floor do not hold the same debits")


def profile(base: Path, target: Path, top: int = 20) -> None:
    db = fresh_copy(base, "profiled.db")
    with open_app(db) as app:
        profiler = cProfile.Profile()
        profiler.runcall(
            app.export_direct_debits, EXPORTED, lambda data: write_atomic(target, data)
        )
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


# -- where the time goes ----------------------------------------------------------------
class Phases:
    """Seconds spent in each wrapped function, less those of the wrapped functions it
    called (each phase counted once however they nest)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._inner: list[float] = []

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        self.own[label] += 0.0  # listed in the order wrapped

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inner.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                self.own[label] += spent - self._inner.pop()
                self.calls[label] += 1
                if self._inner:
                    self._inner[-1] += spent

        return timed


XSD = "building: XSD validation"


class _TimedSchema:
    """An XSD whose ``validate`` is a phase of its own."""

    def __init__(self, schema: Any, phases: Phases) -> None:
        self._schema = schema
        self.validate = phases.wrap(XSD, schema.validate)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)


@contextmanager
def timed_phases(app: Domicili, phases: Phases) -> Iterator[None]:
    """The functions of each phase of an export, wrapped while the block runs."""
    from domicili import sepa
    from domicili.sepa import debits as builder
    from domicili.service import collection

    store = app.ctx.store
    schema = builder._schema
    wrapped: list[tuple[object, str, str]] = [
        (store, "sepa_debits_to_export", "reading: the receivables to export"),
        (store, "active_mandate", "reading: each one's mandate (twice)"),
        (collection, "_debit", "making each Debit from its mandate"),
        (collection, "_with_mandate", "the loop keeping those with a mandate"),
        (builder, "_check", "building: checks of every debit"),
        (sepa, "debit_file", "building: sepaxml add_payment + export"),
        (builder, "_finish", "building: identifiers (parse, set, serialize)"),
        (builder, "_schema", XSD),
        (store, "insert_sepa_export", "recording: the export's row"),
        (store, "mark_exported", "recording: each receivable marked"),
        (app.ctx, "event", "recording: the audit event"),
        (cast(Any, store).sql, "commit", "recording: COMMIT"),
    ]

    def timed_schema(format: str) -> _TimedSchema:
        return _TimedSchema(schema(format), phases)

    with ExitStack() as stack:
        for owner, name, label in wrapped:
            if label == XSD:  # the schema's validate is timed, not its cached reading
                phases.own[XSD] += 0.0
                timed: Callable[..., Any] = timed_schema
            else:
                timed = phases.wrap(label, getattr(owner, name))
            stack.enter_context(mock.patch.object(owner, name, timed))
        yield


def breakdown(app: Domicili, period: str, target: Path) -> None:
    """Where the time of one export goes, phase by phase."""
    phases = Phases()
    with timed_phases(app, phases):
        write = phases.wrap("writing the file (write_atomic)", lambda d: write_atomic(target, d))
        start = time.perf_counter()
        app.export_direct_debits(period, write)
        total = time.perf_counter() - start
    print(f"one export, where its {total:.2f} s go (wall clock, timed from outside):")
    for label, seconds in phases.own.items():
        calls = phases.calls[label]
        times = f" ({calls:,} calls)" if calls > 1 else ""
        print(f"  {label + times:<58} {seconds:7.3f} s {100 * seconds / total:5.1f} %")
    rest = total - sum(phases.own.values())
    label = "the rest (provider, earlier files, transaction, audit head)"
    print(f"  {label:<58} {rest:7.3f} s {100 * rest / total:5.1f} %")


def report(
    count: int, rounds: int, ours: list[Seconds], bare: list[Seconds], unchecked: list[Seconds]
) -> None:
    print(f"{count:,} debits, debits/s min / median / max over {rounds} interleaved rounds")
    for i, clock in enumerate(("wall clock", "CPU time")):
        mine, alone, loose = ([count / s[i] for s in run] for run in (ours, bare, unchecked))
        ratio = statistics.median(mine) / statistics.median(alone)
        verdict = "ok" if ratio >= TARGET else "below target"
        print(f"{clock}:")
        print(f"  export_direct_debits (read, build, XSD, write, record):  {spread(mine)}")
        print(f"  sepaxml alone (export(validate=True)):                   {spread(alone)}")
        print(f"  ratio {ratio:.2f} (target >= {TARGET}: {verdict})")
        print(f"  for reference, sepaxml not validating (validate=False):  {spread(loose)}")
        print(f"  ratio to it {statistics.median(mine) / statistics.median(loose):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--debits", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="50 debits, 2 rounds")
    parser.add_argument("--snapshot", type=Path, help="database file to keep, or to reuse")
    parser.add_argument("--profile", action="store_true", help="one export under cProfile")
    args = parser.parse_args()
    count, rounds = (50, 2) if args.quick else (args.debits, args.rounds)
    folder = Path(tempfile.mkdtemp(prefix="domicili-bench-sepa-export-"))
    try:
        base = snapshot(folder, count, args.snapshot)
        creditor, debits = same_debits(base)
        if len(debits) != count:
            sys.exit(f"the snapshot holds {len(debits)} debits to export, not {count}")
        target = folder / "prelevements-2026-04.xml"
        export(base, target, count), floor(creditor, debits)  # warm up: imports, the XSD
        check_same_file(target, creditor, debits)
        ours: list[Seconds] = []
        bare: list[Seconds] = []
        unchecked: list[Seconds] = []
        for _ in range(rounds):
            ours.append(export(base, target, count))
            bare.append(floor(creditor, debits))
            unchecked.append(floor(creditor, debits, validate=False))
        report(count, rounds, ours, bare, unchecked)
        with open_app(fresh_copy(base, "phases.db")) as app:
            breakdown(app, EXPORTED, target)
        if args.profile:
            profile(base, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
