"""The SQLite store on a real file: pragmas, migrations, refusals, and state that lasts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.app import Domicili
from domicili.config import Settings
from domicili.errors import DatabaseError
from domicili.statuses import Status
from domicili.store.migrations import MIGRATIONS
from domicili.store.postgres_schema import PG_MIGRATIONS
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import World

# the SQLite file itself: WAL, migrations, locks
pytestmark = pytest.mark.one_store


def db_path(world: World) -> Path:
    return Path(world.app.store.path)


def test_every_connection_uses_wal_and_enforces_foreign_keys(file_world: World) -> None:
    conn = file_world.app.store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute(
            "INSERT INTO dossiers (provider_id, client_id, status, amount_due_cents, "
            "created_at, updated_at) VALUES (999, 999, 'draft', 0, 'x', 'x')"
        )


def test_wal_mode_is_recorded_in_the_file_itself(file_world: World) -> None:
    conn = sqlite3.connect(db_path(file_world))
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_every_migration_is_recorded_in_the_migrations_table(file_world: World) -> None:
    rows = file_world.app.store.execute("SELECT id, name, applied_at FROM migrations ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == [(m.number, m.name) for m in MIGRATIONS]
    numbers = [m.number for m in MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))  # 1, 2, 3… in the order they run
    assert numbers == [m.number for m in PG_MIGRATIONS]  # the same on both stores
    assert all(r[2] for r in rows)
    assert file_world.app.store.schema_version() == MIGRATIONS[-1].number


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    db = tmp_path / "domicili.db"
    for _ in range(3):
        app, _clock, _notifier = make_app(db)
        app.close()
    conn = sqlite3.connect(db)
    try:
        count = conn.execute("SELECT count(*) FROM migrations").fetchone()[0]
    finally:
        conn.close()
    assert count == len(MIGRATIONS)


def test_a_database_from_a_newer_domicili_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "domicili.db"
    make_app(db)[0].close()
    future = MIGRATIONS[-1].number + 1
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO migrations (id, name, applied_at) VALUES (?, 'from_the_future', 'x')",
            (future,),
        )
    conn.close()
    with pytest.raises(DatabaseError, match=f"newer domicili \\(schema {future}"):
        make_app(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT max(id) FROM migrations").fetchone()[0] == future
    finally:
        conn.close()


@pytest.mark.parametrize(
    "content",
    [b"This is a letter, not a database.\n" * 50, b"\x00" * 10, b"SQLite format 3\x00garbage"],
    ids=["text", "zeros", "truncated header"],
)
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(
    tmp_path: Path, content: bytes
) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    with pytest.raises(DatabaseError, match=r"notes\.db"):
        make_app(db)
    assert db.read_bytes() == content


def test_opening_a_missing_database_without_create_refuses_and_creates_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "absent.db"
    with pytest.raises(DatabaseError, match="No database at"):
        Domicili(db, settings=Settings(), create=False)
    assert list(tmp_path.iterdir()) == [tmp_path / "cwd"]


def test_the_whole_state_survives_closing_and_reopening(tmp_path: Path) -> None:
    db = tmp_path / "domicili.db"
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    app, _clock, _notifier = make_app(db, start=start)
    with app:
        provider = app.add_provider(
            name="Lumière Domiciliation",
            siren="732829320",
            agrement_numero="2024-075-0042",
            agrement_prefecture="Préfecture de police",
            agrement_date="2024-01-15",
            address="10 rue de Rivoli",
            postcode="75004",
            city="Paris",
            email="contact@lumiere.example",
            phone="01 42 00 00 00",
            iban="FR7630006000011234567890189",
        )
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        kinds = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
        for kind in kinds:
            app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
        app.review(dossier.id, validate=kinds)
        app.accept(dossier.id)
        before = app.get_dossier(dossier.id).as_dict()
        messages = app.outbox()

    again, _clock, _notifier = make_app(db, start=start)
    with again:
        details = again.get_dossier(dossier.id)
        assert details.dossier.status is Status.AWAITING_PAYMENT
        assert details.dossier.payment_due_at == datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC)
        assert details.client.name == "Atelier Lumière"
        assert details.provider.name == "Lumière Domiciliation"
        assert details.as_dict() == before
        assert again.outbox() == messages
        assert again.verify_audit().ok


def _schema(db: Path | str) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return [(kind, name, " ".join(str(sql).split())) for kind, name, sql in rows]
    finally:
        conn.close()


def test_a_new_database_has_the_schema_of_one_upgraded_migration_by_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domicili.store.sqlite import SQLiteStore

    upgraded = tmp_path / "upgraded.db"
    with monkeypatch.context() as old:
        old.setattr(SQLiteStore, "_migrations", lambda self: MIGRATIONS[:1])
        make_app(upgraded)[0].close()
    make_app(upgraded)[0].close()  # migrations 2… applied to the file one after the other
    new = tmp_path / "new.db"
    make_app(new)[0].close()
    assert _schema(new) == _schema(upgraded)
    conn = sqlite3.connect(new)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        numbers = [r[0] for r in conn.execute("SELECT id FROM migrations ORDER BY id")]
    finally:
        conn.close()
    assert numbers == [m.number for m in MIGRATIONS]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_each_throw_away_database_starts_empty() -> None:
    first, _clock, _notifier = make_app(":memory:")
    try:
        first.add_provider(**sample_provider(1))
        assert len(first.list_providers()) == 1
    finally:
        first.close()
    second, _clock, _notifier = make_app(":memory:")
    try:
        assert second.list_providers() == []
        assert second.store.schema_version() == MIGRATIONS[-1].number
    finally:
        second.close()
