"""A database named by a URL: each thing that can go wrong is one sentence, never a trace."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice

pytestmark = pytest.mark.one_store  # each test names its own server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cli: Cli, db: str, *args: str, files: Path | None = None) -> tuple[int, str]:
    target = ["--db", db, *(["--files", str(files)] if files else [])]
    saved, cli.target = cli.target, target
    try:
        result = cli(*args)
    finally:
        cli.target = saved
    return result.exit_code, result.output


def test_a_url_of_another_scheme_is_refused_naming_what_works(cli: Cli, tmp_path: Path) -> None:
    code, out = run(cli, "mysql://root@127.0.0.1/x", "dossier", "list", files=tmp_path)
    assert code == 1
    assert "mysql: is not a database domicili can use" in out
    assert "postgresql://user@host:5432/name" in out


def test_a_database_url_without_a_files_folder_is_a_usage_error(cli: Cli) -> None:
    code, out = run(cli, "postgresql://postgres@127.0.0.1:5432/x", "dossier", "list")
    assert code == 2
    assert "--files DIR (or DOMICILI_FILES) is required with a database URL" in out


def test_an_unreachable_server_is_an_adapter_failure_to_retry(cli: Cli, tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/domicili"
    code, out = run(cli, url, "dossier", "list", files=tmp_path / "files")
    assert code == 3
    assert f"The PostgreSQL server at 127.0.0.1:{url.split(':')[2].split('/')[0]}" in out
    assert "cannot be reached" in out
    assert "try again" in out
    assert not (tmp_path / "files").exists()


def test_unknown_credentials_are_refused_in_one_sentence(
    cli: Cli, store: StoreChoice, tmp_path: Path
) -> None:
    url, _files = store.pg_new()
    stranger = url.replace("postgresql://postgres", "postgresql://nobody_here:wrong", 1)
    code, out = run(cli, stranger, "dossier", "list", files=tmp_path)
    assert code == 1
    assert "refused the credentials of postgresql://nobody_here@" in out
    assert "wrong" not in out  # the password is never printed


def test_a_database_that_does_not_exist_is_named(
    cli: Cli, store: StoreChoice, tmp_path: Path
) -> None:
    url, _files = store.pg_new()
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    code, out = run(cli, missing, "dossier", "list", files=tmp_path)
    assert code == 1
    assert "There is no database no_such_database on the PostgreSQL server" in out


def test_a_postgresql_database_of_a_newer_schema_is_refused(
    cli: Cli, store: StoreChoice, tmp_path: Path
) -> None:
    url, files = store.pg_new()
    assert run(cli, url, "init", files=files)[0] == 0
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO migrations (id, name, applied_at) VALUES (999, 'future', '')")
        try:
            code, out = run(cli, url, "dossier", "list", files=files)
        finally:  # the pool hands this database out again
            conn.execute("DELETE FROM migrations WHERE id = 999")
    assert code == 1
    assert "was written by a newer domicili (schema 999" in out
