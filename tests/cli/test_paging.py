"""Lists that page: newest first, 50 by default, ``--limit``, ``--all``, ``--before``;
``--json`` still one JSON array; ``invoice pdf`` refuses a number two providers share;
``invoice export`` reads only the period's invoices and those they credit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice, Templates

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROVIDERS = 60
DEMANDES = 30  # each to providers 1 and 2: 60 dossiers


def build(db: str, files: Path) -> None:
    """60 providers; 60 dossiers (30 demandes to providers 1 and 2), their messages;
    one dossier of each of providers 1 and 2 paid: two invoices F2026-000001."""
    app, clock, _notifier = make_app(db, files=files, start=START)
    with app:
        for seed in range(1, PROVIDERS + 1):
            app.add_provider(**sample_provider(seed))
        for n in range(DEMANDES):
            clock.advance(minutes=1)
            app.create_demande(sample_answers(seed=n), to=[1, 2])
        for dossier_id in (1, 2):
            required = [p.kind for p in app.justificatifs(dossier_id) if p.required]
            for kind in required:
                app.add_justificatif(dossier_id, kind, sample_pdf(kind), f"{kind}.pdf")
            app.review(dossier_id, validate=required)
            app.accept(dossier_id)
            app.record_payment(dossier_id, method="transfer", reference=f"VIR-{dossier_id}")


@pytest.fixture
def cli(templates: Templates, store: StoreChoice, tmp_path: Path) -> Cli:
    return templates.cli("paging", store, tmp_path, lambda c: build(c.database, c.files))


def ids(cli: Cli, *argv: object) -> list[int]:
    return [row["id"] for row in cli.json(*argv)]


@pytest.mark.parametrize(
    ("command", "total"),
    [(["dossier", "list"], 60), (["provider", "list"], PROVIDERS), (["outbox", "list"], None)],
    ids=["dossier", "provider", "outbox"],
)
def test_a_list_shows_the_newest_50_and_how_to_see_the_next_ones(
    cli: Cli, command: list[str], total: int | None
) -> None:
    every = ids(cli, *command, "--all")
    assert every == sorted(every, reverse=True)  # newest first
    assert total is None or len(every) == total
    assert len(every) > 50

    page = cli.ok(*command, "--json")
    assert [row["id"] for row in json.loads(page.stdout)] == every[:50]
    assert f"--before {every[49]}" in page.stderr  # the cursor of the next page
    assert ids(cli, *command, "--before", every[49]) == every[50:100]
    assert ids(cli, *command, "--limit", 3) == every[:3]
    assert ids(cli, *command, "--limit", 2, "--before", every[2]) == every[3:5]
    last = cli.ok(*command, "--json", "--before", every[-3])
    assert [row["id"] for row in json.loads(last.stdout)] == every[-2:]
    assert "--before" not in last.stderr  # nothing after the last page


@pytest.mark.parametrize(
    "command", [["payment", "list"], ["invoice", "list"]], ids=["payment", "invoice"]
)
def test_payments_and_invoices_page_newest_first(cli: Cli, command: list[str]) -> None:
    every = ids(cli, *command)
    assert len(every) == 2
    assert every == sorted(every, reverse=True)
    assert ids(cli, *command, "--limit", 1) == every[:1]
    assert ids(cli, *command, "--before", every[0]) == every[1:]
    assert ids(cli, *command, "--all") == every


def test_a_filtered_list_pages_within_its_filter(cli: Cli) -> None:
    of_two = ids(cli, "--provider", 2, "dossier", "list", "--all")
    assert len(of_two) == DEMANDES
    assert ids(cli, "--provider", 2, "dossier", "list", "--limit", 5) == of_two[:5]
    assert (
        ids(cli, "dossier", "list", "--status", "S1", "--before", of_two[0], "--limit", 4)
        == [i for i in ids(cli, "dossier", "list", "--status", "S1", "--all") if i < of_two[0]][:4]
    )
    sent = cli.json("outbox", "list", "--status", "sent", "--dossier", 2, "--all")
    assert sent
    assert {(m["status"], m["dossier_id"]) for m in sent} == {("sent", 2)}


def test_a_piped_table_streams_every_row_plainly(cli: Cli) -> None:
    result = cli.ok("dossier", "list", "--all", env={"DOMICILI_LANG": "fr"})
    header, rule, *rows = result.stdout.splitlines()
    assert header.split()[:2] == ["ID", "Réf."]
    assert set(rule) == {"-", " "}
    assert [int(row.split()[0]) for row in rows] == list(range(60, 0, -1))
    assert "│" not in result.stdout  # no rich table in a pipe


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--all", "--limit", "3"], "--all and --limit cannot be given together"),
        (["--limit", "0"], "is not a number of rows"),
        (["--before", "0"], "is not an identifier"),
        (["--limit", "18446744073709551616"], "is not a number of rows"),
    ],
)
def test_a_wrong_page_is_a_usage_error(cli: Cli, argv: list[str], message: str) -> None:
    for command in (["dossier", "list"], ["outbox", "list"], ["provider", "list"]):
        result = cli(*command, *argv)
        assert result.exit_code == 2
        assert message in result.stderr


def test_invoice_pdf_refuses_a_number_two_providers_share(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "facture.pdf"
    result = cli("invoice", "pdf", "F2026-000001", "-o", out)
    assert result.exit_code == 1
    (sentence,) = result.stderr.strip().splitlines()
    assert "F2026-000001 exists at 2 providers" in sentence
    assert "1 (Domiciliation Test 1)" in sentence
    assert "2 (Domiciliation Test 2)" in sentence
    assert not out.exists()
    cli.ok("--provider", 2, "invoice", "pdf", "F2026-000001", "-o", out)
    assert out.read_bytes().startswith(b"%PDF")


def test_invoice_export_reads_only_the_period_and_the_invoices_it_credits(
    templates: Templates, store: StoreChoice, tmp_path: Path
) -> None:
    db, files = templates.copy("paging", store, tmp_path, build)
    april = datetime(2026, 4, 2, 8, tzinfo=UTC)
    app, _clock, _notifier = make_app(db, files=files, start=april, provider=1)
    with app:
        credit = app.credit_note("F2026-000001", "Erreur sur la période")
        read = _rows_read(app)
        report = app.export_invoices(tmp_path / "avril", year=2026, month=4)
    assert report.invoices == 1
    # The April credit note and the March invoice it cancels: no other invoice is read.
    assert read == [credit.number, "F2026-000001"]
    summary = report.summary.read_text(encoding="utf-8").splitlines()
    assert summary[1].split(";")[10] == "F2026-000001"


def _rows_read(app: Any) -> list[str]:
    """The invoice numbers the store's queries return from now on (on either engine)."""
    sql = app.store.sql
    seen: list[str] = []
    real = sql.execute

    def execute(text: str, params: Any = ()) -> Any:
        cursor = real(text, params)
        if "FROM invoices" not in text:
            return cursor
        rows = cursor.fetchall()
        names = [c[0] if isinstance(c, tuple) else c.name for c in cursor.description]
        if "number" in names:
            seen.extend(str(row[names.index("number")]) for row in rows)
        return _Rows(cursor.description, rows)

    sql.execute = execute
    return seen


class _Rows:
    def __init__(self, description: Any, rows: list[Any]) -> None:
        self.description, self.rowcount, self._rows = description, len(rows), list(rows)

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int) -> list[Any]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows
