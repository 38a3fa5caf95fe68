"""The ``domicili`` command: ``domicili NOUN VERB ARGS``.

Each command parses its arguments, makes one call on the :class:`~domicili.Domicili`
facade and renders the result. No SQL and no business rule live here.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ConfigError, DomiciliError
from ..i18n import _
from ._i18n import install as install_click_sentences
from ._i18n import translate_help
from ._output import ID

if TYPE_CHECKING:
    from ..app import Domicili

__all__ = ["cli", "main"]


class State:
    """Global options, and the facade opened on first use."""

    def __init__(
        self,
        db: str,
        provider: int | None,
        config: Path | None,
        as_json: bool,
        files: Path | None = None,
    ) -> None:
        self.database, self.provider, self.config, self.as_json = db, provider, config, as_json
        self.files = files
        #: The SQLite file (None for a database server's URL).
        self.db: Path | None = None if "://" in db else Path(db)
        self._app: Domicili | None = None
        #: What this command created itself (removed again if the command is refused).
        self._created: list[Path] = []

    def app(self, *, create: bool = False) -> Domicili:
        if self._app is None:
            from ..app import Domicili
            from ..config import load_settings

            if create:
                made = [self.files] if self.files is not None else []
                if self.db is not None:
                    made += [self.db] if self.files else [self.db, _files_beside(self.db)]
                self._created = [p for p in made if not p.exists()]
            try:
                self._app = Domicili(
                    self.database,
                    files=self.files,
                    settings=load_settings(self.config),
                    provider=self.provider,
                    create=create,
                )
            except ConfigError as exc:
                if exc.field == "files":
                    raise click.UsageError(
                        _(
                            "--files DIR (or DOMICILI_FILES) is required with a database URL: "
                            "the folder of the stored files, shared by every application server."
                        )
                    ) from None
                raise
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    def discard_created(self) -> None:
        """A refused command leaves no new database behind (nothing changed)."""
        if not self._created:
            return
        import shutil

        self.close()
        self._app = None
        if self.db is not None and self.db in self._created:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        for path in self._created:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        self._created = []


def _files_beside(db: Path) -> Path:
    return db.parent / f"{db.name}-files"


#: Each top-level command → the module of this package that defines it (in its
#: ``COMMANDS``). A command's module is imported when the command is asked for, so that
#: ``domicili dossier list`` loads only what listing dossiers needs; ``--help`` and the
#: CLI reference load them all.
LAZY_COMMANDS: dict[str, str] = {
    "provider": "provider",
    "offer": "offer",
    "annuaire": "annuaire",
    "demande": "demande",
    "dossier": "dossier",
    "justificatif": "justificatif",
    "payment": "payment",
    "billing": "billing",
    "mandate": "mandate",
    "card": "card",
    "courrier": "courrier",
    "contract": "documents",
    "attestation": "documents",
    "invoice": "documents",
    "report": "report",
    "init": "misc",
    "sweep": "misc",
    "outbox": "misc",
    "audit": "misc",
    "demo": "misc",
}


def _shown(value: str) -> str:
    """``value`` printable: the bytes a shell passed (``\\xff``), or ``\\ud800`` for a
    lone surrogate that stands for no byte."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("ascii")
    return raw.decode("utf-8", "backslashreplace")


def _check_text(args: list[str]) -> None:
    """Refuse an argument or a ``DOMICILI_*`` variable that is not UTF-8 text (Python hands
    such bytes over as lone surrogates, which no database, file name or message can hold)
    before anything runs."""
    given = [(_("Argument {n}").format(n=n), arg) for n, arg in enumerate(args, 1)]
    given += [(name, v) for name, v in sorted(os.environ.items()) if name.startswith("DOMICILI_")]
    for name, value in given:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = _shown(value)
            raise click.UsageError(
                _(
                    "{name} ({shown}) is not valid UTF-8 text; type it again or check the "
                    "terminal's encoding."
                ).format(name=name, shown=shown)
            ) from None


class DomiciliGroup(click.Group):
    """Loads commands on demand; turns domicili errors into one sentence on stderr and the
    documented exit code (the table is :data:`domicili.cli._errors.EXIT_CODES`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module = import_module(f"{__name__}.{LAZY_COMMANDS[cmd_name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        command = self.commands.get(cmd_name)
        if command is not None:
            translate_help(command)
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        install_click_sentences()
        translate_help(self)
        return super().main(*args, **kwargs)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        asks_json = _asks_json(args)  # before parsing, which consumes ``args``
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:  # the root's own options, before any command
            if parent is None and asks_json:
                from ._errors import report_json

                report_json(exc, exc.exit_code)
                raise click.exceptions.Exit(exc.exit_code) from None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            ctx.meta[_JSON] = _asks_json(args)
            _check_text(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from ._errors import REFUSED, exit_code, sentence

        try:
            result = super().invoke(ctx)
        except DomiciliError as exc:
            if isinstance(ctx.obj, State):
                ctx.obj.discard_created()
            _refuse(ctx, exc, sentence(exc), exit_code(exc))
            _undelivered()
            ctx.exit(exit_code(exc))
        except click.exceptions.Exit:
            _undelivered()
            raise
        except KeyboardInterrupt:
            click.echo(_("Interrupted; nothing was half-written."), err=True)
            ctx.exit(130)
        except OSError as exc:
            if os.environ.get("DOMICILI_DEBUG"):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            reason = _("{reason}{where}.").format(reason=exc.strerror or exc, where=where)
            _refuse(ctx, exc, reason, REFUSED)
            ctx.exit(REFUSED)
        except click.exceptions.ClickException as exc:
            if not ctx.meta.get(_JSON):
                raise
            from ._errors import report_json

            report_json(exc, exc.exit_code)
            ctx.exit(exc.exit_code)
        except click.exceptions.Abort:
            raise
        except Exception as exc:  # a defect: still one sentence, and the transaction rolled back
            if os.environ.get("DOMICILI_DEBUG"):
                raise
            reason = _(
                "unexpected {kind}: {reason}. The operation was rolled back; run "
                "again with DOMICILI_DEBUG=1 to see the details and report them."
            ).format(kind=type(exc).__name__, reason=exc)
            _refuse(ctx, exc, reason, REFUSED)
            ctx.exit(REFUSED)
        _undelivered()
        return result


#: ``ctx.meta`` key: the command line asked for JSON (``--json`` anywhere before ``--``).
_JSON = "domicili.json"


def _asks_json(args: list[str]) -> bool:
    given = args[: args.index("--")] if "--" in args else args
    return "--json" in given


def _refuse(ctx: click.Context, exc: BaseException, reason: str, code: int) -> None:
    """Say why the command was refused: one sentence on stderr, or with ``--json`` one JSON
    object on stdout (see :func:`domicili.cli._errors.as_json`)."""
    if ctx.meta.get(_JSON):
        from ._errors import as_json, context_fields

        fields = context_fields(exc) if isinstance(exc, DomiciliError) else {}
        if isinstance(exc, OSError) and exc.filename:
            fields["path"] = exc.filename
        click.echo(as_json(reason, type(exc).__name__, code, fields))
    else:
        click.echo(_("Error: {sentence}").format(sentence=reason), err=True)


def _undelivered() -> None:
    """Say which messages of the command's change stayed queued, and why (stderr)."""
    from ._output import note, undelivered_notes

    for text in undelivered_notes():
        note(text)


@click.group(
    cls=DomiciliGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    envvar="DOMICILI_DB",
    default="domicili.db",
    show_default=True,
    help="SQLite database file, or a postgresql://user@host:5432/name URL.",
)
@click.option(
    "--files",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DOMICILI_FILES",
    help="Folder of the stored files (default: <db>-files beside a SQLite file; "
    "required with a database URL).",
)
@click.option(
    "--provider",
    type=ID,
    envvar="DOMICILI_PROVIDER",
    help="Scope every command to this provider's records.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="DOMICILI_CONFIG",
    help="domicili.toml settings file.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON on stdout (any command, a refusal too)."
)
@click.version_option(package_name="domicili", prog_name="domicili")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str,
    files: Path | None,
    provider: int | None,
    config: Path | None,
    as_json: bool,
) -> None:
    """Back office of a French domiciliataire, over a SQLite file or a PostgreSQL server.

    Set DOMICILI_NOW (ISO 8601 with offset) to fix the clock for every command.

    Exit codes: 0 success; 1 refused or failed, nothing changed; 2 usage error; 3 an
    adapter (email, SMS, payment) failed, try again later; 4 refused, but what was
    received is kept for review (a held payment).

    With --json, a refusal prints one JSON object on stdout instead of a sentence on
    stderr: "error" (the sentence), "kind" (the error, or "usage"), "exit_code" (the
    same as without --json) and the error's own fields (dossier_id, status, field…).

    DOMICILI_LANG=en (or the locale) shows every sentence in English.

    Example: domicili dossier list --status S1
    """
    state = State(db, provider, config, as_json, files)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    """Console-script entry point.

    The command does not look for pydantic plugins: finding them scans every installed
    package, which cost a third of a command's start-up. ``PYDANTIC_DISABLE_PLUGINS=``
    (empty) in the environment turns them back on; the library itself never changes it.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(prog_name="domicili")


if __name__ == "__main__":  # pragma: no cover
    main()
