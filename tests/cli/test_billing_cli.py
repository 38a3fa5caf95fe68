"""``domicili billing …`` as staff type it: one sentence and exit 1 for what cannot be
done, nothing written or changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Cli


def test_a_month_that_is_not_one_is_a_sentence(cli: Cli) -> None:
    cli.add_provider(1)
    result = cli("billing", "run", "--period", "avril")
    assert result.exit_code == 1
    assert result.stderr == "Error: 'avril' is not a month such as 2026-04.\n"
    result = cli("billing", "run", "--period", "2027-01")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 2027-01 is too far ahead: invoices are issued")


def test_nothing_to_export_writes_no_file(cli: Cli, tmp_path: Path) -> None:
    cli.add_provider(1)
    out = tmp_path / "debits.xml"
    result = cli("billing", "sepa-export", "--period", "2026-03", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == "Error: No direct debit is to be collected in 2026-03.\n"
    assert not out.exists()


def test_a_file_that_is_not_a_bank_report_is_refused_and_changes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    cli.add_provider(1)
    junk = tmp_path / "retour.xml"
    junk.write_text("<html><body>pas un relevé</body></html>", encoding="utf-8")
    result = cli("billing", "sepa-returns", junk)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "pain.002" in result.stderr
    assert "camt.054" in result.stderr
    assert "Traceback" not in result.output
    assert cli.json("billing", "list") == []


def test_paying_an_invoice_that_is_not_one_of_the_running_contracts(cli: Cli) -> None:
    cli.add_provider(1)
    result = cli("billing", "paid", "F2026-999999")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Invoice F2026-999999 not found")
