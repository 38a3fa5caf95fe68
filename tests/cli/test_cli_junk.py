"""Junk into every argument and option of every command: a sentence, never a traceback.

The commands come from the click tree itself, so a new command or option is fed junk as
soon as it exists (and fails here until its valid values are in :data:`VALID`). Each
value is either one a person would type on that database or junk; a refused command
leaves the database and its files exactly as they were.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domicili.cli._reference import commands
from domicili.testing import valid_siren

if TYPE_CHECKING:
    from conftest import CommandWorld, StoreChoice

COMMANDS = {" ".join(path): command for path, command in commands()}

#: Where a value names a file of the world: replaced when the command runs.
PIECE, FOLDER, MISSING, EMPTY, TEXT, FIFO, OUT, OUT_DIR, ANSWERS, FULL = (
    "<piece>", "<folder>", "<missing>", "<empty>", "<text>", "<fifo>", "<out>", "<out-dir>",
    "<answers>", "<full-folder>",
)  # fmt: skip

#: What a person would type, by parameter name (a command's own entry first).
VALID: dict[str, list[str]] = {
    "dossier_id": ["1", "3", "5", "7"],
    "provider_id": ["1", "2"],
    "to": ["1", "2"],
    "kind": ["identite", "statuts", "kbis"],
    "file": [PIECE],
    "answers": [ANSWERS],
    "output": [OUT],
    "invoice export output": [OUT_DIR],
    "revision": ["1", "2"],
    "validate": ["identite", "identite@1"],
    "invalidate": ["identite=Document illisible", "statuts@1=Non signés"],
    "number": ["F2026-000001", "F2026-000002"],
    "reason": ["Erreur sur la période"],
    "year": ["2026"],
    "month": ["3"],
    "period": ["2026-03"],
    "message_id": ["1"],
    "limit": ["1", "10"],
    "before": ["3", "10", "1"],
    "expected_head": ["12:" + "0" * 64, "1:" + "a" * 64],
    "dossier list status": ["S1", "pending_review"],
    "search": ["Lumière", "D-000001", "812 345 676"],
    "otp": ["123456"],
    "document_sha256": ["0" * 64],
    "amount": ["34,80", "34.8"],
    "reference": ["VIR-2026-0042"],
    "held_id": ["4", "5", "1"],
    "link_id": ["pl_0123456789abcdef0123"],
    "gateway": ["manual", "stripe"],
    "signature": ["t=1772442000,v1=00"],
    "headers": ["Content-Type: application/json"],
    "departement": ["75", "69", "2A"],
    "departements": ["75", "92"],
    "region": ["11", "84"],
    "services": ["domiciliation", "numerisation"],
    "max_price": ["40", "29,90"],
    "price_ht": ["29", "29,90"],
    "setup_fee": ["0", "50"],
    "commitment_months": ["3", "12"],
    "name": ["Cabinet Nouveau"],
    "legal_form": ["SAS"],
    "representative": ["Claire Martin"],
    "representative_quality": ["gérante", "président"],
    "representative_email": ["claire.martin@cabinet.example"],
    "siren": [valid_siren(31)],
    "vat_number": ["FR40303265045"],
    "rcs_city": ["Paris"],
    "capital": ["10000", "7 500,50"],
    "agrement_numero": ["2024-075-0031"],
    "agrement_prefecture": ["Préfecture de police"],
    "agrement_date": ["2024-01-15", "15/01/2024"],
    "on": ["2026-03-02", "02/03/2026"],
    "address": ["3 rue de Rivoli"],
    "postcode": ["75004"],
    "city": ["Paris"],
    "email": ["contact@cabinet.example"],
    "phone": ["01 42 00 00 00"],
    "iban": ["FR76 3000 6000 0112 3456 7890 189"],
    "bic": ["AGRIFRPP"],
    "creditor_identifier": ["FR72ZZZ123456", "fr 72 zzz 123456"],
    "mandate add reference": ["RUM-D-000005", "RUM/2026-05"],
    "mandate revoke reference": ["RUM-D-000005"],
    "signed_on": ["2026-03-02", "02/03/2026"],
    "debtor_name": ["Jeanne Martin"],
    "mandate show key": ["RUM-D-000005", "5", "D-000005"],
    "insee_commune": ["75104"],
    "token": ["pm_1Q2w3E", "card_sim_0123456789abcdef"],
    "customer": ["cus_9Z8y7X"],
    "brand": ["visa", "mastercard"],
    "last4": ["4242"],
    "expires": ["12/2030", "08/29"],
    "mailbox": ["5", "D-000005"],
    "sender": ["URSSAF Île-de-France"],
    "envelope": [PIECE],
    "scan": [PIECE],
    "received_at": ["2026-03-02T09:00", "02/03/2026 10:15"],
    "key": ["matin-001"],
    "piece_id": ["1"],
    "courrier instruct to": ["12 rue des Lilas, 69003 Lyon"],
    "by": ["Camille Durand"],
    "postage": ["2,50", "0"],
    "older_than": ["30"],
    "rules": ["colis=forward", "lettre=none"],
    "notify": ["email,sms", "digest"],
    "forward_to": ["12 rue des Lilas, 69003 Lyon"],
    "courrier intake folder": [FOLDER, FULL],
    "sheet": [TEXT, EMPTY],
    "day": ["2026-03-02", "02/03/2026"],
    "start_at": ["1", "5"],
    "piece_ids": ["1"],
    "provider suspend reason": ["Arrêté préfectoral du 02/03/2026"],
    "offer_id": ["1", "2"],
    "pieces_per_month": ["20", "unlimited"],
    "pages_per_month": ["100", "unlimited"],
    "piece_fee_cents": ["0,90", "0"],
    "page_fee_cents": ["0,10"],
    "letter_free_days": ["30", "0"],
    "parcel_free_days": ["14"],
    "storage_fee_cents": ["0,50"],
    "retention_days": ["90", "1"],
    "forward_fee_cents": ["2", "1,50"],
    # The demo runs the whole story in a new folder (seconds): here, only folders it refuses.
    "folder": [FULL, TEXT],
}

SPECIAL = [
    "", " ", "\t\n", "-", "--", "0", "-1", "-0", "+1", "007", "1.5", "1e20", "1e400", "inf",
    "nan", str(2**63 - 1), str(2**63), str(2**64), "9" * 300, "x" * 20_000, "١٢", "1_000", "²",
    "2022-02-30", "2026-13-01", "0000-01-01", "0001-01-01", "9999-12-31", "9999-12-31T23:59:59",
    "F2026-999999", "D-000001",
    "identite@", "identite@x", "identite@" + "9" * 25, "identite@²", "identite@-1", "=",
    "identite=", "=raison", ": x", "x:", "../../../etc/passwd", "%s%n", "{0}", "\x1b[31mrouge",
    "'; DROP TABLE dossiers; --", "\u202e\ufeff", "é" * 10, "\U0001f642", "S9", "pl_",
    FOLDER, MISSING, EMPTY, TEXT, FULL, FIFO, "/dev/zero",
]  # fmt: skip
#: Text as a shell can pass it: no NUL, and no lone surrogate other than those that stand
#: for bytes that are not UTF-8 (drawn below with os.fsdecode).
TEXT_JUNK = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20
)
JUNK = st.one_of(
    st.sampled_from(SPECIAL),
    TEXT_JUNK,
    # Bytes that are not UTF-8, as the command receives them from a shell (os.fsdecode).
    st.binary(min_size=1, max_size=8).map(os.fsdecode).filter(lambda v: "\x00" not in v),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
#: Output targets that are not a regular file a command may replace.
OUTPUT_JUNK = st.sampled_from([FIFO, FOLDER])
JUNK_SETTINGS = settings(
    max_examples=int(os.environ.get("JUNK_EXAMPLES", "6")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _valid(path: str, param: click.Parameter) -> list[str]:
    if isinstance(param.type, click.Choice):
        return [str(c) for c in param.type.choices]
    name = param.name or ""
    for key in (f"{path} {name}", name):
        if key in VALID:
            return VALID[key]
    raise AssertionError(f"`domicili {path}`: add the values of {name!r} to VALID")


def _junk(path: str, param: click.Parameter) -> st.SearchStrategy[str]:
    if param.name == "folder":  # see VALID["folder"]
        return st.sampled_from([FULL, TEXT, EMPTY])
    if param.name == "output":
        return st.one_of(OUTPUT_JUNK, JUNK)
    return JUNK


def _value(path: str, param: click.Parameter) -> st.SearchStrategy[str]:
    valid = st.sampled_from(_valid(path, param))
    # Junk inside a valid value too: "identite@²", "F2026-000001\x1b", "75 ".
    mixed = st.builds(
        lambda v, sep, j: v + sep + j, valid, st.sampled_from(["", " ", "@", "=", ":", "-"]), JUNK
    )
    return st.one_of(valid, _junk(path, param), mixed)


def argv_of(path: str, command: click.Command) -> st.SearchStrategy[list[str]]:
    """A command line of ``command``: each parameter valid, junk, or left out."""
    parts: list[st.SearchStrategy[list[str]]] = [
        st.sampled_from([[], ["--provider", "1"], ["--provider", "2"]]).flatmap(
            lambda scope: st.one_of(st.just(scope), JUNK.map(lambda v: ["--provider", v]))
        ),
        st.just(path.split()),
    ]
    for param in command.params:
        if isinstance(param, click.Option):
            flag = param.opts[0]
            if param.is_flag:
                parts.append(st.sampled_from([[], [flag]]))
                continue
            one = _value(path, param).map(lambda v, f=flag: [f, v])
            many = st.lists(one, min_size=1, max_size=3 if param.multiple else 1)
            got = many.map(lambda items: [a for item in items for a in item])
            # Without --dir the demo runs the whole story (see VALID["folder"]).
            needed = param.required or path == "demo"
            parts.append(got if needed else st.one_of(st.just([]), got))
        else:
            got = _value(path, param).map(lambda v: [v])
            parts.append(got if param.required else st.one_of(st.just([]), got))
    return st.tuples(*parts).map(lambda lists: [a for part in lists for a in part])


class Run:
    """A copy of the command world, taken again only after a command changed it."""

    def __init__(self, make: Any, root: Path, dump: Any, files: Any) -> None:
        self.make, self.root, self.dump, self.files = make, root, dump, files
        self.count = 0
        self.world: CommandWorld | None = None
        self.before: tuple[list[str], set[str]] = ([], set())

    def fresh(self) -> CommandWorld:
        if self.world is None:
            self.count += 1
            self.world = self.make(self.root / f"copy-{self.count}")
            self._fixtures(self.world)
            self.before = self.snapshot()
        return self.world

    def snapshot(self) -> tuple[list[str], set[str]]:
        assert self.world is not None
        cli = self.world.cli
        return self.dump(cli.database), self.files(cli.files) | {
            f"scratch/{p}" for p in self.files(self.world.scratch)
        }

    def paths(self) -> dict[str, str]:
        assert self.world is not None
        s = self.world.scratch
        return {
            PIECE: str(self.world.cli.root / "pieces" / "identite-camille-durand.pdf"),
            ANSWERS: str(self.world.cli.root / "demande-A.yaml"),
            FOLDER: str(s / "dossier"),
            FULL: str(s / "plein"),
            MISSING: str(s / "absent" / "rien.pdf"),
            EMPTY: str(s / "vide.pdf"),
            TEXT: str(s / "lettre.txt"),
            FIFO: str(s / "tube"),
            OUT: str(s / "sortie.pdf"),
            OUT_DIR: str(s / "export"),
        }

    @staticmethod
    def _fixtures(world: CommandWorld) -> None:
        s = world.scratch
        (s / "dossier").mkdir()
        (s / "plein").mkdir()
        (s / "plein" / "deja.txt").write_text("occupé\n", encoding="utf-8")
        (s / "vide.pdf").write_bytes(b"")
        (s / "lettre.txt").write_text("Ceci n'est pas un PDF.\n", encoding="utf-8")
        os.mkfifo(s / "tube")

    def __call__(self, argv: list[str]) -> Result:
        world = self.fresh()
        paths = self.paths()
        argv = [paths.get(a, a) for a in argv]
        result = world.cli(*argv, env=world.env())  # fails on a traceback or "unexpected"
        # 4: a payment refused yet kept for review (a held payment): that one is written.
        assert result.exit_code in (0, 1, 2, 3, 4), result.output
        pipe = stat.S_ISFIFO(Path(paths[FIFO]).lstat().st_mode)
        after = self.snapshot()
        if after != self.before or not pipe:
            self.world = None  # the next example starts from a new copy
        assert pipe, f"{argv} replaced a named pipe by a file"
        refusal = _json_refusal(result.stdout) if "--json" in argv else None
        if refusal is not None:  # with --json, a refusal is one JSON object on stdout
            assert refusal["error"], result.output
            assert refusal["exit_code"] == result.exit_code, result.output
        elif result.exit_code != 0:
            assert result.stderr.strip(), result.output
        if result.exit_code == 4:
            assert "payment" in argv, result.output
            assert "held payment" in result.stderr, result.output
        if result.exit_code in (1, 2, 3):
            assert after[0] == self.before[0], f"refused, yet the database changed: {argv}"
            assert after[1] == self.before[1], f"refused, yet files were written: {argv}"
        return result


def _json_refusal(stdout: str) -> dict[str, Any] | None:
    """The refusal a ``--json`` command printed, if it printed one."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "error" in data else None


@pytest.fixture
def run(command_world: Any, tmp_path: Path, dump: Any, files: Any) -> Run:
    return Run(command_world, tmp_path, dump, files)


def test_every_command_of_the_tree_is_fed_junk() -> None:
    """A new command cannot escape: it is in the tree, so it is parametrized below."""
    from domicili.cli import LAZY_COMMANDS, cli

    assert len(COMMANDS) == len(commands())
    # Every top-level command, loaded on demand, is walked down to its subcommands.
    assert {path.split()[0] for path in COMMANDS} == set(LAZY_COMMANDS) | set(cli.commands)
    assert {"dossier accept", "invoice export", "payment webhook", "demo"} <= set(COMMANDS)
    for path, command in COMMANDS.items():
        for param in command.params:
            if not (isinstance(param, click.Option) and param.is_flag):
                _valid(path, param)  # every value-taking parameter has valid values


@pytest.mark.parametrize("path", COMMANDS)
def test_junk_gives_a_sentence_and_a_refusal_changes_nothing(
    run: Run, path: str, store: StoreChoice
) -> None:
    # The command line is the same code on both stores: fewer examples on the slower one,
    # which still checks that its refusals roll back.
    examples = JUNK_SETTINGS.max_examples // (3 if store.is_postgres else 1)

    @settings(JUNK_SETTINGS, max_examples=max(examples, 2))
    @given(argv=argv_of(path, COMMANDS[path]))
    def check(argv: list[str]) -> None:
        run(argv)

    check()


@JUNK_SETTINGS
@given(now=TEXT_JUNK)
def test_a_junk_clock_is_refused_with_a_sentence(run: Run, now: str) -> None:
    result = run.fresh().cli("dossier", "list", now=now or " ")
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert "DOMICILI_NOW" in result.stderr


@JUNK_SETTINGS
@given(text=st.one_of(TEXT_JUNK, st.text(alphabet="client:kind-[]{}'\"\n #&*!|>%@`,.0123")))
def test_a_junk_answers_file_is_refused_with_a_sentence(run: Run, text: str) -> None:
    world = run.fresh()
    file = world.cli.root / "demande-junk.yaml"
    file.write_text(text, encoding="utf-8")
    result = run(["demande", "create", "--answers", str(file), "--to", "1"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
