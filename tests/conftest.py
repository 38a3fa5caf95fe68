"""Shared fixtures: a facade over fakes, sample files, and a database dump for "nothing changed".

Test modules get these through fixtures only (no helper imports), so that every test
file stays independent and pytest can collect them by their unique names.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import domicili.testing
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.testing import (
    RecordingNotifier,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)
from rendered_once import RenderedOnce

#: The suite reads the sentences as they are written (English); the French catalog is
#: checked whole by tests/unit/test_i18n.py, and the stories a French reader follows
#: (the demo, the README) run in French.
os.environ["DOMICILI_LANG"] = "en"

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
CLI_NOW = "2026-03-02T10:00:00+01:00"

#: A minimal JPEG and PNG header: enough for content sniffing.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


# -- the two stores -------------------------------------------------------------------
#: DOMICILI_TEST_PG: unset (start a throw-away server), a postgresql:// URL, or "skip".
_PG = os.environ.get("DOMICILI_TEST_PG", "")
STORES = ("sqlite",) if _PG == "skip" else ("sqlite", "postgresql")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores. Tests wait on the commands they run,
    on the PostgreSQL server and on loopback servers; a third worker on two cores fills
    those waits (the suite took 322 s with 3 workers, 368 s with 2 and 339 s with 4)."""
    return (os.cpu_count() or 1) + 1


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "one_store: runs once, on SQLite: it uses no database, or a SQLite file on purpose",
    )
    RENDERED.install()
    if not hasattr(config, "workerinput"):
        _compile_the_package()
        _temporary_folders_in_memory()


#: Where the tests' folders go when the machine has a memory file system large enough.
MEMORY_FOLDER = Path("/dev/shm")


def _temporary_folders_in_memory() -> None:
    """The tests' folders, databases and PostgreSQL server in memory (``/dev/shm``), unless
    ``TMPDIR`` says where they go.

    A run writes some 25,000 files (600 MB) and the PostgreSQL server its data; on a
    disk that discards what is deleted, writing and deleting them cost more than many
    tests. Set here, before the workers start, it is their ``TMPDIR`` and that of every
    command they run."""
    if os.environ.get("TMPDIR") or not MEMORY_FOLDER.is_dir():
        return
    if not os.access(MEMORY_FOLDER, os.W_OK) or shutil.disk_usage(MEMORY_FOLDER).free < 4 << 30:
        return
    os.environ["TMPDIR"] = str(MEMORY_FOLDER)
    tempfile.tempdir = None  # computed again from TMPDIR


def _compile_the_package() -> None:
    """Bytecode for the package the tests' subprocesses import, written once up front.

    Hundreds of tests run the ``domicili`` command; where Python writes no bytecode of
    its own (``PYTHONDONTWRITEBYTECODE``, an editable install from a fresh clone), each
    of them would compile the package again, a tenth of a second per command."""
    import compileall

    compileall.compile_dir(Path(domicili.__file__).parent, quiet=2)


#: The services' PDFs, rendered once per worker for the same inputs (rendered_once.py).
RENDERED = RenderedOnce()
DOCUMENT_TESTS = REPO / "tests" / "documents"


@pytest.fixture(autouse=True)
def _rendering(request: pytest.FixtureRequest) -> None:
    """The document tests render every time: they are about the rendering."""
    RENDERED.active = not request.node.path.is_relative_to(DOCUMENT_TESTS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test runs on each store, except those marked ``one_store``."""
    if "store" in metafunc.fixturenames:
        once = metafunc.definition.get_closest_marker("one_store") is not None
        metafunc.parametrize("store", ("sqlite",) if once else STORES, indirect=True)


class PostgresDatabases:
    """The session's PostgreSQL server (started on first use) and its database pool."""

    def __init__(self) -> None:
        self._pool: Any = None
        self._server: Any = None

    def pool(self) -> Any:
        if self._pool is None:
            from pg_server import DatabasePool, PgServer

            try:
                self._server = PgServer(_PG or None)
            except RuntimeError as exc:
                pytest.fail(str(exc), pytrace=False)
            self._pool = DatabasePool(self._server)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.drop_all()
        if self._server is not None:
            self._server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    try:
        yield databases
    finally:
        databases.close()


class StoreChoice:
    """Which store this run of a test uses, and where its new databases go."""

    def __init__(self, kind: str, root: Path, postgres: PostgresDatabases) -> None:
        self.kind, self.root, self._postgres = kind, root, postgres
        self._count = 0

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgresql"

    def new(self) -> tuple[str, Path | None]:
        """A new empty database: ``(db, files)`` (SQLite: in memory, its own files)."""
        if not self.is_postgres:
            return ":memory:", None
        return self.pg_new()

    def shared(self, name: str = "domicili.db") -> tuple[str, Path | None]:
        """A new database other connections and processes can open too: ``(db, files)``
        (SQLite: the file ``name`` in the test's folder, its files beside it)."""
        if not self.is_postgres:
            return str(self.root / name), None
        return self.pg_new()

    def unmigrated(self) -> tuple[str, Path | None]:
        """Like :meth:`shared`, but never migrated on PostgreSQL either (not from the pool):
        for a test that builds a database of an older schema."""
        if not self.is_postgres:
            return self.shared()
        self._count += 1
        return self._postgres.pool().fresh(), self.root / f"files-{self._count}"

    def pg_new(self) -> tuple[str, Path]:
        """A new empty PostgreSQL database and a folder for its files (any run's store)."""
        if _PG == "skip":
            pytest.skip("DOMICILI_TEST_PG=skip: this run has no PostgreSQL server")
        self._count += 1
        return self._postgres.pool().take(), self.root / f"files-{self._count}"

    def release(self) -> None:
        pool = self._postgres._pool
        if pool is not None and (pool.used or pool.clones):
            pool.release()


@pytest.fixture(autouse=True)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresDatabases
) -> Iterator[StoreChoice]:
    """The store of this run; ``make_app()`` without a database uses it."""
    choice = StoreChoice(getattr(request, "param", "sqlite"), tmp_path, postgres)
    domicili.testing.use_database(choice.new if choice.is_postgres else None)
    try:
        yield choice
    finally:
        domicili.testing.use_database(None)
        choice.release()


# -- a mail server on loopback --------------------------------------------------------
def _serving(**behaviour: Any) -> Iterator[Any]:
    from smtp_server import SmtpServer

    server = SmtpServer(**behaviour).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on loopback that records every email it takes."""
    yield from _serving()


@pytest.fixture
def slow_smtp() -> Iterator[Any]:
    """An SMTP server that waits 0.3 s between receiving an email and acknowledging it."""
    yield from _serving(delay=0.3)


@pytest.fixture
def hung_smtp() -> Iterator[Any]:
    """An SMTP server that takes connections and never answers."""
    yield from _serving(answer=False)


@pytest.fixture
def mail_down(tmp_path: Path) -> dict[str, str]:
    """The environment of a command whose mail server refuses connections (every email
    stays queued): ``DOMICILI_CONFIG`` naming such settings."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "mail-down.toml"
    config.write_text(
        '[notifications]\nnotifier = "smtp"\n\n'
        f'[notifications.options]\nhost = "127.0.0.1"\nport = {port}\ntimeout = 2\n',
        encoding="utf-8",
    )
    return {"DOMICILI_CONFIG": str(config)}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's DOMICILI_* variables or writes in the working folder."""
    for name in [n for n in os.environ if n.startswith("DOMICILI_")]:
        if name not in ("DOMICILI_LANG", "DOMICILI_TEST_PG"):
            monkeypatch.delenv(name, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


class World:
    """A facade over fakes plus the few steps most tests start from."""

    def __init__(self, app: Domicili, clock: FixedClock, notifier: RecordingNotifier) -> None:
        self.app, self.clock, self.notifier = app, clock, notifier
        self._seed = 0
        self._demandes = 0

    def provider(self, **overrides: Any) -> int:
        self._seed += 1
        provider = self.app.add_provider(**sample_provider(self._seed, **overrides))
        assert provider.id is not None
        return provider.id

    def demande(
        self,
        *providers: int,
        kind: str = "company",
        en_formation: bool = True,
        **client: Any,
    ) -> list[int]:
        """One request sent to ``providers`` (a new provider when none); the dossier ids.

        Each request after the first comes from another client (see ``sample_answers``)."""
        targets = list(providers) or [self.provider()]
        answers = sample_answers(kind, en_formation=en_formation, seed=self._demandes, **client)
        self._demandes += 1
        _client, dossiers = self.app.create_demande(answers, to=targets)
        return [d.id for d in dossiers if d.id is not None]

    def required(self, dossier_id: int) -> list[str]:
        return [p.kind for p in self.app.justificatifs(dossier_id) if p.required]

    def send_pieces(self, dossier_id: int, kinds: list[str] | None = None) -> list[str]:
        kinds = kinds if kinds is not None else self.required(dossier_id)
        for kind in kinds:
            self.app.add_justificatif(
                dossier_id, kind, sample_pdf(f"{kind} {dossier_id}"), f"{kind}.pdf"
            )
        return kinds

    def ready(self, dossier_id: int) -> None:
        """Every piece required before acceptance sent and validated."""
        self.app.review(dossier_id, validate=self.send_pieces(dossier_id))

    def accepted(self, **client: Any) -> int:
        (dossier_id,) = self.demande(**client)
        self.ready(dossier_id)
        self.app.accept(dossier_id)
        return dossier_id

    def in_force(self, *providers: int, **client: Any) -> int:
        """A dossier in force (S4) with ``providers`` (a new one when none): accepted,
        paid by transfer, signed by both parties with the codes they were sent."""
        import re

        (dossier_id,) = self.demande(*providers, **client)
        self.ready(dossier_id)
        self.app.accept(dossier_id)
        mark = len(self.notifier.sent)
        self.app.record_payment(dossier_id, method="transfer")
        provider = self.app.get_dossier(dossier_id).provider
        ours = {provider.phone, provider.email, provider.representative_email}
        codes: dict[str, str] = {}
        for message in self.sent_since(mark):
            # The code goes by SMS to a mobile, else in the email of the contract to sign.
            found = re.search(r"(?is)code de signature.*?(?<![-\d])(\d{6})(?!\d)", message.body)
            if found and message.dossier_id == dossier_id:
                codes["provider" if message.to in ours else "client"] = found.group(1)
        for party, code in codes.items():
            self.app.sign(dossier_id, party, code)
        assert self.app.get_dossier(dossier_id).dossier.status.in_force
        return dossier_id

    def sent_since(self, mark: int) -> list[Any]:
        return self.notifier.sent[mark:]

    def direct(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """One statement on this world's database from outside (see :func:`run_direct`)."""
        return run_direct(self.app.store.location, sql, *params)


@pytest.fixture
def world() -> Iterator[World]:
    app, clock, notifier = make_app(start=START)
    try:
        yield World(app, clock, notifier)
    finally:
        app.close()


@pytest.fixture
def world_with() -> Iterator[Any]:
    """``world_with(settings)``: a ``world`` on these settings (closed after the test)."""
    made: list[Domicili] = []

    def make(settings: Any) -> World:
        app, clock, notifier = make_app(start=START, settings=settings)
        made.append(app)
        return World(app, clock, notifier)

    try:
        yield make
    finally:
        for app in made:
            app.close()


@pytest.fixture
def file_world(tmp_path: Path, store: StoreChoice) -> Iterator[World]:
    """Like ``world`` but on a database other connections can open as well: a SQLite file
    in ``tmp_path`` (files beside it), or this run's PostgreSQL database."""
    db, files = store.shared()
    app, clock, notifier = make_app(db, files=files, start=START)
    try:
        yield World(app, clock, notifier)
    finally:
        app.close()


def run_direct(db: str | Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """One statement (``?`` style) on ``db`` (a SQLite path or a URL) through a connection
    of its own, as someone working on the database behind domicili's back would; its rows."""
    from domicili.store import open_store

    other = open_store(str(db), create=False)
    try:
        return other.execute(sql, params)
    finally:
        other.close()


def dump_database(db: str | Path) -> list[str]:
    """Every table's rows, as text (compared before/after a refused command), on either store."""
    from domicili.store import open_store

    other = open_store(str(db), create=False)
    try:
        if other.sql.dialect == "sqlite":
            listing = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            listing = (
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            )
        out = []
        for (table,) in other.execute(listing):
            out += [
                f"{table} {row!r}" for row in other.execute(f"SELECT * FROM {table} ORDER BY 1")
            ]
        return out
    finally:
        other.close()


def files_under(root: Path, *, skip: tuple[str, ...] = ()) -> set[str]:
    """Relative paths of every file under ``root`` except SQLite's own (db, -wal, -shm)."""
    out = set()
    for p in root.rglob("*"):
        if not p.is_file() or p.name.endswith(("-wal", "-shm", ".db")):
            continue
        rel = p.relative_to(root).as_posix()
        if not rel.startswith(skip):
            out.add(rel)
    return out


@pytest.fixture
def dump() -> Any:
    return dump_database


@pytest.fixture
def direct() -> Any:
    return run_direct


@pytest.fixture
def files() -> Any:
    return files_under


class Cli:
    """The real ``domicili`` command through click's runner, on a database in ``tmp_path``.

    Every call fails the test if the output holds a traceback, reports an unexpected
    error, or if an exception other than the documented exits escaped the command.
    """

    def __init__(
        self, root: Path, store: StoreChoice | None = None, *, url: str | None = None
    ) -> None:
        """On ``root/cabinet.db``; on a new database of ``store`` if it is PostgreSQL, or on
        the database server's ``url`` (the files in ``root/cabinet.db-files`` then)."""
        self.root = root
        self.db = root / "cabinet.db"
        #: ``--db`` (and ``--files``) as given to every command.
        self.target: list[str] = ["--db", str(self.db)]
        self.files = root / f"{self.db.name}-files"
        if url is None and store is not None and store.is_postgres:
            url, files = store.new()
            assert files is not None
            self.files = files
        if url is not None:
            self.target = ["--db", url, "--files", str(self.files)]
        self.now = CLI_NOW
        self.runner = CliRunner()

    @property
    def outbox(self) -> Path:
        return self.files / "outbox"

    @property
    def database(self) -> str:
        """The ``--db`` value: the SQLite file, or the PostgreSQL URL."""
        return self.target[1]

    def direct(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """One statement on the database outside any command (see :func:`run_direct`)."""
        return run_direct(self.database, sql, *params)

    def __call__(
        self, *args: object, now: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        from domicili.cli import cli

        environment: dict[str, str | None] = {
            "DOMICILI_NOW": now or self.now,
            "DOMICILI_DB": None,
            "DOMICILI_FILES": None,
            "DOMICILI_PROVIDER": None,
            "DOMICILI_CONFIG": None,
            **(env or {}),
        }
        argv = [*self.target, *(str(a) for a in args)]
        result = self.runner.invoke(cli, argv, env=environment)
        assert "Traceback" not in result.output, result.output
        assert "Error: unexpected" not in result.output, result.output  # a defect, not a refusal
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def ok(self, *args: object, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: object, **kwargs: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kwargs).stdout)

    def add_provider(self, seed: int, **overrides: str) -> int:
        fields = sample_provider(seed, **overrides)
        argv: list[str] = ["provider", "add"]
        for name, value in fields.items():
            argv += [f"--{name.replace('_', '-')}", str(value)]
        return int(self.json(*argv)["id"])


@pytest.fixture
def cli(tmp_path: Path, store: StoreChoice) -> Cli:
    return Cli(tmp_path, store)


class Templates:
    """Databases built once per session and store; each test works on its own copy.

    A template is a folder (the database's files, and whatever the build wrote there)
    and, on PostgreSQL, a database kept out of the pool and copied with
    ``CREATE DATABASE … TEMPLATE``.
    """

    def __init__(self, root: Path, postgres: PostgresDatabases) -> None:
        self.root, self.postgres = root, postgres
        self.built: dict[tuple[str, str], tuple[Path, str | None]] = {}

    def copy(self, key: str, store: StoreChoice, root: Path, build: Any) -> tuple[str, Path]:
        """``(db, files)`` of a copy in ``root`` of the database ``build(db, files)`` made once
        (its files folder is ``cabinet.db-files`` in the folder it may also write to)."""
        folder, template = self._made(key, store, build)
        shutil.copytree(folder, root, dirs_exist_ok=True)
        files = root / "cabinet.db-files"
        if template is None:
            return str(root / "cabinet.db"), files
        return self.postgres.pool().clone(template), files

    def cli(self, key: str, store: StoreChoice, root: Path, build: Any) -> Cli:
        """A ``Cli`` in ``root`` on a copy of the database that ``build(cli)`` made once."""

        def on(folder: Path, db: str) -> Cli:
            return Cli(folder, url=db) if store.is_postgres else Cli(folder)

        db, _files = self.copy(key, store, root, lambda db, files: build(on(files.parent, db)))
        return on(root, db)

    def _made(self, key: str, store: StoreChoice, build: Any) -> tuple[Path, str | None]:
        made = self.built.get((key, store.kind))
        if made is None:
            made = self.built[(key, store.kind)] = self._build(key, store, build)
        return made

    def _build(self, key: str, store: StoreChoice, build: Any) -> tuple[Path, str | None]:
        folder = self.root / f"{key}-{store.kind}"
        folder.mkdir(parents=True)
        if not store.is_postgres:
            build(str(folder / "cabinet.db"), folder / "cabinet.db-files")
            return folder, None
        pool = self.postgres.pool()
        url = pool.take()
        template = pool.keep(url)
        build(url, folder / "cabinet.db-files")
        return folder, template


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresDatabases) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"), postgres)


@pytest.fixture(scope="session")
def make_cli() -> type[Cli]:
    """The ``Cli`` class, for fixtures that build a database once per module."""
    return Cli


@pytest.fixture(scope="session")
def societe_answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example answers of a company en formation, with its pieces next to it."""
    example = EXAMPLES / "demande-societe.yaml"
    if example.is_file():
        return example
    folder = tmp_path_factory.mktemp("exemple")
    (folder / "pieces").mkdir(parents=True)
    documents = {}
    for kind in ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"):
        (folder / "pieces" / f"{kind}.pdf").write_bytes(sample_pdf(kind))
        documents[kind] = f"pieces/{kind}.pdf"
    answers = sample_answers()
    answers["client"]["email"] = "contact@atelier-lumiere.fr"
    answers["documents"] = documents
    file = folder / "demande-societe.yaml"
    file.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return file


# -- a database every command can act on -----------------------------------------------
#: Dossiers of the command world: provider A (1) and provider B (2), by status.
WORLD_DOSSIERS = {"A": {"S1": 1, "S2": 3, "S4": 5}, "B": {"S1": 2, "S2": 4, "S4": 6, "S3": 7}}
#: Held payments (a second payment of an S4 dossier) of each provider.
WORLD_HELD = {"A": 4, "B": 5}
#: Client names of each provider's dossiers (B's must never show under ``--provider 1``).
WORLD_CLIENTS = {"A": "Atelier Lumière", "B": "Brasserie Bellevue"}
_REQUIRED = ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs")


class CommandWorld:
    """A copy of a database in which every command has something to act on, and the
    values that name its records (built once per store by :func:`build_command_world`).

    Provider A (id 1) and provider B (id 2), each with an offer and dossiers in S1, S2
    (a card-payment link open), S4 (paid, invoiced, signed); B also one in S3, so that
    B's series has an invoice number A's has not. Every message was delivered.
    """

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.scratch = cli.root / "scratch"  # where commands may write their output
        self.scratch.mkdir(exist_ok=True)
        self.config = cli.root / "domicili.toml"
        self.links = json.loads((cli.root / "links.json").read_text(encoding="utf-8"))

    def env(self) -> dict[str, str]:
        return {"DOMICILI_CONFIG": str(self.config)}


def build_command_world(cli: Cli) -> None:
    """The database of :class:`CommandWorld`, written by the real commands."""
    import re

    import yaml

    root = cli.root
    config = root / "domicili.toml"
    config.write_text(
        '[payment]\ncheckout_url = "https://paiement.example.fr/checkout/{token}"\n',
        encoding="utf-8",
    )
    env = {"DOMICILI_CONFIG": str(config)}
    shutil.copytree(EXAMPLES / "pieces", root / "pieces")
    answers = yaml.safe_load((EXAMPLES / "demande-societe.yaml").read_text(encoding="utf-8"))
    for side, name in WORLD_CLIENTS.items():
        answers["client"]["name"] = name
        (root / f"demande-{side}.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
    cli.add_provider(1, phone="06 98 76 54 31")
    cli.add_provider(2, phone="06 98 76 54 32")
    for provider in (1, 2):
        cli.ok("offer", "add", provider, "--name", f"Essentiel {provider}", "--price-ht", "29")
    by_id = sorted((d, side) for side, ds in WORLD_DOSSIERS.items() for d in ds.values())
    for dossier_id, side in by_id:
        # One client per side with several dossiers at its provider: sent on purpose.
        made = cli.json("demande", "create", "--answers", root / f"demande-{side}.yaml",
                        "--to", 1 if side == "A" else 2, "--force", env=env)  # fmt: skip
        assert made["dossiers"][0]["id"] == dossier_id
    links = {}
    for dossiers in WORLD_DOSSIERS.values():
        for status, dossier_id in dossiers.items():
            if status == "S1":
                continue
            cli.ok("justificatif", "review", dossier_id,
                   *[a for kind in _REQUIRED for a in ("--validate", kind)], env=env)  # fmt: skip
            cli.ok("dossier", "accept", dossier_id, env=env)
            (email,) = [
                m for m in cli.json("outbox", "list", "--dossier", dossier_id)
                if m["template"] == "accepted" and m["channel"] == "email"
            ]  # fmt: skip
            links[dossier_id] = re.findall(r"/checkout/(pl_[0-9a-f]+)", email["body"])[0]
    for dossier_id in (5, 6, 7):
        cli.ok("payment", "record", dossier_id, "--method", "transfer", env=env)
    # A second payment of a paid dossier is held for review: A's is 4, B's is 5.
    for dossier_id in (5, 6):
        held = cli("payment", "record", dossier_id, "--method", "transfer", env=env)
        assert held.exit_code == 4, held.output
    for dossier_id in (5, 6):
        reference = f"D-{dossier_id:06d}"
        provider_phone = f"+3369876543{1 if dossier_id == 5 else 2}"
        for party, phone in (("client", "+33612345678"), ("provider", provider_phone)):
            sms = [p.read_text(encoding="utf-8") for p in sorted(cli.outbox.glob(f"*{phone}*"))]
            codes = re.findall(rf"du contrat {reference} est (\d{{6}})\.", "\n".join(sms))
            cli.ok("contract", "sign", dossier_id, "--party", party, "--otp", codes[-1])
    (root / "links.json").write_text(json.dumps(links), encoding="utf-8")


@pytest.fixture
def command_world(templates: Templates, store: StoreChoice, tmp_path: Path) -> Any:
    """A function: ``command_world(folder)`` is a new :class:`CommandWorld` in ``folder``."""

    def copy(folder: Path) -> CommandWorld:
        return CommandWorld(templates.cli("command-world", store, folder, build_command_world))

    return copy
