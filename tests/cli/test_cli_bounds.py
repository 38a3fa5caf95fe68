"""Bounded input: devices, pipes, oversized and hostile files, out-of-range numbers and
text that is not UTF-8 are refused in one sentence, with nothing written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.testing import sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice, Templates

MB = 1024 * 1024


def build(cli: Cli, societe_answers: Path) -> None:
    """Providers 1 and 2, dossier 1 in S1. Built once; each test works on its own copy."""
    cli.add_provider(1)
    cli.add_provider(2)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1)


@pytest.fixture
def state(templates: Templates, store: StoreChoice, tmp_path: Path, societe_answers: Path) -> Cli:
    return templates.cli("bounds", store, tmp_path, lambda cli: build(cli, societe_answers))


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail, instead of waiting for ever, if a command blocks on a named pipe."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("the command waited on a named pipe")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(state: Cli, dump: Any, files: Any, *argv: object, code: int = 1, **kwargs: Any) -> str:
    """Run ``argv``: exit ``code``, one sentence on stderr, database and files unchanged."""
    before, files_before = dump(state.database), files(state.files)
    listing = sorted(p.name for p in state.root.iterdir())
    result = state(*argv, **kwargs)
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    if code == 1:  # an import lists its invalid rows first, one a line
        assert result.stderr.strip().splitlines()[-1] == lines[0], result.stderr
    assert result.stdout == ""
    assert dump(state.database) == before
    assert files(state.files) == files_before
    assert sorted(p.name for p in state.root.iterdir()) == listing
    return lines[0]


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def answers_file(folder: Path, name: str = "demande.yaml", **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    file.write_text(json.dumps({**sample_answers(), **extra}), encoding="utf-8")
    return file


# -- files that are not regular files ---------------------------------------------------
def test_a_device_as_a_justificatif_is_refused_without_reading_it(
    state: Cli, dump: Any, files: Any
) -> None:
    message = refused(state, dump, files, "justificatif", "add", 1, "identite", "/dev/zero")
    assert message == "Error: /dev/zero is a character device, not a file; give a regular file."


def test_a_named_pipe_as_a_justificatif_is_refused_at_once(
    state: Cli, dump: Any, files: Any, tmp_path: Path, no_hang: None
) -> None:
    pipe = fifo(tmp_path / "scan.pdf")
    message = refused(state, dump, files, "justificatif", "add", 1, "identite", pipe)
    assert message == f"Error: {pipe} is a named pipe (FIFO), not a file; give a regular file."


def test_a_justificatif_over_the_limit_is_refused_before_it_is_read(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    big = tmp_path / "scan.pdf"
    with big.open("wb") as fh:  # sparse: 12 MB long, nothing on disk to read
        fh.write(b"%PDF-1.4\n")
        fh.truncate(12 * MB)
    message = refused(state, dump, files, "justificatif", "add", 1, "identite", big)
    assert message == f"Error: {big} is 12 MB; the limit for a justificatif is 10 MB."


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_an_answers_file_that_is_a_device_or_a_pipe_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path, target: str, no_hang: None
) -> None:
    real = Path(target) if target.startswith("/") else fifo(tmp_path / "pipe")
    link = tmp_path / "demande.yaml"
    link.symlink_to(real)
    message = refused(state, dump, files, "demande", "create", "--answers", link, "--to", 1)
    kind = "a character device" if target.startswith("/") else "a named pipe (FIFO)"
    assert message == f"Error: {link} is {kind}, not a file; give a regular file."


def test_an_answers_file_over_1_mb_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    file = answers_file(tmp_path)
    with file.open("a", encoding="utf-8") as fh:
        fh.write(" " * (MB - file.stat().st_size + 1))
    message = refused(state, dump, files, "demande", "create", "--answers", file, "--to", 1)
    assert message == (
        f"Error: {file} is 1,048,577 bytes; the limit for an answers file is 1 MB "
        "(1,048,576 bytes)."
    )


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_an_import_that_is_a_device_or_a_pipe_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path, target: str, no_hang: None
) -> None:
    real = Path(target) if target.startswith("/") else fifo(tmp_path / "pipe")
    link = tmp_path / "annuaire.csv"
    link.symlink_to(real)
    message = refused(state, dump, files, "provider", "import", link)
    assert message.startswith(f"Error: {link} is a ")
    assert message.endswith(", not a file; give a regular file.")


def test_an_import_over_its_cap_is_refused_before_it_is_read(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    big = tmp_path / "annuaire.csv"
    with big.open("wb") as fh:
        fh.write(b"name,siren\n")
        fh.truncate(65 * MB)
    message = refused(state, dump, files, "provider", "import", big)
    assert message == f"Error: {big} is 65 MB; the limit for a CSV import is 64 MB."
    yaml_file = big.with_suffix(".yaml")
    big.rename(yaml_file)
    message = refused(state, dump, files, "provider", "import", yaml_file)
    assert message == f"Error: {yaml_file} is 65 MB; the limit for a YAML import is 8 MB."


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_settings_file_that_is_a_device_or_a_pipe_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path, target: str, no_hang: None
) -> None:
    config = Path(target) if target.startswith("/") else fifo(tmp_path / "domicili.toml")
    message = refused(state, dump, files, "--config", config, "dossier", "list")
    assert message.startswith(f"Error: {config} is a ")
    assert message.endswith(", not a file; give a regular file.")


def test_a_settings_file_nested_too_deeply_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    config = tmp_path / "domicili.toml"
    config.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    message = refused(state, dump, files, "--config", config, "dossier", "list")
    assert message == f"Error: {config} is not valid TOML: it is nested too deeply."


@pytest.mark.one_store  # SQLite files on purpose
@pytest.mark.parametrize("target", ["/dev/urandom", "fifo", "folder"])
def test_a_database_that_is_not_a_file_is_refused_and_nothing_written_beside_it(
    cli: Cli, tmp_path: Path, target: str, no_hang: None
) -> None:
    if target == "fifo":
        db = fifo(tmp_path / "cabinet.db")
    elif target == "folder":
        db = tmp_path / "cabinet.db"
        db.mkdir()
    else:
        db = Path(target)
    cli.target = ["--db", str(db)]
    beside = sorted(p.name for p in tmp_path.iterdir())  # /dev changes under other programs
    journals = [Path(f"{db}{suffix}") for suffix in ("-journal", "-wal", "-shm", "-files")]
    there = [j for j in journals if j.exists()]
    for argv in (["dossier", "list"], ["init"]):
        result = cli(*argv)
        assert result.exit_code == 1, result.output
        kind = {"fifo": "a named pipe (FIFO)", "folder": "a folder"}.get(
            target, "a character device"
        )
        assert result.stderr == f"Error: {db} is {kind}, not a domicili database file.\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == beside
        assert [j for j in journals if j.exists()] == there


@pytest.mark.one_store  # a SQLite file on purpose: its files folder beside it
@pytest.mark.parametrize("target", ["/dev/null", "fifo"])
def test_a_files_folder_that_is_a_device_or_a_pipe_is_refused(
    cli: Cli, tmp_path: Path, target: str, no_hang: None
) -> None:
    folder = Path(target) if target.startswith("/") else fifo(tmp_path / "pipe")
    cli.target = [*cli.target, "--files", str(folder)]
    result = cli("init")
    assert result.exit_code == 1, result.output
    kind = "a character device" if target.startswith("/") else "a named pipe (FIFO)"
    assert result.stderr == (
        f"Error: {folder} is {kind}, not a folder: the stored files need a folder.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["cwd", *(["pipe"] if target == "fifo" else [])]
    )


def test_a_folder_as_a_justificatif_is_a_usage_error(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    message = refused(state, dump, files, "justificatif", "add", 1, "identite", folder, code=2)
    assert message == f"Error: Invalid value for 'FILE': File '{folder}' is a directory."


# -- answers files: documents inside their folder, YAML within limits -------------------
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("{root}/secret.pdf", "is an absolute path; name the file relative to the folder of "
         "the answers file ({folder})."),
        ("../secret.pdf", "lies outside the folder of the answers file ({folder}); put the "
         "file in that folder."),
        ("identite.pdf", "lies outside the folder of the answers file ({folder}); put the "
         "file in that folder."),  # a link in the folder to the file outside it
    ],
    ids=["absolute", "climbs out", "link out"],
)  # fmt: skip
def test_an_answers_file_naming_a_document_outside_its_folder_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path, name: str, reason: str
) -> None:
    (tmp_path / "secret.pdf").write_bytes(sample_pdf("secret"))
    folder = tmp_path / "demande"
    folder.mkdir()
    (folder / "identite.pdf").symlink_to(tmp_path / "secret.pdf")
    name = name.format(root=tmp_path)
    file = answers_file(folder, documents={"identite": name})
    message = refused(state, dump, files, "demande", "create", "--answers", file, "--to", 1)
    assert message == f"Error: documents.identite: {name} {reason.format(folder=folder)}"


def test_documents_inside_the_answers_folder_are_still_taken(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "demande"
    (folder / "pieces").mkdir(parents=True)
    (folder / "pieces" / "identite.pdf").write_bytes(sample_pdf("identite"))
    file = answers_file(folder, documents={"identite": "pieces/./identite.pdf"})
    cli.add_provider(1)
    cli.ok("demande", "create", "--answers", file, "--to", 1)
    pieces = {p["kind"]: p for p in cli.json("justificatif", "list", 1)}
    assert pieces["identite"]["state"] == "submitted"


def _alias_bomb() -> str:
    """Nine lines naming 10⁹ values: each list holds ten of the one above."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join([*lines, "client: *a8"]) + "\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("client: " + "[" * 5000 + "]" * 5000 + "\n",
         "it is nested more than 32 levels deep (line 1)"),
        (_alias_bomb(), "its aliases expand it to more than 10,000 values (line 4)"),
        ("client: &moi {kind: company, moi: *moi}\n",
         "the alias *moi is inside the structure it names (line 1)"),
    ],
    ids=["5000 deep", "alias bomb", "alias in itself"],
)  # fmt: skip
def test_answers_beyond_the_yaml_limits_are_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path, text: str, problem: str
) -> None:
    file = tmp_path / "demande.yaml"
    file.write_text(text, encoding="utf-8")
    message = refused(state, dump, files, "demande", "create", "--answers", file, "--to", 1)
    assert message == f"Error: {file} is refused: {problem}."


def test_a_date_that_does_not_exist_in_answers_names_its_field(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    answers = sample_answers()
    answers["client"]["representative"]["birth_date"] = "__DATE__"
    file = tmp_path / "demande.yaml"
    file.write_text(json.dumps(answers).replace('"__DATE__"', "2022-02-30"), encoding="utf-8")
    message = refused(state, dump, files, "demande", "create", "--answers", file, "--to", 1)
    assert message.startswith(f"Error: {file}: client.representative.birth_date: ")
    assert "is not a date; write it as 15/01/2024 or 2024-01-15" in message


def test_a_date_that_does_not_exist_in_an_import_names_its_line_and_field(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    row = {k: str(v) for k, v in sample_provider(7).items() if k != "agrement_date"}
    file = tmp_path / "annuaire.yaml"
    file.write_text("- " + json.dumps(row)[:-1] + ", agrement_date: 2022-02-30}\n", "utf-8")
    message = refused(state, dump, files, "provider", "import", file)
    assert message.startswith("Error: 1 invalid row, nothing imported — line 1: agrement_date: ")
    assert "is not a date; write it as 15/01/2024 or 2024-01-15" in message


def test_an_alias_bomb_in_an_import_is_refused(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    lines = ["- &a0 {name: x}"]
    for n in range(1, 8):
        lines.append(f"- &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    file = tmp_path / "annuaire.yaml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = refused(state, dump, files, "provider", "import", file)
    assert message.startswith(f"Error: {file} is refused: its aliases expand it to more than ")


def test_a_csv_field_over_128_kib_is_refused_with_its_line(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    file = tmp_path / "annuaire.csv"
    file.write_text("name,siren\nCabinet,552100554\n" + "x" * 140_000 + ",1\n", encoding="utf-8")
    message = refused(state, dump, files, "provider", "import", file)
    assert message == (
        f"Error: {file}: line 3 cannot be read as CSV: field larger than field limit (131072)."
    )


def test_an_import_that_is_not_utf8_names_its_line(
    state: Cli, dump: Any, files: Any, tmp_path: Path
) -> None:
    file = tmp_path / "annuaire.csv"
    file.write_bytes(b"name,siren\nCabinet \xe9t\xe9,552100554\n")
    message = refused(state, dump, files, "provider", "import", file)
    assert message == f"Error: {file} is not UTF-8 text (line 2); save it as UTF-8."


# -- amounts, numbers, identifiers ---------------------------------------------------------
@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("1e20", "is not an amount in euros"),
        ("1_000", "is not an amount in euros"),
        ("٣٥", "is not an amount in euros"),  # Arabic-Indic digits
        ("３５", "is not an amount in euros"),  # full-width digits
        ("10000000000,01", "the largest amount domicili handles"),
    ],
)
def test_a_price_out_of_bounds_or_in_other_digits_is_refused(
    state: Cli, dump: Any, files: Any, price: str, reason: str
) -> None:
    message = refused(state, dump, files, "offer", "add", 1, "--name", "X", "--price-ht", price)
    assert message.startswith(f"Error: --price-ht: {price!r} ")
    assert reason in message


def test_a_price_whose_first_payment_exceeds_the_bound_is_refused(
    state: Cli, dump: Any, files: Any
) -> None:
    argv = ["offer", "add", 1, "--name", "X", "--price-ht", "9000000000"]
    message = refused(state, dump, files, *argv)
    assert "the first payment would be more than" in message


def test_the_largest_amount_is_shared_by_prices_payments_and_adapters() -> None:
    from domicili import money
    from domicili.adapters import payments
    from domicili.models import Offer, Payment

    assert payments.MAX_CENTS is money.MAX_CENTS
    assert Offer.model_fields["price_ht_cents"].metadata[-1].le == money.MAX_CENTS
    assert Payment.model_fields["amount_cents"].metadata[-1].le == money.MAX_CENTS
    assert money.parse_euros("10000000000") == money.MAX_CENTS


@pytest.mark.parametrize("siren", ["٥٥٢١٠٠٥٥٤", "５５２１００５５４"])
def test_a_siren_in_other_digits_is_refused(state: Cli, dump: Any, files: Any, siren: str) -> None:
    argv = ["provider", "add", "--name", "Cabinet", "--siren", siren, "--agrement-numero", "1"]
    argv += ["--agrement-prefecture", "Préfecture du Rhône", "--agrement-date", "2024-01-15"]
    argv += ["--address", "1 place Bellecour", "--postcode", "69002", "--city", "Lyon"]
    argv += ["--email", "c@cabinet.example", "--phone", "04 72 00 00 00"]
    message = refused(state, dump, files, *argv)
    assert f"siren: {siren!r} is not a valid SIREN" in message


@pytest.mark.parametrize(
    "argv",
    [
        ["dossier", "list", "--limit", "18446744073709551616"],
        ["dossier", "list", "--limit", "1_0"],
        ["dossier", "show", "١"],
        ["annuaire", "search", "--limit", "99999999999999999999999"],
        ["invoice", "list", "--year", "2026", "--month", "１"],
    ],
    ids=["limit over 64 bits", "limit with _", "Arabic-Indic id", "search limit", "month"],
)
def test_a_number_out_of_bounds_is_a_usage_error(
    state: Cli, dump: Any, files: Any, argv: list[str]
) -> None:
    message = refused(state, dump, files, *argv, code=2)
    assert f"{argv[-1]!r} is not " in message


# -- text that is not UTF-8 ---------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["dossier", "dismiss", "1", "--reason", "caf\udce9"],
        ["dossier", "show", "\udcff"],
        ["offer", "add", "1", "--price-ht", "35", "--name", "\udcc3"],
        ["justificatif", "add", "1", "identite", "scan\udcff.pdf"],
    ],
    ids=["reason", "id", "name", "file name"],
)
def test_an_argument_that_is_not_utf8_is_refused_in_one_sentence(
    state: Cli, dump: Any, files: Any, argv: list[str]
) -> None:
    message = refused(state, dump, files, *argv, code=2)
    position = len(state.target) + len(argv)
    shown = argv[-1].encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    assert message == (
        f"Error: Argument {position} ({shown}) is not valid UTF-8 text; type it again or "
        "check the terminal's encoding."
    )


def test_invalid_utf8_bytes_on_the_real_command_line_are_refused(state: Cli, dump: Any) -> None:
    before = dump(state.database)
    argv = [sys.executable, "-m", "domicili", *state.target, "dossier", "dismiss", "1"]
    result = subprocess.run(
        [os.fsencode(a) for a in argv] + [b"--reason", b"caf\xe9"],
        capture_output=True,
        timeout=60,
        env={**os.environ, "DOMICILI_NOW": state.now, "LC_ALL": "C.UTF-8"},
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert b"is not valid UTF-8 text" in result.stderr
    assert b"Traceback" not in result.stderr
    assert dump(state.database) == before


def test_a_domicili_variable_that_is_not_utf8_is_refused(state: Cli, dump: Any, files: Any) -> None:
    # DOMICILI_DB is set by --db here; the other variables are read from the environment.
    message = refused(state, dump, files, "dossier", "list", code=2, now="2026\udcff")
    assert message == (
        "Error: DOMICILI_NOW (2026\\xff) is not valid UTF-8 text; type it again or check the "
        "terminal's encoding."
    )


def test_a_webhook_body_without_end_is_refused_after_1_mb(
    state: Cli, dump: Any, tmp_path: Path
) -> None:
    config = tmp_path / "domicili.toml"
    config.write_text('[payment]\ngateway = "stripe"\n', encoding="utf-8")
    before = dump(state.database)
    env = {**os.environ, "DOMICILI_NOW": state.now, "DOMICILI_CONFIG": str(config)}
    env["DOMICILI_STRIPE_WEBHOOK_SECRET"] = "whsec_test"
    argv = [sys.executable, "-m", "domicili", *state.target, "payment", "webhook", "stripe"]
    with Path("/dev/zero").open("rb") as endless:
        result = subprocess.run(
            argv, stdin=endless, capture_output=True, text=True, env=env, timeout=60, check=False
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr == "Error: The webhook body is over the limit of 1 MB.\n"
    assert dump(state.database) == before


def test_a_revision_in_other_digits_is_a_usage_error(state: Cli, dump: Any, files: Any) -> None:
    argv = ["justificatif", "review", 1, "--validate", "identite@٢"]
    message = refused(state, dump, files, *argv, code=2)
    assert "'identite@٢': write KIND or KIND@REVISION, e.g. identite@2." in message
