"""A throw-away PostgreSQL server for the tests, and a pool of empty databases on it.

Everything runs as root here and PostgreSQL refuses to, so ``initdb`` and ``pg_ctl``
run as the ``postgres`` user (``runuser``) on a temporary folder and a free port,
with fsync off. ``DOMICILI_TEST_PG=postgresql://…`` uses an existing server instead
(the role must be allowed to create databases).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """A server started here (stopped by :meth:`stop`), or one named by a URL."""

    def __init__(self, url: str | None = None) -> None:
        self.folder: Path | None = None
        self.bin: Path | None = None
        if url is None:
            url = self._start()
        self.url = url.rstrip("/")
        admin = psycopg.conninfo.conninfo_to_dict(self.url)
        self.base = {k: v for k, v in admin.items() if k != "dbname"}
        self.admin_db = str(admin.get("dbname") or "postgres")

    def _start(self) -> str:
        if not PG_BINARIES:
            raise RuntimeError(
                "The PostgreSQL tests need a server: install PostgreSQL (apt-get install "
                "postgresql), or set DOMICILI_TEST_PG=postgresql://… to use one, or "
                "DOMICILI_TEST_PG=skip to run the SQLite store only."
            )
        self.bin = PG_BINARIES[-1]
        self.folder = Path(tempfile.mkdtemp(prefix="domicili-pg-"))
        data = self.folder / "data"
        runner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            runner = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*runner, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        port = _free_port()
        options = (
            f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*runner, str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l",
             str(self.folder / "log"), "-o", options, "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        self._runner = runner
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def database_url(self, name: str) -> str:
        user = self.base.get("user") or "postgres"
        password = f":{self.base['password']}" if self.base.get("password") else ""
        host, port = self.base.get("host") or "127.0.0.1", self.base.get("port") or 5432
        return f"postgresql://{user}{password}@{host}:{port}/{name}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.database_url(self.admin_db), autocommit=True)

    @property
    def own(self) -> bool:
        """Whether the server was started here (and goes, with its data, at :meth:`stop`)."""
        return self.folder is not None

    def stop(self) -> None:
        if self.folder is None or self.bin is None:
            return
        # "fast" rather than "immediate": a server killed leaves its shared memory
        # segments behind in /dev/shm; a fast stop takes a tenth of a second.
        subprocess.run(
            [*self._runner, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"),
             "-m", "fast", "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


class DatabasePool:
    """Empty, migrated databases handed out one per :meth:`take`, emptied again by
    :meth:`release`: a test gets a fresh database for ~10 ms instead of ~100."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.prefix = f"domicili_test_{os.getpid()}_"
        self.free: list[str] = []
        self.used: list[str] = []
        self.made: list[str] = []
        #: Databases built once and copied by :meth:`clone` (taken out of the pool).
        self.kept: list[str] = []
        self.clones: list[str] = []
        #: A connection kept open to each pooled database, to empty it between tests.
        self._keepers: dict[str, psycopg.Connection[Any]] = {}

    def take(self) -> str:
        if self.free:
            name = self.free.pop()
        else:
            name = f"{self.prefix}{len(self.made)}"
            with self.server.admin() as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            self.made.append(name)
        self.used.append(name)
        return self.server.database_url(name)

    def fresh(self) -> str:
        """A database never migrated (dropped at release): for a test that builds an older
        schema, which a pooled database, already migrated, cannot give."""
        name = f"{self.prefix}f{len(self.clones)}_{os.urandom(3).hex()}"
        with self.server.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.clones.append(name)
        return self.server.database_url(name)

    def keep(self, url: str) -> str:
        """Take the database of ``url`` out of the pool for good, to be cloned; its name."""
        name = url.rsplit("/", 1)[1]
        self.used.remove(name)
        self.kept.append(name)
        keeper = self._keepers.pop(name, None)
        if keeper is not None:  # a template must have no other session
            keeper.close()
        return name

    def clone(self, template: str) -> str:
        """A copy of a kept database (``CREATE DATABASE … TEMPLATE``), dropped at release."""
        name = f"{self.prefix}c{len(self.clones)}_{os.urandom(3).hex()}"
        with self.server.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (template,),
            )
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        self.clones.append(name)
        return self.server.database_url(name)

    def release(self) -> None:
        """Empty every database taken since the last release (other sessions ended)."""
        if self.clones:
            with self.server.admin() as conn:
                for name in self.clones:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.clones = []
        for name in self.used:
            keeper = self._keepers.get(name)
            if keeper is None or keeper.closed:
                url = self.server.database_url(name)
                keeper = self._keepers[name] = psycopg.connect(url, autocommit=True)
            _empty(keeper, name)
            self.free.append(name)
        self.used = []

    def drop_all(self) -> None:
        for keeper in self._keepers.values():
            keeper.close()
        if self.server.own:  # the server goes with its data
            return
        with self.server.admin() as conn:
            for name in [*self.made, *self.clones]:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


#: Every identity back to 1, as ``TRUNCATE … RESTART IDENTITY`` does.
_RESTART_IDENTITIES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
    "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"
)

#: The sessions a test left open on the database, then every table but ``migrations``
#: emptied (whatever tables the test's schema has), in one statement.
_EMPTY = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = '{name}' AND pid <> pg_backend_pid();
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
           AND tablename <> 'migrations' LOOP
    EXECUTE 'DELETE FROM ' || quote_ident(t);
  END LOOP;
END $$;
"""


def _empty(conn: psycopg.Connection[Any], name: str) -> None:
    """Empty every table of database ``name`` (one of the pool's: a plain identifier)
    through ``conn``, a session of its own on it, and restart their identities, in one round trip.

    A test writes a few rows: deleting them is several times faster than ``TRUNCATE``,
    which makes new files for every table. Triggers (the invoices' immutability) and
    foreign keys are set aside for it, which takes a superuser, as the server the tests
    start is; on another server, ``TRUNCATE``.
    """
    try:
        conn.execute(
            f"SET session_replication_role = replica; {_EMPTY.format(name=name)}; "
            f"SET session_replication_role = DEFAULT; {_RESTART_IDENTITIES}"
        )
    except psycopg.errors.InsufficientPrivilege:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'migrations'"
            )
        ]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
