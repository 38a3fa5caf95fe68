"""``courrier receive`` of 1,000 pieces with their envelope photos, and ``courrier
intake`` of a folder of 500 photos, against raw sqlite3 and file writes doing the same.

    python benchmarks/bench_mail_intake.py [--pieces 1000] [--photos 500]
        [--mailboxes 50] [--rounds 3] [--profile]

The database, built once and not timed, is a real SQLite file: one provider with
``--mailboxes`` contracts in force (made as ``bench_billing_run.py`` makes them: one
through the facade, the others copied with SQL), each mailbox opened by one piece
received through the facade. The envelope photos are real PNG files of about 70 KB
(``domicili.testing.sample_png``, 400 × 400 pixels), each one made distinct by a text
chunk naming it, so that every piece stores a file of its own. The intake folder holds
``--photos`` of them on disk, four in five named by their mailbox (``B-0007_0042.png``),
the fifth left to assign.

Each round times, alternately, on fresh copies of the database with an empty files
folder:

- ``Domicili.receive_mail`` (what ``domicili courrier receive MAILBOX --envelope FILE
  --key KEY`` calls), once per piece with its photo's bytes and a key: per piece one
  transaction, the key looked up, the piece and its history written, the photo stored
  content-addressed and recorded as a blob, the piece placed in its mailbox (its
  standing rules read), the event recorded, the client's email (the photo attached)
  queued in the outbox;
- its floor: raw sqlite3 with the store's settings (WAL, synchronous NORMAL, foreign
  keys), the mailboxes read once, then per piece the photo's SHA-256, its
  content-addressed write (a temporary file renamed, as the files store does), and one
  ``BEGIN IMMEDIATE`` transaction writing the same rows: the key looked up, the piece
  inserted and its history rows (received, placed), the photo's blob row, the audit
  event chained to the last one, and the client's email queued with the photo attached
  (a fixed text: the floor renders no template);
- ``Domicili.intake_mail(folder)`` (what ``domicili courrier intake FOLDER`` calls):
  each photo read from the folder, its mailbox taken from its name, then as above (a
  piece to assign has one history row and no email);
- its floor: the same per photo, reading it from the folder first.

It prints pieces per second min / median / max of each and the ratio of the medians
(target >= 0.3), on the wall clock and in this process's CPU time (user and system: on a
machine other processes keep busy, the steadier of the two), then the time of an intake
of the same folder again, which records nothing. ``--profile`` runs one more intake
under cProfile and prints its top costs.

Not part of the test run: timings depend on the machine. SQLite only.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from bench_billing_run import NOW, Seconds, build, fresh_copy, since, spread, started

from domicili import Domicili
from domicili.adapters.notifiers import NullNotifier
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.testing import sample_png

TARGET = 0.3
#: Every fifth photo of the folder names no mailbox: it is left to assign.
UNNAMED_EVERY = 5


# -- the database and the photos, made once ------------------------------------------
def open_app(db: Path, files: Path) -> Domicili:
    return Domicili(
        db,
        files=files,
        settings=Settings(),
        clock=FixedClock(NOW),
        notifier=NullNotifier(),
        auto_deliver=False,
        create=False,
    )


def make_base(folder: Path, mailboxes: int) -> Path:
    """``mailboxes`` contracts in force of one provider, each mailbox opened."""
    db = build(folder, mailboxes, providers=1)
    with open_app(db, folder / "setup-files") as app:
        for dossier_id in range(1, mailboxes + 1):
            app.receive_mail(
                dossier_id, sender="Ouverture", kind="lettre", key=f"open-{dossier_id}"
            )
    return db


def photos(count: int) -> list[bytes]:
    """``count`` distinct PNG photos of about 70 KB: one image, a text chunk each."""
    image = sample_png("enveloppe", size=400)
    end = image.index(b"IEND") - 4  # the IEND chunk's length field
    made = []
    for n in range(count):
        body = b"Comment\x00" + f"enveloppe {n}".encode()
        crc = zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF
        text = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", crc)
        made.append(image[:end] + text + image[end:])
    return made


def number(n: int, mailboxes: int) -> str:
    return f"B-{n % mailboxes + 1:04d}"


def intake_folder(folder: Path, images: list[bytes], mailboxes: int) -> Path:
    """The morning's folder: four photos in five named by their mailbox."""
    folder.mkdir()
    for n, data in enumerate(images):
        named = n % UNNAMED_EVERY != UNNAMED_EVERY - 1
        name = f"{number(n, mailboxes)}_{n:04d}.png" if named else f"IMG_{n:04d}.png"
        (folder / name).write_bytes(data)
    return folder


# -- domicili --------------------------------------------------------------------------
def run_receive(db: Path, files: Path, images: list[bytes], mailboxes: int) -> Seconds:
    with open_app(db, files) as app:
        start = started()
        for n, data in enumerate(images):
            app.receive_mail(
                number(n, mailboxes),
                sender=f"Expéditeur {n}",
                kind="lettre",
                envelope=(data, f"enveloppe-{n}.png"),
                key=f"bench-{n}",
            )
        elapsed = since(start)
    check(db, len(images) + mailboxes, "receive_mail")
    return elapsed


def run_intake(db: Path, files: Path, folder: Path, count: int, mailboxes: int) -> Seconds:
    with open_app(db, files) as app:
        start = started()
        report = app.intake_mail(folder)
        elapsed = since(start)
    if len(report.recorded) + len(report.to_assign) != count or report.refused:
        sys.exit(f"the intake recorded {len(report.recorded)}, refused {report.refused[:2]}")
    check(db, count + mailboxes, "intake_mail")
    return elapsed


def check(db: Path, expected: int, what: str) -> None:
    conn = sqlite3.connect(db)
    (count,) = conn.execute("SELECT count(*) FROM mail_pieces").fetchone()
    conn.close()
    if count != expected:
        sys.exit(f"{what}: {count} pieces in the database, not {expected}")


# -- the floor -------------------------------------------------------------------------
def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def store_file(root: Path, data: bytes) -> str:
    """The content-addressed write: ``root/ab/cdef…``, a temporary file renamed."""
    digest = hashlib.sha256(data).hexdigest()
    target = root / digest[:2] / digest[2:]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return digest


def floor_piece(
    conn: sqlite3.Connection,
    box: tuple[int, int, str] | None,
    data: bytes,
    files: Path,
    key: str,
    sender: str,
) -> None:
    """One piece: its photo stored, then one transaction with its rows."""
    sha = store_file(files, data)
    at = NOW.isoformat()
    conn.execute("BEGIN IMMEDIATE")
    found = conn.execute(
        "SELECT id FROM mail_pieces WHERE provider_id = 1 AND key = ?", (key,)
    ).fetchone()
    if found is None:
        mailbox_id, dossier_id, state = box if box else (None, None, "unassigned")
        (piece_id,) = conn.execute(
            "INSERT INTO mail_pieces (provider_id, mailbox_id, dossier_id, key, kind, sender, "
            "received_at, state, envelope_sha256, notified_at, created_at) "
            "VALUES (1, ?, ?, ?, 'lettre', ?, ?, ?, ?, ?, ?) RETURNING id",
            (mailbox_id, dossier_id, key, sender, at, state, sha, at if box else None, at),
        ).fetchone()
        history = [("received", {"kind": "lettre", "sender": sender})]
        if box:
            history.append(("placed", {"mailbox": box[2], "state": "received"}))
        for action, detail in history:
            conn.execute(
                "INSERT INTO mail_history (piece_id, at, action, actor, detail) "
                "VALUES (?, ?, ?, NULL, ?)",
                (piece_id, at, action, json.dumps(detail, ensure_ascii=False)),
            )
        conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, content_type, created_at) "
            "VALUES (?, ?, 'image/png', ?)",
            (sha, len(data), at),
        )
        if box:
            floor_told(conn, box, piece_id, sha, sender, at)
    conn.execute("COMMIT")


#: What the floor's email says: about as long as the one the core renders.
FLOOR_BODY = "Bonjour,\n\nNous avons reçu pour vous un courrier.\n" + "x" * 900


def floor_told(
    conn: sqlite3.Connection, box: tuple[int, int, str], piece_id: int, sha: str, sender: str,
    at: str,
) -> None:  # fmt: skip
    """The same rows the core writes for a piece placed: its audit event, chained to the
    last one, and the client's email queued with the photo attached."""
    _mailbox_id, dossier_id, number_ = box
    data = json.dumps({"piece_id": piece_id, "kind": "lettre", "mailbox": number_})
    (prev,) = conn.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone() or ("",)
    digest = hashlib.sha256(f"{prev}|{at}|mail.received|{dossier_id}|1|{data}".encode()).hexdigest()
    conn.execute(
        "INSERT INTO events (at, type, dossier_id, provider_id, data, prev_hash, hash) "
        "VALUES (?, 'mail.received', ?, 1, ?, ?, ?)",
        (at, dossier_id, data, prev, digest),
    )
    attachments = json.dumps([{"filename": f"enveloppe-{piece_id}.png", "sha256": sha}])
    conn.execute(
        "INSERT INTO outbox (channel, recipient, subject, body, html, template, dossier_id, "
        "provider_id, status, attempts, created_at, attachments) "
        "VALUES ('email', 'client@example.fr', ?, ?, ?, 'mail_received', ?, 1, 'pending', 0, "
        "?, ?)",
        (f"Nouveau courrier — lettre de {sender}", FLOOR_BODY, FLOOR_BODY, dossier_id, at,
         attachments),
    )  # fmt: skip


def boxes(conn: sqlite3.Connection) -> dict[str, tuple[int, int, str]]:
    return {
        n: (i, d, n) for i, d, n in conn.execute("SELECT id, dossier_id, number FROM mailboxes")
    }


def floor_receive(db: Path, files: Path, images: list[bytes], mailboxes: int) -> Seconds:
    conn = connect(db)
    start = started()
    found = boxes(conn)
    for n, data in enumerate(images):
        floor_piece(conn, found[number(n, mailboxes)], data, files, f"bench-{n}", f"Expéditeur {n}")
    elapsed = since(start)
    conn.close()
    check(db, len(images) + mailboxes, "the floor")
    return elapsed


def floor_intake(db: Path, files: Path, folder: Path, count: int, mailboxes: int) -> Seconds:
    conn = connect(db)
    start = started()
    found = boxes(conn)
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        data = path.read_bytes()
        key = "intake-" + hashlib.sha256(data).hexdigest()
        named = found.get(path.name.split("_", 1)[0])
        floor_piece(conn, named, data, files, key, "à préciser (voir l’enveloppe)")
    elapsed = since(start)
    conn.close()
    check(db, count + mailboxes, "the floor")
    return elapsed


# -- the rounds ------------------------------------------------------------------------
def fresh_files(base: Path, name: str) -> Path:
    folder = base.with_name(name)
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def report(label: str, count: int, ours: list[Seconds], floor: list[Seconds]) -> None:
    print(f"{label}: pieces/s min / median / max over {len(ours)} interleaved rounds")
    for i, clock in enumerate(("wall clock", "CPU time")):
        mine = [count / s[i] for s in ours]
        bare = [count / s[i] for s in floor]
        ratio = statistics.median(mine) / statistics.median(bare)
        verdict = "ok" if ratio >= TARGET else "below target"
        print(f"  {clock}:")
        print(f"    domicili:                         {spread(mine)}")
        print(f"    raw sqlite3 + content-addressed:  {spread(bare)}")
        print(f"    ratio {ratio:.3f} (target >= {TARGET}: {verdict})")


def profile(base: Path, folder: Path, count: int, mailboxes: int, top: int = 25) -> None:
    db = fresh_copy(base, "profiled.db")
    with open_app(db, fresh_files(base, "profiled-files")) as app:
        profiler = cProfile.Profile()
        profiler.runcall(app.intake_mail, folder)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pieces", type=int, default=1_000)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--mailboxes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one more intake under cProfile")
    args = parser.parse_args()
    pieces, count, mailboxes = args.pieces, args.photos, args.mailboxes
    work = Path(tempfile.mkdtemp(prefix="domicili-bench-mail-"))
    try:
        began = time.perf_counter()
        base = make_base(work, mailboxes)
        images = photos(max(pieces, count))
        folder = intake_folder(work / "matin", images[:count], mailboxes)
        size = statistics.mean(len(i) for i in images) / 1024
        print(
            f"built {mailboxes} mailboxes and {len(images):,} photos of {size:.0f} KB "
            f"in {time.perf_counter() - began:.1f} s"
        )
        timed: dict[str, list[Seconds]] = {k: [] for k in ("r", "rf", "i", "if")}
        runs: dict[str, Callable[[Path, Path], Seconds]] = {
            "r": lambda db, f: run_receive(db, f, images[:pieces], mailboxes),
            "rf": lambda db, f: floor_receive(db, f, images[:pieces], mailboxes),
            "i": lambda db, f: run_intake(db, f, folder, count, mailboxes),
            "if": lambda db, f: floor_intake(db, f, folder, count, mailboxes),
        }
        taken = base
        for _ in range(args.rounds):
            for name, run in runs.items():
                db = fresh_copy(base, f"{name}.db")
                timed[name].append(run(db, fresh_files(base, f"{name}-files")))
                taken = db if name == "i" else taken
        report(f"courrier receive, {pieces:,} pieces", pieces, timed["r"], timed["rf"])
        report(f"courrier intake, {count:,} photos", count, timed["i"], timed["if"])
        with open_app(taken, base.with_name("i-files")) as app:
            start = time.perf_counter()
            again = app.intake_mail(folder)
            elapsed = time.perf_counter() - start
        if again.recorded or again.to_assign or len(again.already) != count:
            sys.exit(f"the same folder again recorded {len(again.recorded)} pieces")
        print(f"the same folder again, nothing new: {elapsed:.2f} s for {count:,} photos")
        if args.profile:
            profile(base, folder, count, mailboxes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
