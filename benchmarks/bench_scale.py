"""Lists, shows, exports, sweep and audit at 10,000 and at 100,000 dossiers; prints ratios.

    python benchmarks/bench_scale.py [--sizes 10000 100000] [--runs 3] [--rebuild]

Each database is built through the public API, in one process (``create_demande`` to
ten providers at once, then reviews, acceptances, dismissals, payments), and kept in
the temp folder for the next run. The history grows with the dossiers (each one has
its events and messages); the invoices are a fixed working set (``PAID`` dossiers pay:
each invoice is a Factur-X PDF, about two seconds to make), so the invoice commands
show what the history of *other* records costs them.

Each command runs as a subprocess of the installed ``domicili``; its time is the best
of ``--runs`` and its peak memory the child's own maximum resident set (``wait4``).
``sweep`` runs once on a fresh copy of the database (its first run does the work).
Target: time at the largest size / time at the smallest <= 1.5 for every command but
``audit verify``, which reads the whole log (its time may grow, its memory must not).
Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
NOW = START + timedelta(days=40)
TARGET = 1.5
PROVIDERS = 10
PIECES = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
#: How many dossiers pay (and so have an invoice), at every size.
PAID = 20
CACHE = Path(tempfile.gettempdir()) / "domicili-bench-scale" / "v1"


def _build(db: Path, dossiers: int) -> None:
    """``dossiers`` dossiers from ``dossiers / 10`` demandes, each sent to ten providers;
    one in five reviewed and accepted (awaiting payment), one in ten dismissed."""
    clock = FixedClock(START)
    app = Domicili(
        db, settings=Settings(), clock=clock, notifier=NullNotifier(), auto_deliver=False
    )
    provider_ids = []
    for seed in range(1, PROVIDERS + 1):
        provider = app.add_provider(**sample_provider(seed))
        assert provider.id is not None
        app.add_offer(provider.id, name="Essentiel", price_ht_cents=2500)
        provider_ids.append(provider.id)
    docs = {kind: (sample_pdf(kind), f"{kind}.pdf") for kind in PIECES}
    t = time.perf_counter()
    for n in range(dossiers // PROVIDERS):
        clock.advance(seconds=20)
        _, made = app.create_demande(sample_answers(), to=provider_ids, documents=docs)
        for i, dossier in enumerate(made):
            assert dossier.id is not None
            if (n + i) % 5 == 0:
                app.review(dossier.id, validate=PIECES)
                app.accept(dossier.id)
            elif (n + i) % 10 == 1:
                app.dismiss(dossier.id, "Capacité atteinte")
        if n % 500 == 0:
            done = (n + 1) * PROVIDERS
            print(f"  {done:,} dossiers, {time.perf_counter() - t:.0f} s", file=sys.stderr)
    for dossier in app.list_dossiers("S2", PAID):
        assert dossier.id is not None
        app.record_payment(dossier.id, method="transfer", reference=f"VIR-{dossier.id}")
    app.deliver()
    app.close()


def _database(size: int, rebuild: bool) -> Path:
    folder = CACHE / str(size)
    if rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    if not (folder / "done").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"build-{size}-", dir=CACHE))
        t = time.perf_counter()
        print(f"building {size:,} dossiers in {work}", file=sys.stderr)
        _build(work / "bench.db", size)
        (work / "done").write_text(f"{time.perf_counter() - t:.0f} s\n")
        shutil.rmtree(folder, ignore_errors=True)
        work.rename(folder)
    else:  # a database kept from an older schema is brought up to date first
        Domicili(folder / "bench.db", create=False, notifier=NullNotifier()).close()
    print(f"{size:,} dossiers: built in {(folder / 'done').read_text().strip()}", file=sys.stderr)
    return folder / "bench.db"


#: Runs a command and prints its peak resident memory (KiB). Linux starts a child's peak
#: at its parent's size when it forks, so the command is started from this small
#: interpreter, not from the benchmark (which holds a whole build's worth of memory).
RUNNER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one run of ``cmd``."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *cmd],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - t
    *message, peak = done.stderr.strip().splitlines()
    if done.returncode != 0:  # a refused command is not a measurement
        sys.exit(f"{' '.join(cmd)} failed: {' '.join(message)}")
    return elapsed, int(peak)


def _commands(db: Path, out: Path) -> dict[str, list[str]]:
    with Domicili(db, create=False, notifier=NullNotifier()) as app:
        dossier = app.list_dossiers(limit=1)[0].id
        newest = app.list_invoices(limit=1)[0]
    return {
        "dossier list": ["dossier", "list"],
        "dossier list --status S2": ["dossier", "list", "--status", "S2"],
        "dossier list --json": ["dossier", "list", "--json"],
        "dossier list --before MID": ["dossier", "list", "--before", "MID"],
        "outbox list": ["outbox", "list"],
        "outbox list --status pending": ["outbox", "list", "--status", "pending"],
        "--provider 1 outbox list": ["--provider", "1", "outbox", "list"],
        "payment list": ["payment", "list"],
        "invoice list": ["invoice", "list"],
        "invoice list --year --month": ["invoice", "list", "--year", "2026", "--month", "3"],
        "provider list": ["provider", "list"],
        "dossier show": ["dossier", "show", str(dossier)],
        "invoice show": ["--provider", str(newest.provider_id), "invoice", "show", newest.number],
        "invoice export --month": [
            *("invoice", "export", "--year", "2026", "--month", "3", "-o", str(out)),
        ],
        "sweep": ["sweep"],
        "audit verify": ["audit", "verify"],
    }


def _measure(db: Path, size: int, runs: int, quick: bool) -> dict[str, tuple[float, int]]:
    ours = str(Path(sys.executable).parent / "domicili")
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    env = {**os.environ, "DOMICILI_DB": str(db), "DOMICILI_NOW": iso(NOW)}
    for name in ("DOMICILI_PROVIDER", "DOMICILI_CONFIG", "DOMICILI_FILES"):
        env.pop(name, None)
    results = {}
    for name, args in _commands(db, scratch / "export").items():
        args = [str(size // 2) if a == "MID" else a for a in args]
        if name == "sweep" and quick:  # the first sweep of a large database takes minutes
            continue
        if name == "sweep":
            copy = scratch / "sweep"
            shutil.copytree(db.parent, copy)
            swept = {**env, "DOMICILI_DB": str(copy / db.name)}
            results["sweep (first: expires what is due)"] = _run([ours, *args], swept)
            results["sweep (again: nothing due)"] = _run([ours, *args], swept)
            continue
        best = [_run([ours, *args], env) for _ in range(runs)]
        results[name] = (min(t for t, _ in best), max(m for _, m in best))
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument(
        "--quick", action="store_true", help="no sweep (its first run takes minutes)"
    )
    args = parser.parse_args()
    small, large = args.sizes
    found = {
        size: _measure(_database(size, args.rebuild), size, args.runs, args.quick)
        for size in (small, large)
    }
    print(f"best of {args.runs} runs; memory: peak resident set of the command")
    print(
        f"{'command':30} {small:>9,} {large:>9,} {'ratio':>6}  "
        f"{'MiB ' + f'{small:,}':>12} {'MiB ' + f'{large:,}':>12}"
    )
    for name in found[small]:
        (t1, m1), (t2, m2) = found[small][name], found[large][name]
        ratio = t2 / t1
        flag = "" if ratio <= TARGET or name == "audit verify" else "  over target"
        print(
            f"{name:30} {t1 * 1000:7.0f}ms {t2 * 1000:7.0f}ms {ratio:6.2f}  "
            f"{m1 / 1024:12.0f} {m2 / 1024:12.0f}{flag}"
        )


if __name__ == "__main__":
    main()
