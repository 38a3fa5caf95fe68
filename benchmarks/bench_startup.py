"""Start-up time of everyday commands against ``sqlite-utils tables``; prints ratios.

    python benchmarks/bench_startup.py [--runs 21] [--quick] [--rebuild]

Each command runs as a subprocess of the installed ``domicili`` on the same database
as the floor, ``sqlite-utils tables DB``, interleaved (floor, command, command without
sqlite-utils, floor, …) so that a busy machine slows all of them alike:

    domicili dossier list --limit 20
    domicili dossier show ID
    domicili justificatif review ID --validate identite   (then --invalidate: a real save)
    domicili sweep                                        (nothing due)

Target: median(command) / median(floor) <= 1.2 for each command.

"without sqlite-utils" runs the same command with a stand-in ``sqlite_utils`` module
(the three calls the store makes, over plain sqlite3) first on ``PYTHONPATH``: what
the command costs once the store no longer imports sqlite-utils when it starts.
The last line times the interpreter with click, sqlite3 and one pydantic model
validated: the part of every command that domicili's own code cannot remove.

The database (3 providers, 30 dossiers with their pieces) is built once through the
public API and kept in the temp folder. domicili's bytecode is compiled first, as
installing a wheel does. Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import domicili
from domicili import Domicili
from domicili.adapters.notifiers import NullNotifier
from domicili.clock import FixedClock, iso
from domicili.config import Settings
from domicili.testing import sample_answers, sample_pdf, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGET = 1.2
PIECES = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
CACHE = Path(tempfile.gettempdir()) / "domicili-bench-startup" / "v1"

#: The least a command that reads one pydantic model can cost: the interpreter, click,
#: sqlite3 and pydantic with one model class validated.
PYDANTIC = """
import click, sqlite3
from pydantic import BaseModel, ConfigDict

class Row(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: int
    name: str | None = None

Row.model_validate({"id": 1, "name": "x"})
"""

#: A stand-in for sqlite-utils offering only what the store calls on these commands.
STUB = '''"""Stand-in for sqlite-utils (bench_startup.py): table().exists/insert/update."""


class Table:
    def __init__(self, db, name):
        self.db, self.name, self.last_pk = db, name, None

    def exists(self):
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.db.conn.execute(sql, (self.name,)).fetchone() is not None

    def insert(self, row):
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        sql = f'INSERT INTO "{self.name}" ({cols}) VALUES ({marks})'
        self.last_pk = self.db.conn.execute(sql, list(row.values())).lastrowid
        return self

    def update(self, pk, updates):
        sets = ", ".join(f'"{c}" = ?' for c in updates)
        sql = f'UPDATE "{self.name}" SET {sets} WHERE rowid = ?'
        self.db.conn.execute(sql, [*updates.values(), pk])
        self.last_pk = pk
        return self


class Database:
    def __init__(self, conn):
        self.conn = conn

    def table(self, name):
        return Table(self, name)
'''


def _build(folder: Path) -> dict[str, int]:
    """3 providers; 10 demandes each sent to all three; some accepted, some dismissed."""
    db = folder / "bench.db"
    app = Domicili(db, settings=Settings(), clock=FixedClock(START), notifier=NullNotifier())
    provider_ids = []
    for seed in (1, 2, 3):
        provider = app.add_provider(**sample_provider(seed))
        assert provider.id is not None
        provider_ids.append(provider.id)
    docs = {kind: (sample_pdf(kind), f"{kind}.pdf") for kind in PIECES}
    dossier_ids: list[int] = []
    for _ in range(10):
        _, dossiers = app.create_demande(sample_answers(), to=provider_ids, documents=docs)
        dossier_ids += [d.id for d in dossiers if d.id is not None]
    for i, dossier_id in enumerate(dossier_ids[:12]):
        app.review(dossier_id, validate=PIECES)
        if i % 3 == 2:
            app.dismiss(dossier_id, "Capacité atteinte")
        else:
            app.accept(dossier_id)  # due in 7 days: nothing for the sweep to do tomorrow
    app.close()
    return {"show": dossier_ids[0], "review": dossier_ids[-1]}


def _database(rebuild: bool) -> tuple[Path, dict[str, int]]:
    ids_file = CACHE / "ids.txt"
    if rebuild:
        shutil.rmtree(CACHE, ignore_errors=True)
    if ids_file.exists():
        # Bring a database kept from an older schema up to date before timing anything.
        Domicili(CACHE / "bench.db", create=False, notifier=NullNotifier()).close()
    else:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE.parent))
        ids = _build(work)
        (work / "ids.txt").write_text(f"{ids['show']} {ids['review']}\n")
        shutil.rmtree(CACHE, ignore_errors=True)
        work.rename(CACHE)
    show, review = (int(n) for n in ids_file.read_text().split())
    return CACHE / "bench.db", {"show": show, "review": review}


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:  # a refused command is not a measurement
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.decode().strip()}")
    return elapsed


def _fmt(times: list[float]) -> str:
    ms = [t * 1000 for t in (min(times), statistics.median(times), max(times))]
    return "{:5.0f} /{:5.0f} /{:5.0f}".format(*ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each command")
    parser.add_argument("--quick", action="store_true", help="7 runs")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    args = parser.parse_args()
    runs = 7 if args.quick else args.runs

    bindir = Path(sys.executable).parent
    ours = str(bindir / "domicili")
    peer = shutil.which("sqlite-utils", path=str(bindir)) or shutil.which("sqlite-utils")
    assert peer, "sqlite-utils command not found"
    compileall.compile_dir(Path(domicili.__file__).parent, quiet=1)

    db, ids = _database(args.rebuild)
    stub_dir = CACHE / "without-sqlite-utils"
    stub_dir.mkdir(exist_ok=True)
    (stub_dir / "sqlite_utils.py").write_text(STUB)
    now = iso(START + timedelta(days=1))
    env = {**os.environ, "DOMICILI_DB": str(db), "DOMICILI_NOW": now}
    env.pop("DOMICILI_PROVIDER", None)
    env.pop("DOMICILI_CONFIG", None)
    stub_env = {
        **env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(stub_dir), os.environ.get("PYTHONPATH")])),
    }

    review = str(ids["review"])
    commands: dict[str, list[list[str]]] = {
        "dossier list --limit 20": [[ours, "dossier", "list", "--limit", "20"]],
        f"dossier show {ids['show']}": [[ours, "dossier", "show", str(ids["show"])]],
        f"justificatif review {review}": [
            [ours, "justificatif", "review", review, "--validate", "identite"],
            [ours, "justificatif", "review", review, "--invalidate", "identite=Illisible"],
        ],
        "sweep (nothing due)": [[ours, "sweep"]],
    }
    floor_cmd = [peer, "tables", str(db)]
    print(f"{runs} runs each, min / median / max in ms; floor: sqlite-utils tables DB")
    print(
        f"{'command':30} {'floor':>19} {'domicili':>19} {'ratio':>6}"
        f" {'w/o sqlite-utils':>19} {'ratio':>6}"
    )
    for name, variants in commands.items():
        floor, cmd, stub = _interleaved(runs, floor_cmd, variants, [env, stub_env], env)
        base = statistics.median(floor)
        ratio = statistics.median(cmd) / base
        ratio_stub = statistics.median(stub) / base
        print(
            f"{name:30} {_fmt(floor)} {_fmt(cmd)} {ratio:6.2f} {_fmt(stub)} {ratio_stub:6.2f}"
            f"  {'PASS' if ratio <= TARGET else 'FAIL'}"
            f" / {'PASS' if ratio_stub <= TARGET else 'FAIL'} (target <= {TARGET})"
        )
    floor, ref = _interleaved(runs, floor_cmd, [[sys.executable, "-c", PYDANTIC]], [env], env)
    ratio = statistics.median(ref) / statistics.median(floor)
    print(f"{'click + one pydantic model *':30} {_fmt(floor)} {_fmt(ref)} {ratio:6.2f}")
    print("* python, click, sqlite3, one pydantic model validated: no domicili code at all")


def _interleaved(
    runs: int,
    floor_cmd: list[str],
    variants: list[list[str]],
    envs: list[dict[str, str]],
    floor_env: dict[str, str],
) -> list[list[float]]:
    """Times of the floor, then of each variant under each env, run after run."""
    for variant in variants:  # warm the disk cache (and make the review's first save)
        _run(floor_cmd, floor_env)
        for env in envs:
            _run(variant, env)
    times: list[list[float]] = [[] for _ in range(len(envs) + 1)]
    turn = 0
    for _ in range(runs):
        times[0].append(_run(floor_cmd, floor_env))
        for column, env in enumerate(envs, start=1):
            # Alternating variants: each review run saves the opposite of the one before.
            times[column].append(_run(variants[turn % len(variants)], env))
            turn += 1
    return times


if __name__ == "__main__":
    main()
