"""``domicili contract|attestation|invoice …``: PDFs written to the right place (or not
at all), invoices listed, shown, credited and exported through the real command."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import facturx
import pytest
from pypdf import PdfReader

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.service.receipts import COLUMNS
from domicili.statuses import Status
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import Cli

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 2 March 2026, 10:00 in Paris
LATER = "2026-04-02T10:00:00+02:00"  # after the April invoice: the series stays chronological
PAID = "F2026-000001"  # dossier 1, paid on 2 March (first payment)
APRIL = "F2026-000002"  # dossier 1, issued on 1 April, due in 30 days
DOCUMENTED_KEYS = {
    "number",
    "kind",
    "issue_date",
    "due_date",
    "total_ht_cents",
    "total_vat_cents",
    "total_ttc_cents",
    "dossier_id",
    "provider_id",
    "buyer",
    "credited_invoice_id",
    "pdf_sha256",
}


def accepted(app: Domicili, provider_id: int, seed: int = 0) -> int:
    _client, dossiers = app.create_demande(sample_answers(seed=seed), to=[provider_id])
    (dossier_id,) = [d.id for d in dossiers if d.id is not None]
    required = [p.kind for p in app.justificatifs(dossier_id) if p.required]
    for kind in required:
        app.add_justificatif(dossier_id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier_id, validate=required)
    app.accept(dossier_id)
    return dossier_id


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, make_cli: type[Cli]) -> Path:
    """Provider 1; dossier 1 active (paid: F2026-000001; then F2026-000002 in April),
    dossier 2 accepted and awaiting payment, dossier 3 dismissed. Built once."""
    root = tmp_path_factory.mktemp("documents")
    app, clock, notifier = make_app(make_cli(root).db, start=START)
    with app:
        provider = app.add_provider(**sample_provider(1, phone="06 11 22 33 44")).id or 0
        active, waiting = accepted(app, provider), accepted(app, provider, seed=1)
        _client, (dismissed, *_rest) = app.create_demande(sample_answers(seed=2), to=[provider])
        app.dismiss(dismissed.id or 0, "Doublon")
        assert app.record_payment(active, method="transfer").invoice_number == PAID
        codes = {
            m.to: re.findall(r"(?<![-\d])\d{6}(?!\d)", m.body)[-1]
            for m in notifier.sent
            if m.template == "signature_code"
        }
        app.sign(active, "client", codes["+33612345678"])
        app.sign(active, "provider", codes["+33611223344"])
        clock.set(datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
        assert app.issue_invoice(active, period_start=date(2026, 6, 2)).number == APRIL
        statuses = [app.get_dossier(d).dossier.status for d in (active, waiting, dismissed.id)]
        assert statuses == [Status.ACTIVE, Status.AWAITING_PAYMENT, Status.DISMISSED]
    return root


@pytest.fixture
def cli(template: Path, tmp_path: Path, make_cli: type[Cli]) -> Cli:
    """A copy of the template database for this test, at a date after every invoice."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    runner = make_cli(tmp_path)
    runner.now = LATER
    return runner


def issued_pdf(cli: Cli, number: str) -> bytes:
    with Domicili(cli.db, settings=Settings(), clock=FixedClock(START), create=False) as app:
        return app.invoice_pdf(number)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- contract and attestation ----------------------------------------------------------


def test_contract_render_writes_the_contract_pdf(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sortie" / "contrat.pdf"

    result = cli.ok("contract", "render", 2, "-o", out)

    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "D-000002" in pdf_text(pdf)
    assert str(out) in result.stderr
    assert leftovers(out.parent) == ["contrat.pdf"]  # no temporary file left next to it


@pytest.mark.parametrize(
    ("dossier", "message"),
    [(999, "Dossier 999 not found"), (3, "no contract to draw up")],
    ids=["unknown", "dismissed"],
)
def test_contract_render_refused_writes_no_file(
    cli: Cli, tmp_path: Path, dossier: int, message: str
) -> None:
    out = tmp_path / "sortie" / "contrat.pdf"

    result = cli("contract", "render", dossier, "-o", out)

    assert result.exit_code == 1
    assert message in result.stderr
    assert not out.exists()
    assert not [p for p in leftovers(out.parent) if p.startswith(".contrat")]


def test_attestation_render_is_refused_before_the_domiciliation_is_in_force(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "attestation.pdf"

    result = cli("attestation", "render", 2, "-o", out)

    assert result.exit_code == 1
    assert "in force" in result.stderr
    assert not out.exists()


def test_attestation_render_of_an_active_dossier_names_the_agrement(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "attestation.pdf"

    cli.ok("attestation", "render", 1, "-o", out)

    text = pdf_text(out.read_bytes())
    assert "ATTESTATION DE DOMICILIATION" in text
    assert f"n° {sample_provider(1)['agrement_numero']}" in text
    assert "Atelier Lumière en formation" in text


# -- invoice list / show / pdf ---------------------------------------------------------


def test_invoice_list_json_gives_the_documented_keys_newest_first(cli: Cli) -> None:
    listed = cli.json("invoice", "list")

    assert [i["number"] for i in listed] == [APRIL, PAID]  # newest first
    for item in listed:
        assert item.keys() >= DOCUMENTED_KEYS
        assert "data" not in item
        assert item["kind"] == "invoice"
        assert item["dossier_id"] == 1
        assert item["buyer"] == "Atelier Lumière"
        assert item["total_ht_cents"] + item["total_vat_cents"] == item["total_ttc_cents"]
    april, paid = listed
    assert (paid["issue_date"], paid["due_date"]) == ("2026-03-02", "2026-03-02")
    assert (april["issue_date"], april["due_date"]) == ("2026-04-01", "2026-05-01")
    assert (april["total_ht_cents"], april["total_vat_cents"]) == (10500, 2100)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--year", 2026, "--month", 3], [PAID]),
        (["--year", 2026, "--month", 4], [APRIL]),
        (["--year", 2027], []),
        (["--dossier", 2], []),
        (["--dossier", 1], [PAID, APRIL]),
    ],
    ids=["march", "april", "other year", "dossier without invoice", "dossier"],
)
def test_invoice_list_filters_by_period_and_dossier(
    cli: Cli, filters: list[Any], expected: list[str]
) -> None:
    listed = cli.json("invoice", "list", *filters)
    assert [i["number"] for i in reversed(listed)] == expected  # listed newest first


def test_invoice_list_prints_a_table_for_people(cli: Cli) -> None:
    out = cli.ok("invoice", "list").stdout

    assert PAID in out
    assert APRIL in out
    assert "126,00" in out  # 105,00 € HT + 20 % VAT


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["invoice", "list", "--month", 4], 1),
        (["invoice", "list", "--year", 2026, "--month", 13], 2),
        (["invoice", "list", "--dossier", 999], 1),
    ],
    ids=["month without year", "month 13", "unknown dossier"],
)
def test_invoice_list_refuses_a_wrong_filter(cli: Cli, argv: list[Any], code: int) -> None:
    result = cli(*argv)

    assert result.exit_code == code
    assert result.stdout == ""


def test_invoice_show_gives_the_lines_and_the_pdf_fingerprint(cli: Cli) -> None:
    shown = cli.json("invoice", "show", APRIL)
    human = cli.ok("invoice", "show", APRIL).stdout

    assert shown["number"] == APRIL
    assert [line["period_start"] for line in shown["lines"]] == ["2026-06-02"]
    assert shown["lines"][0]["unit_price_ht_cents"] == 10500
    assert "Domiciliation commerciale" in human
    assert "from 02/06/2026 to 01/09/2026" in human
    assert f"PDF SHA-256 {shown['pdf_sha256']}" in human


def test_invoice_pdf_writes_the_pdf_exactly_as_issued(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "copies" / f"{PAID}.pdf"

    cli.ok("invoice", "pdf", PAID, "-o", out)

    assert out.read_bytes() == issued_pdf(cli, PAID)
    assert "Facture acquittée le 2 mars 2026" in pdf_text(out.read_bytes())


@pytest.mark.parametrize(
    "argv",
    [
        ["invoice", "show", "F2026-000099"],
        ["invoice", "pdf", "F2026-000099", "-o", "{out}"],
        ["invoice", "credit-note", "F2026-000099", "--reason", "Erreur"],
    ],
    ids=["show", "pdf", "credit-note"],
)
def test_an_unknown_invoice_number_exits_1(cli: Cli, tmp_path: Path, argv: list[str]) -> None:
    out = tmp_path / "absente.pdf"

    result = cli(*(str(out) if a == "{out}" else a for a in argv))

    assert result.exit_code == 1
    assert "F2026-000099" in result.stderr
    assert not out.exists()
    assert [i["number"] for i in cli.json("invoice", "list")] == [APRIL, PAID]


# -- credit notes ----------------------------------------------------------------------


def test_invoice_credit_note_cancels_an_invoice_once(cli: Cli, tmp_path: Path) -> None:
    avoir = cli.json("invoice", "credit-note", APRIL, "--reason", "Erreur sur la période")

    assert (avoir["number"], avoir["kind"]) == ("F2026-000003", "credit_note")
    assert avoir["credited_invoice_id"] == cli.json("invoice", "show", APRIL)["id"]
    assert avoir["reason"] == "Erreur sur la période"
    assert avoir["total_ttc_cents"] == 12600
    out = tmp_path / "avoir.pdf"
    cli.ok("invoice", "pdf", "F2026-000003", "-o", out)
    assert f"annulant la facture n° {APRIL}" in pdf_text(out.read_bytes())

    again = cli("invoice", "credit-note", APRIL, "--reason", "Encore")
    assert again.exit_code == 1
    assert "already cancelled" in again.stderr
    of_avoir = cli("invoice", "credit-note", "F2026-000003", "--reason", "Annuler l'avoir")
    assert of_avoir.exit_code == 1
    assert "is a credit note" in of_avoir.stderr
    assert [i["number"] for i in cli.json("invoice", "list")] == ["F2026-000003", APRIL, PAID]


@pytest.mark.parametrize(
    ("reason", "code"),
    [(None, 2), ("", 1), ("   ", 1)],
    ids=["missing", "empty", "blank"],
)
def test_invoice_credit_note_needs_a_reason(cli: Cli, reason: str | None, code: int) -> None:
    argv = ["invoice", "credit-note", PAID] + ([] if reason is None else ["--reason", reason])

    result = cli(*argv)

    assert result.exit_code == code
    assert "reason" in result.stderr
    assert [i["number"] for i in cli.json("invoice", "list")] == [APRIL, PAID]


# -- export ----------------------------------------------------------------------------


def summary_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_invoice_export_of_a_month_writes_its_pdfs_and_summary(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "export-2026-04"

    report = cli.json("invoice", "export", "--year", 2026, "--month", 4, "-o", folder)

    assert report["invoices"] == 1
    assert Path(report["summary"]) == folder / "factures-2026-04.csv"
    assert leftovers(folder) == [f"1-{APRIL}.pdf", "factures-2026-04.csv"]
    assert (folder / f"1-{APRIL}.pdf").read_bytes() == issued_pdf(cli, APRIL)
    (row,) = summary_rows(folder / "factures-2026-04.csv")
    assert (row["numero"], row["type"], row["date"], row["echeance"]) == (
        APRIL,
        "facture",
        "2026-04-01",
        "2026-05-01",
    )
    assert (row["total_ht"], row["tva"], row["total_ttc"]) == ("105,00", "21,00", "126,00")


def test_invoice_export_of_a_year_lists_invoices_and_credit_notes(cli: Cli, tmp_path: Path) -> None:
    cli.ok("invoice", "credit-note", PAID, "--reason", "Erreur de client")
    folder = tmp_path / "export-2026"

    out = cli.ok("invoice", "export", "--year", 2026, "-o", folder).stdout

    assert "3 invoices written to" in out
    rows = summary_rows(folder / "factures-2026.csv")
    assert [(r["numero"], r["type"], r["facture_annulee"]) for r in rows] == [
        (PAID, "facture", ""),
        (APRIL, "facture", ""),
        ("F2026-000003", "avoir", PAID),
    ]
    assert sorted(p for p in leftovers(folder) if p.endswith(".pdf")) == [
        f"1-{n}.pdf" for n in (PAID, APRIL, "F2026-000003")
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["--year", 2026, "--month", 13],
        ["--year", 2026, "--month", 0],
        ["--month", 3],
    ],
    ids=["month 13", "month 0", "no year"],
)
def test_invoice_export_usage_errors_exit_2_and_write_nothing(
    cli: Cli, tmp_path: Path, argv: list[Any]
) -> None:
    folder = tmp_path / "export"

    result = cli("invoice", "export", *argv, "-o", folder)

    assert result.exit_code == 2
    assert not folder.exists()


# -- hand-off to an e-invoicing platform -------------------------------------------


def test_invoice_hand_off_writes_the_invoice_to_the_drop_folder_once(
    cli: Cli, tmp_path: Path
) -> None:
    depot = tmp_path / "depot"
    depot.mkdir()
    env = {"DOMICILI_EINVOICING_ADAPTER": "drop-folder", "DOMICILI_EINVOICING_FOLDER": str(depot)}
    data = cli.json("invoice", "hand-off", PAID, env=env)
    assert data["number"] == PAID
    siren = sample_provider(1)["siren"]
    pdf = (depot / f"{siren}_{PAID}.pdf").read_bytes()
    assert pdf == issued_pdf(cli, PAID)
    assert (
        facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
        == (depot / f"{siren}_{PAID}.xml").read_bytes()
    )
    first = (depot / f"{siren}_{PAID}.pdf").stat().st_mtime_ns

    again = cli("invoice", "hand-off", PAID, env={**env, "DOMICILI_LANG": "fr"})
    assert again.exit_code == 0
    assert f"{PAID} remis à la plateforme de facturation électronique." in again.stderr
    assert (depot / f"{siren}_{PAID}.pdf").stat().st_mtime_ns == first
    assert leftovers(depot) == [f"{siren}_{PAID}.pdf", f"{siren}_{PAID}.xml"]


def test_invoice_hand_off_to_a_missing_folder_fails_in_one_sentence(
    cli: Cli, tmp_path: Path
) -> None:
    env = {
        "DOMICILI_EINVOICING_ADAPTER": "drop-folder",
        "DOMICILI_EINVOICING_FOLDER": str(tmp_path / "absent"),
        "DOMICILI_LANG": "fr",
    }
    result = cli("invoice", "hand-off", PAID, env=env)
    assert result.exit_code == 3  # an adapter that failed: try again later
    assert "Le dossier de facturation électronique" in result.stderr
    assert "n’existe pas" in result.stderr
    assert not (tmp_path / "absent").exists()


def test_invoice_hand_off_without_an_adapter_says_how_to_set_one(cli: Cli) -> None:
    result = cli("invoice", "hand-off", PAID, env={"DOMICILI_LANG": "fr"})
    assert result.exit_code == 1
    assert "DOMICILI_EINVOICING_ADAPTER" in result.stderr


# -- payments received (encaissements) ------------------------------------------------


def test_report_encaissements_lists_the_payments_of_the_month_as_csv(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "encaissements-2026-03.csv"
    result = cli.ok("report", "encaissements", "--period", "2026-03", "-o", out)
    assert "1 payment received in 2026-03 written to" in result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8")), delimiter=";"))
    assert rows[0] == list(COLUMNS)
    assert rows[0][:3] == ["date_encaissement", "numero_facture", "client"]
    (paid,) = rows[1:]
    with Domicili(cli.db, settings=Settings(), clock=FixedClock(START), create=False) as app:
        invoice = app.get_invoice(PAID)
    assert paid[:2] == ["2026-03-02", PAID]
    assert paid[2] == invoice.data["buyer"]["name"]
    assert paid[4:8] == [
        f"{invoice.total_ht_cents // 100},{invoice.total_ht_cents % 100:02d}",
        f"{invoice.total_vat_cents // 100},{invoice.total_vat_cents % 100:02d}",
        f"{invoice.total_ttc_cents // 100},{invoice.total_ttc_cents % 100:02d}",
        "virement",
    ]
    # the April invoice is not paid: April received nothing
    april = cli.ok("report", "encaissements", "--period", "2026-04").stdout
    assert april.splitlines() == [";".join(rows[0])]
    data = cli.json("report", "encaissements", "--period", "2026-03")
    assert [(r["invoice_number"], r["ttc_cents"]) for r in data["receipts"]] == [
        (PAID, invoice.total_ttc_cents)
    ]


@pytest.mark.parametrize("period", ["2026-13", "03/2026", "2026"])
def test_report_encaissements_refuses_a_period_that_is_not_a_month(cli: Cli, period: str) -> None:
    result = cli("report", "encaissements", "--period", period)
    assert result.exit_code == 2
    assert "is not a month written YYYY-MM, such as 2026-03." in result.stderr
