"""Issued invoices as a receiving system and a Plateforme Agréée connector see them: each
passes the EN 16931, Factur-X and French reform rules, and lands in the drop folder once,
whole, after its transaction committed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import facturx
import pytest
from test_invoicing import accepted, add_provider

from documents.einvoicing_rules import blocking_failures
from domicili.app import Domicili
from domicili.config import EInvoicingSettings, Settings
from domicili.errors import AdapterError, ConfigError
from domicili.testing import make_app
from domicili.testing import sample_provider as provider_fields

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def depot(tmp_path: Path) -> Path:
    """The folder a Plateforme Agréée's connector reads."""
    folder = tmp_path / "depot"
    folder.mkdir()
    return folder


@pytest.fixture
def opened() -> Iterator[list[Domicili]]:
    apps: list[Domicili] = []
    yield apps
    for app in apps:
        app.close()


def open_app(opened: list[Domicili], folder: Path | None = None) -> Domicili:
    settings = Settings(
        einvoicing=EInvoicingSettings(adapter="drop-folder", folder=folder)
        if folder is not None
        else EInvoicingSettings()
    )
    app, _clock, _notifier = make_app(start=START, settings=settings)
    opened.append(app)
    return app


def provider_dossier(app: Domicili, **provider: Any) -> int:
    """An accepted dossier (S2) of a new provider."""
    return accepted(app, add_provider(app, **provider))


def embedded(pdf: bytes) -> bytes:
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert isinstance(xml, bytes)
    return xml


def test_every_invoice_the_service_issues_passes_the_three_rule_sets(
    opened: list[Domicili],
) -> None:
    app = open_app(opened)
    dossier = provider_dossier(app, vat_on_debits=True)
    paid = app.record_payment(dossier, method="card").invoice_number or ""
    later = app.issue_invoice(dossier, period_start=date(2026, 4, 2)).number
    avoir = app.credit_note(later, "Erreur sur la période").number
    for number in (paid, later, avoir):
        pdf = app.invoice_pdf(number)
        assert blocking_failures(embedded(pdf)) == [], number
    assert b"<ram:ID>S2</ram:ID>" in embedded(app.invoice_pdf(paid))  # acquittée
    assert b"<ram:DueDateTypeCode>5</ram:DueDateTypeCode>" in embedded(app.invoice_pdf(later))
    issued = app.get_invoice(later).issue_date.strftime("%Y%m%d").encode()
    assert issued + b"</qdt:DateTimeString>" in embedded(app.invoice_pdf(avoir))  # BT-26


def test_issued_invoices_and_credit_notes_land_in_the_drop_folder(
    opened: list[Domicili], depot: Path
) -> None:
    app = open_app(opened, depot)
    dossier = provider_dossier(app)
    # the first invoice is issued inside the payment's transaction, handed after it
    paid = app.record_payment(dossier, method="transfer").invoice_number or ""
    later = app.issue_invoice(dossier, period_start=date(2026, 4, 2))
    avoir = app.credit_note(later.number, "Erreur sur la période")
    siren = provider_fields(1)["siren"]

    for number in (paid, later.number, avoir.number):
        pdf = (depot / f"{siren}_{number}.pdf").read_bytes()
        assert pdf == app.invoice_pdf(number)  # exactly as issued
        xml = (depot / f"{siren}_{number}.xml").read_bytes()
        assert xml == embedded(pdf)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert sorted(p.name for p in depot.iterdir()) == sorted(
        f"{siren}_{n}.{ext}" for n in (paid, later.number, avoir.number) for ext in ("pdf", "xml")
    )  # no temporary file left behind


def test_the_hand_off_is_not_repeated(opened: list[Domicili], depot: Path) -> None:
    app = open_app(opened, depot)
    number = app.issue_invoice(provider_dossier(app), period_start=date(2026, 3, 2)).number
    pdf = next(depot.glob("*.pdf"))
    os.utime(pdf, (1_000_000_000, 1_000_000_000))  # as the connector found it

    app.hand_off_invoice(number)  # handed again: nothing is written
    app.issue_invoice(app.list_invoices()[0].dossier_id or 0, period_start=date(2026, 4, 2))

    assert pdf.stat().st_mtime == 1_000_000_000
    assert len(list(depot.glob("*.pdf"))) == 2  # the second invoice, the first not again


def test_a_file_of_that_name_holding_another_document_is_never_overwritten(
    opened: list[Domicili], depot: Path
) -> None:
    app = open_app(opened, depot)
    dossier = provider_dossier(app)
    taken = depot / f"{provider_fields(1)['siren']}_F2026-000001.pdf"
    taken.write_bytes(b"another database's invoice")

    with pytest.raises(AdapterError, match=r"Issued, but not handed .*F2026-000001"):
        app.issue_invoice(dossier, period_start=date(2026, 3, 2))

    assert taken.read_bytes() == b"another database's invoice"
    assert app.get_invoice("F2026-000001").number == "F2026-000001"  # issued all the same


def test_a_missing_folder_is_said_and_the_invoice_handed_once_it_is_back(
    opened: list[Domicili], tmp_path: Path
) -> None:
    folder = tmp_path / "depot"
    app = open_app(opened, folder)
    dossier = provider_dossier(app)
    with pytest.raises(AdapterError, match="not handed to the e-invoicing platform"):
        app.issue_invoice(dossier, period_start=date(2026, 3, 2))
    folder.mkdir()
    app.hand_off_invoice("F2026-000001")
    assert len(list(folder.glob("*_F2026-000001.pdf"))) == 1


def test_an_invoice_rolled_back_is_never_handed(opened: list[Domicili], depot: Path) -> None:
    app = open_app(opened, depot)
    dossier = provider_dossier(app)

    def issue_then_give_up() -> None:
        with app.store.transaction():
            app.issue_invoice(dossier, period_start=date(2026, 3, 2))
            assert list(depot.iterdir()) == []  # not while the transaction is open
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError):
        issue_then_give_up()
    app.issue_invoice(dossier, period_start=date(2026, 3, 2))
    assert sorted(p.name.split("_", 1)[1] for p in depot.iterdir()) == [
        "F2026-000001.pdf",
        "F2026-000001.xml",
    ]


def test_without_a_folder_the_drop_folder_is_refused_at_start(opened: list[Domicili]) -> None:
    with pytest.raises(ConfigError, match=r"\[einvoicing\] folder"):
        make_app(settings=Settings(einvoicing=EInvoicingSettings(adapter="drop-folder")))


def test_handing_off_without_an_adapter_says_how_to_set_one(opened: list[Domicili]) -> None:
    app = open_app(opened)
    number = app.issue_invoice(provider_dossier(app), period_start=date(2026, 3, 2)).number
    with pytest.raises(ConfigError, match="DOMICILI_EINVOICING_ADAPTER"):
        app.hand_off_invoice(number)
