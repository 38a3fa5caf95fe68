"""Lists, shows, exports, sweep and audit at 10,000 and at 100,000 dossiers; prints ratios.

    python benchmarks/bench_scale.py [--sizes 10000 100000] [--runs 3] [--rebuild]

Each database is built through the public API, in one process (``create_demande`` to
ten providers at once, then reviews, acceptances, dismissals, payments), and kept in
the temp folder for the next run. The history grows with the dossiers (each one has
its events and messages); the invoices are a fixed working set (``PAID`` dossiers pay:
each invoice is a Factur-X PDF, about two seconds to make), so the invoice commands
show what the history of *other* records costs them.

Each command runs as a subprocess of the installed ``domicili``, ``--runs`` times at
each size, the sizes taking turns (a machine busy for a while slows both alike); the
table shows the minimum, median and maximum, the ratio of the minimums and of the
medians, and the child's own peak resident set (``wait4``). ``sweep`` runs first once on
a fresh copy of each database (it expires what is due, which grows with the size), then,
the messages it queued delivered, ``--runs`` times with nothing due.
Target: time at the largest size / time at the smallest <= 1.5 for every command but
``audit verify``, which reads the whole log (its time may grow, its memory must not),
and the first sweep, whose work is what is due.
Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def _commands(db: Path, out: Path, size: int) -> dict[str, list[str]]:
    with Domicili(db, create=False, notifier=NullNotifier()) as app:
        dossier = app.list_dossiers(limit=1)[0].id
        newest = app.list_invoices(limit=1)[0]
    return {
        "dossier list": ["dossier", "list"],
        "dossier list --status S2": ["dossier", "list", "--status", "S2"],
        "dossier list --json": ["dossier", "list", "--json"],
        "dossier list --before MID": ["dossier", "list", "--before", str(size // 2)],
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


#: Settings of the run that empties the outbox between the two sweeps: every message
#: marked delivered at once, without a deadline.
DRAIN = '[notifications]\nnotifier = "null"\ndeadline_seconds = 3600\n'

#: Timings (seconds) of each run and the highest peak memory (KiB), by command and size.
Found = dict[str, dict[int, tuple[list[float], int]]]


def _environment(db: Path) -> dict[str, str]:
    env = {**os.environ, "DOMICILI_DB": str(db), "DOMICILI_NOW": iso(NOW)}
    for name in ("DOMICILI_PROVIDER", "DOMICILI_CONFIG", "DOMICILI_FILES"):
        env.pop(name, None)
    return env


def _measure(dbs: dict[int, Path], runs: int, quick: bool) -> Found:
    """Each command ``runs`` times at each size, the sizes taking turns run after run, so
    that a machine busy for a while slows every size alike."""
    ours = str(Path(sys.executable).parent / "domicili")
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    commands = {size: _commands(db, scratch / f"export-{size}", size) for size, db in dbs.items()}
    found: Found = {}
    for name in commands[next(iter(dbs))]:
        if name == "sweep":
            continue
        times: dict[int, list[float]] = {size: [] for size in dbs}
        peaks = dict.fromkeys(dbs, 0)
        for _ in range(runs):
            for size, db in dbs.items():
                elapsed, peak = _run([ours, *commands[size][name]], _environment(db))
                times[size].append(elapsed)
                peaks[size] = max(peaks[size], peak)
        found[name] = {size: (times[size], peaks[size]) for size in dbs}
    if not quick:  # the first sweep of a large database takes minutes
        found.update(_sweeps(dbs, runs, ours, scratch))
    shutil.rmtree(scratch, ignore_errors=True)
    return found


def _sweeps(dbs: dict[int, Path], runs: int, ours: str, scratch: Path) -> Found:
    """``sweep`` once on a fresh copy of each database (it expires every dossier past its
    deadline: the work due grows with the size), then, the messages it queued delivered,
    ``runs`` times again with nothing due."""
    copies: dict[int, dict[str, str]] = {}
    first: dict[int, tuple[list[float], int]] = {}
    drain = scratch / "drain.toml"
    drain.write_text(DRAIN, encoding="utf-8")
    for size, db in dbs.items():
        copy = scratch / f"sweep-{size}"
        shutil.copytree(db.parent, copy)
        copies[size] = _environment(copy / db.name)
        elapsed, peak = _run([ours, "sweep"], copies[size])
        first[size] = ([elapsed], peak)
        _run([ours, "outbox", "deliver"], {**copies[size], "DOMICILI_CONFIG": str(drain)})
    times: dict[int, list[float]] = {size: [] for size in dbs}
    peaks = dict.fromkeys(dbs, 0)
    for _ in range(runs):
        for size in dbs:
            elapsed, peak = _run([ours, "sweep"], copies[size])
            times[size].append(elapsed)
            peaks[size] = max(peaks[size], peak)
    again = {size: (times[size], peaks[size]) for size in dbs}
    return {"sweep (first: expires what is due)": first, "sweep (again: nothing due)": again}


def _report(found: Found, small: int, large: int, runs: int) -> None:
    print(
        f"{runs} runs of each command, the sizes taking turns; seconds min / median / max; "
        "memory: the command's peak resident set"
    )
    print(
        f"{'command':36} {f'{small:,}':>20} {f'{large:,}':>20} {'min ×':>6} {'med ×':>6}"
        f" {'MiB ' + f'{small:,}':>11} {'MiB ' + f'{large:,}':>11}"
    )
    for name, by_size in found.items():
        (t1, m1), (t2, m2) = by_size[small], by_size[large]
        ratio, median_ratio = min(t2) / min(t1), statistics.median(t2) / statistics.median(t1)
        over = ratio > TARGET and name != "audit verify" and not name.startswith("sweep (first")
        print(
            f"{name:36} {_spread(t1):>20} {_spread(t2):>20} {ratio:6.2f} {median_ratio:6.2f}"
            f" {m1 / 1024:11.0f} {m2 / 1024:11.0f}{'  over target' if over else ''}"
        )


def _spread(times: list[float]) -> str:
    """``min / median / max`` in seconds (one figure for a single run)."""
    if len(times) == 1:
        return f"{times[0]:.2f}"
    return f"{min(times):.2f} / {statistics.median(times):.2f} / {max(times):.2f}"


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
    dbs = {size: _database(size, args.rebuild) for size in (small, large)}
    _report(_measure(dbs, args.runs, args.quick), small, large, args.runs)


if __name__ == "__main__":
    main()
