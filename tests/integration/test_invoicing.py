"""Invoicing through the facade: gapless numbering, mentions, credit notes, exports,
and the contract and attestation of a dossier.

The PDF layout itself is covered in tests/documents; here every check goes through
issued records: the invoice rows, the stored PDF and the Factur-X XML it embeds.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import queue
import re
import sqlite3
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import facturx
import psycopg
import pytest
from pypdf import PdfReader

import domicili.documents
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import InvoiceSettings, Settings, TemplateSettings
from domicili.documents import InvoiceLine
from domicili.errors import ConfigError, InvalidInput, InvoiceNotFound, Refused
from domicili.statuses import Status
from domicili.testing import RecordingNotifier, make_app, sample_answers, sample_pdf
from domicili.testing import sample_provider as provider_fields

if TYPE_CHECKING:
    from conftest import StoreChoice, World

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 2 March 2026, 10:00 in Paris
PACKAGED_TEMPLATES = Path(domicili.documents.__file__).parent / "templates"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
CLIENT_PHONE = "+33612345678"  # sample_answers' mobile
PROVIDER_MOBILE = "06 11 22 33 44"
PROVIDER_PHONE = "+33611223344"

Opener = Callable[..., tuple[Domicili, FixedClock, RecordingNotifier]]


# -- helpers ---------------------------------------------------------------------------


@pytest.fixture
def open_app() -> Iterator[Opener]:
    """Opens facades over fakes (settings given as keyword sections); closes them after."""
    opened: list[Domicili] = []

    def opener(
        db: str | Path | None = None,
        *,
        files: Path | None = None,
        start: datetime = START,
        **sections: Any,
    ) -> tuple[Domicili, FixedClock, RecordingNotifier]:
        """On ``db``, or on this run's store (SQLite in memory, or PostgreSQL)."""
        app, clock, notifier = make_app(db, files=files, start=start, settings=Settings(**sections))
        opened.append(app)
        return app, clock, notifier

    yield opener
    for app in opened:
        app.close()


def add_provider(app: Domicili, seed: int = 1, **overrides: Any) -> int:
    provider = app.add_provider(**provider_fields(seed, **overrides))
    assert provider.id is not None
    return provider.id


def accepted(app: Domicili, provider_id: int, **client: Any) -> int:
    """A dossier of ``provider_id``, every required piece validated, accepted (S2)."""
    _client, dossiers = app.create_demande(sample_answers(**client), to=[provider_id])
    (dossier_id,) = [d.id for d in dossiers if d.id is not None]
    required = [p.kind for p in app.justificatifs(dossier_id) if p.required]
    for kind in required:
        app.add_justificatif(dossier_id, kind, sample_pdf(f"{kind} {dossier_id}"), f"{kind}.pdf")
    app.review(dossier_id, validate=required)
    app.accept(dossier_id)
    return dossier_id


def numbers(app: Domicili, **filters: Any) -> list[str]:
    """The numbers in the order they were issued (the list shows the newest first)."""
    return [i.number for i in reversed(app.list_invoices(**filters))]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (non-breaking ones too) made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def embedded_xml(pdf: bytes) -> ET.Element:
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    return ET.fromstring(xml)


def xml_text(root: ET.Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text or ""


def xml_total(root: ET.Element, name: str) -> int:
    """A header total of the CII as cents."""
    text = xml_text(root, f".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{name}")
    whole, _, frac = text.partition(".")
    assert len(frac) == 2, text
    return int(whole) * 100 + int(frac)


def signature_codes(notifier: RecordingNotifier) -> dict[str, str]:
    """The last one-time code each phone received (a reference like D-000001 is not one)."""
    codes = {}
    for message in notifier.sent:
        if message.template == "signature_code":
            found = re.search(r"(?<![-\d])\d{6}(?!\d)", message.body)
            assert found is not None, message.body
            codes[message.to] = found.group()
    return codes


def activate(app: Domicili, notifier: RecordingNotifier, dossier_id: int) -> None:
    """First payment, then both signatures: the domiciliation is in force (S4)."""
    app.record_payment(dossier_id, method="transfer")
    codes = signature_codes(notifier)
    app.sign(dossier_id, "client", codes[CLIENT_PHONE])
    app.sign(dossier_id, "provider", codes[PROVIDER_PHONE])
    assert app.get_dossier(dossier_id).dossier.status is Status.ACTIVE


# -- numbering -------------------------------------------------------------------------


def test_each_provider_numbers_its_invoices_in_its_own_unbroken_series(
    open_app: Opener,
) -> None:
    app, _clock, _notifier = open_app()
    first, second = add_provider(app, 1), add_provider(app, 2)
    d1, d2 = accepted(app, first), accepted(app, second)

    issued = [
        app.issue_invoice(d1, period_start=date(2026, 3, 1)),
        app.issue_invoice(d2, period_start=date(2026, 3, 1)),
        app.issue_invoice(d1, period_start=date(2026, 6, 1)),
        app.issue_invoice(d2, period_start=date(2026, 6, 1)),
        app.issue_invoice(d1, period_start=date(2026, 9, 1)),
    ]

    by_provider = {
        pid: [(i.number, i.series, i.sequence) for i in issued if i.provider_id == pid]
        for pid in (first, second)
    }
    assert by_provider[first] == [
        ("F2026-000001", "2026", 1),
        ("F2026-000002", "2026", 2),
        ("F2026-000003", "2026", 3),
    ]
    assert by_provider[second] == [("F2026-000001", "2026", 1), ("F2026-000002", "2026", 2)]
    assert all(i.issue_date == date(2026, 3, 2) for i in issued)


def test_the_series_starts_again_at_one_each_year_when_the_format_shows_the_year(
    open_app: Opener,
) -> None:
    app, clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    app.issue_invoice(dossier, period_start=date(2026, 6, 1))

    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    january = app.issue_invoice(dossier, period_start=date(2027, 1, 1))
    following = app.issue_invoice(dossier, period_start=date(2027, 4, 1))

    assert (january.number, january.series, january.sequence) == ("F2027-000001", "2027", 1)
    assert following.number == "F2027-000002"
    assert numbers(app, year=2026) == ["F2026-000001", "F2026-000002"]
    assert numbers(app, year=2027) == ["F2027-000001", "F2027-000002"]


def test_the_year_of_a_number_is_the_paris_date_of_issue(open_app: Opener) -> None:
    # 31 December 23:30 UTC is already New Year's Day in Paris.
    app, clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))

    invoice = app.issue_invoice(dossier, period_start=date(2027, 1, 1))

    assert invoice.issue_date == date(2027, 1, 1)
    assert invoice.number == "F2027-000001"


def test_a_format_without_the_year_keeps_one_series_across_years(open_app: Opener) -> None:
    app, clock, _notifier = open_app(invoices=InvoiceSettings(number_format="FA-{seq:05d}"))
    dossier = accepted(app, add_provider(app))
    app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    next_year = app.issue_invoice(dossier, period_start=date(2027, 1, 1))

    assert numbers(app) == ["FA-00001", "FA-00002"]
    assert (next_year.series, next_year.sequence) == ("all", 2)


@pytest.mark.parametrize(
    "pattern",
    ["F{annee}-{seq:06d}", "F{year}-{seq:06d", "F{year}-{0}", "FACTURE-{year}"],
    ids=["unknown name", "unclosed brace", "positional", "no sequence"],
)
def test_an_unusable_number_format_is_a_config_error_naming_it(
    open_app: Opener, pattern: str
) -> None:
    app, _clock, _notifier = open_app(invoices=InvoiceSettings(number_format=pattern))
    dossier = accepted(app, add_provider(app))

    with pytest.raises(ConfigError, match=re.escape(repr(pattern))):
        app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    # Fixed, the series starts at 1: the refused attempts took no number.
    app.settings.invoices.number_format = "F{year}-{seq:06d}"
    assert app.issue_invoice(dossier, period_start=date(2026, 3, 1)).number == "F2026-000001"


def test_an_issue_that_fails_gives_its_number_to_the_next_invoice(
    open_app: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    def broken(*_args: Any, **_kwargs: Any) -> bytes:
        raise RuntimeError("renderer out of order")

    with monkeypatch.context() as patch:
        patch.setattr(domicili.documents, "render_invoice", broken)
        with pytest.raises(RuntimeError, match="out of order"):
            app.issue_invoice(dossier, period_start=date(2026, 6, 1))
    assert numbers(app) == ["F2026-000001"]

    after = app.issue_invoice(dossier, period_start=date(2026, 6, 1))
    assert (after.number, after.sequence) == ("F2026-000002", 2)
    events = [e for e in app.store.events() if e.type == "invoice.issued"]
    assert [e.data["number"] for e in events] == ["F2026-000001", "F2026-000002"]


def test_an_invalid_line_is_refused_and_takes_no_number(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))  # Paris: every line bears VAT
    untaxed = InvoiceLine(description="Réexpédition", unit_price_ht_cents=500, vat_rate_bp=0)

    with pytest.raises(InvalidInput, match="line at 0 %"):
        app.issue_invoice(dossier, period_start=date(2026, 3, 1), lines=[untaxed])
    with pytest.raises(InvalidInput, match="lines"):
        app.issue_invoice(dossier, period_start=date(2026, 3, 1), lines=[])

    assert numbers(app) == []
    assert app.issue_invoice(dossier, period_start=date(2026, 3, 1)).number == "F2026-000001"


def test_a_dossier_that_may_not_be_invoiced_is_refused_before_a_number_is_spent(
    open_app: Opener,
) -> None:
    app, _clock, _notifier = open_app()
    provider = add_provider(app)
    _client, made = app.create_demande(sample_answers(), to=[provider])
    _client, other = app.create_demande(sample_answers(seed=1), to=[provider])
    pending, dismissed = made[0].id or 0, other[0].id or 0
    app.dismiss(dismissed, "Doublon")

    for dossier_id, status in ((dismissed, Status.DISMISSED), (pending, Status.PENDING_REVIEW)):
        with pytest.raises(Refused, match="no invoice can be issued") as caught:
            app.issue_invoice(dossier_id, period_start=date(2026, 3, 1))
        assert (caught.value.dossier_id, caught.value.status) == (dossier_id, status)
    assert numbers(app) == []

    # The series starts at 1 on the first dossier that may be invoiced.
    ready = accepted(app, provider, seed=2)
    assert app.issue_invoice(ready, period_start=date(2026, 3, 1)).number == "F2026-000001"


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("UPDATE invoices SET total_ttc_cents = 1 WHERE number = 'F2026-000001'", "changed"),
        ("UPDATE invoices SET number = 'F2026-000099'", "changed"),
        ("DELETE FROM invoices WHERE number = 'F2026-000001'", "deleted"),
    ],
    ids=["update amount", "update number", "delete"],
)
def test_an_issued_invoice_cannot_be_edited_or_deleted_even_in_sql(
    file_world: World, sql: str, refusal: str
) -> None:
    app = file_world.app
    dossier = accepted(app, add_provider(app))
    issued = app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    # The database itself refuses (a trigger), whoever connects to it.
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match=f"cannot be {refusal}"):
        file_world.direct(sql)

    kept = app.get_invoice("F2026-000001")
    assert kept.total_ttc_cents == issued.total_ttc_cents
    assert kept.pdf_sha256 == issued.pdf_sha256


WORKERS = 4
PER_WORKER = 3


def issue_in_worker(
    db: str, files: Path | None, dossier_ids: list[int], barrier: Any, results: Any
) -> None:
    """In a child process: issue PER_WORKER invoices for each of its dossiers."""
    problems: list[str] = []
    issued: list[str] = []
    try:
        with Domicili(
            db,
            files=files,
            settings=Settings(),
            clock=FixedClock(START),
            notifier=RecordingNotifier(),
        ) as app:
            barrier.wait(timeout=60)  # every worker starts issuing at the same moment
            for month in (3, 6, 9)[:PER_WORKER]:
                for dossier_id in dossier_ids:
                    try:
                        invoice = app.issue_invoice(dossier_id, period_start=date(2026, month, 1))
                        issued.append(invoice.number)
                    except Exception:
                        problems.append(traceback.format_exc())
    except Exception:
        problems.append(traceback.format_exc())
    results.put((issued, problems))


def test_processes_issuing_at_once_share_one_gapless_series(
    open_app: Opener, store: StoreChoice
) -> None:
    db, files = store.shared("partage.db")
    app, _clock, _notifier = open_app(db, files=files)
    provider = add_provider(app)
    dossiers = [accepted(app, provider, seed=n) for n in range(WORKERS)]
    app.close()

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=issue_in_worker, args=(db, files, [d], barrier, results))
        for d in dossiers
    ]
    for worker in workers:
        worker.start()
    outcomes: list[tuple[list[str], list[str]]] = []
    deadline = time.monotonic() + 120
    while len(outcomes) < len(workers):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            crashed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not crashed, f"a worker died before reporting (exit codes {crashed})"
            assert time.monotonic() < deadline, "the workers did not finish in time"
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    problems = [p for _issued, found in outcomes for p in found]
    assert problems == [], "\n".join(problems)
    total = WORKERS * PER_WORKER
    expected = [f"F2026-{n:06d}" for n in range(1, total + 1)]
    assert sorted(n for issued, _found in outcomes for n in issued) == expected
    with Domicili(db, files=files, settings=Settings(), clock=FixedClock(START)) as check:
        rows = check.list_invoices()[::-1]  # the list shows the newest first
        assert [i.number for i in rows] == expected
        assert [i.sequence for i in rows] == list(range(1, total + 1))
        for dossier_id in dossiers:  # each dossier's own invoices in issue order
            mine = [i.period_start for i in check.list_invoices(dossier_id=dossier_id)][::-1]
            assert mine == sorted(mine)
            assert len(mine) == PER_WORKER


# -- mentions --------------------------------------------------------------------------


def test_a_registered_company_has_its_siren_on_the_invoice(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app), en_formation=False)
    siren = app.get_dossier(dossier).client.siren
    assert siren

    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    pdf = app.invoice_pdf(invoice.number)

    assert invoice.data["buyer"]["siren"] == siren
    assert f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}" in pdf_text(pdf)
    buyer_id = ".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
    assert xml_text(embedded_xml(pdf), buyer_id) == siren


def test_a_company_en_formation_has_no_buyer_siren(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    provider = app.get_provider(add_provider(app))
    dossier = accepted(app, provider.id or 0, en_formation=True)

    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    pdf = app.invoice_pdf(invoice.number)

    assert invoice.data["buyer"]["siren"] is None
    assert "en formation" in pdf_text(pdf)
    printed = set(re.findall(r"SIREN (\d{3} \d{3} \d{3})", pdf_text(pdf)))
    seller = provider.siren
    assert printed == {f"{seller[:3]} {seller[3:6]} {seller[6:]}"}  # the seller's only
    root = embedded_xml(pdf)
    assert root.find(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization", NS) is None
    assert root.find(".//ram:SellerTradeParty/ram:SpecifiedLegalOrganization", NS) is not None


NOT_APPLIED = "TVA non applicable, art. 294-1° du CGI"


@pytest.mark.parametrize(
    ("postcode", "city", "vat_cents", "category"),
    [
        ("75004", "Paris", 1600, "S"),
        ("97400", "Saint-Denis", 680, "S"),
        ("97300", "Cayenne", 0, "O"),
    ],
    ids=["paris 20%", "reunion 8.5%", "guyane not applied"],
)
def test_vat_follows_the_providers_departement(
    open_app: Opener, postcode: str, city: str, vat_cents: int, category: str
) -> None:
    app, _clock, _notifier = open_app()
    provider = add_provider(app, postcode=postcode, city=city)
    app.add_offer(provider, name="Essentiel", price_ht_cents=3000, setup_fee_cents=5000)
    dossier = accepted(app, provider)

    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    pdf = app.invoice_pdf(invoice.number)
    root = embedded_xml(pdf)

    assert (invoice.total_ht_cents, invoice.total_vat_cents, invoice.total_ttc_cents) == (
        8000,
        vat_cents,
        8000 + vat_cents,
    )
    assert xml_text(root, "rsm:ExchangedDocument/ram:ID") == invoice.number
    assert xml_total(root, "TaxBasisTotalAmount") == 8000
    assert xml_total(root, "TaxTotalAmount") == vat_cents
    assert xml_total(root, "GrandTotalAmount") == 8000 + vat_cents
    header_tax = ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    assert xml_text(root, header_tax) == category
    assert (NOT_APPLIED in pdf_text(pdf)) is (vat_cents == 0)


def test_only_the_first_invoice_of_a_dossier_bills_the_setup_fee(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    provider = add_provider(app)
    app.add_offer(provider, name="Essentiel", price_ht_cents=3000, setup_fee_cents=5000)
    dossier = accepted(app, provider)

    first = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    second = app.issue_invoice(dossier, period_start=date(2026, 4, 1))

    fee = "Frais d’ouverture de dossier"
    assert [line["description"] for line in first.data["lines"]][1:] == [fee]
    assert len(second.data["lines"]) == 1
    assert (first.total_ht_cents, second.total_ht_cents) == (8000, 3000)
    assert fee in pdf_text(app.invoice_pdf(first.number))
    assert fee not in pdf_text(app.invoice_pdf(second.number))
    assert (second.period_start, second.period_end) == (date(2026, 4, 1), date(2026, 4, 30))


def test_an_invoice_paid_on_issue_reads_acquittee_and_is_due_that_day(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))

    outcome = app.record_payment(dossier, method="transfer")
    later = app.issue_invoice(dossier, period_start=date(2026, 6, 2))

    paid = app.get_invoice(outcome.invoice_number or "")
    assert paid.due_date == paid.issue_date == date(2026, 3, 2)
    assert "Facture acquittée le 2 mars 2026" in pdf_text(app.invoice_pdf(paid.number))
    assert later.due_date == date(2026, 4, 1)  # payment_days = 30
    text = pdf_text(app.invoice_pdf(later.number))
    assert "acquittée" not in text
    assert "Échéance : 1er avril 2026" in text


# -- credit notes ----------------------------------------------------------------------


def test_a_credit_note_takes_the_next_number_and_names_the_invoice_it_cancels(
    open_app: Opener,
) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    avoir = app.credit_note(invoice.number, "  Erreur sur la période  ")
    following = app.issue_invoice(dossier, period_start=date(2026, 6, 1))

    assert (avoir.kind, avoir.number, avoir.series) == ("credit_note", "F2026-000002", "2026")
    assert avoir.credited_invoice_id == invoice.id
    assert avoir.reason == "Erreur sur la période"
    assert (avoir.total_ht_cents, avoir.total_ttc_cents) == (
        invoice.total_ht_cents,
        invoice.total_ttc_cents,
    )
    assert avoir.dossier_id == invoice.dossier_id
    assert following.number == "F2026-000003"
    pdf = app.invoice_pdf(avoir.number)
    text = pdf_text(pdf)
    assert "AVOIR" in text
    assert "annulant la facture n° F2026-000001" in text
    assert "Erreur sur la période" in text
    for absent in ("Échéance", "Pénalités de retard", "FACTURÉ À"):
        assert absent not in text, absent
    assert text.count("remboursé ou imputé") == 1
    assert avoir.due_date == avoir.issue_date  # the record's date: the day it takes effect
    root = embedded_xml(pdf)
    assert xml_text(root, "rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert xml_text(root, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == (
        invoice.number
    )


def test_an_invoice_is_cancelled_by_one_credit_note_only(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    app.credit_note(invoice.number, "Erreur sur la période")

    with pytest.raises(Refused, match="already cancelled"):
        app.credit_note(invoice.number, "Encore")

    assert numbers(app) == ["F2026-000001", "F2026-000002"]
    assert app.issue_invoice(dossier, period_start=date(2026, 6, 1)).number == "F2026-000003"


def test_a_credit_note_cannot_itself_be_credited(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    avoir = app.credit_note(invoice.number, "Erreur sur la période")

    with pytest.raises(Refused, match="is a credit note"):
        app.credit_note(avoir.number, "Annuler l'avoir")

    assert numbers(app) == ["F2026-000001", "F2026-000002"]


@pytest.mark.parametrize(
    "reason", ["", "   ", "Erreur\x1b[2J"], ids=["empty", "blank", "control character"]
)
def test_a_credit_note_needs_a_printable_reason(open_app: Opener, reason: str) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    with pytest.raises(InvalidInput, match="reason"):
        app.credit_note(invoice.number, reason)

    assert numbers(app) == ["F2026-000001"]
    assert app.credit_note(invoice.number, "Erreur").number == "F2026-000002"


def test_an_unknown_invoice_number_is_not_found(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    app.issue_invoice(dossier, period_start=date(2026, 3, 1))

    for call in (
        lambda: app.get_invoice("F2026-000009"),
        lambda: app.invoice_pdf("F2026-000009"),
        lambda: app.credit_note("F2026-000009", "Erreur"),
    ):
        with pytest.raises(InvoiceNotFound, match="F2026-000009"):
            call()
    assert numbers(app) == ["F2026-000001"]


# -- export ----------------------------------------------------------------------------


@pytest.fixture
def three_months(open_app: Opener) -> Domicili:
    """A registered company's invoice and its credit note in March, an invoice in April,
    and one in January 2027 (provider 1, offer at 30 € + 50 € setup fee)."""
    app, clock, _notifier = open_app()
    provider = add_provider(app)
    app.add_offer(provider, name="Essentiel", price_ht_cents=3000, setup_fee_cents=5000)
    dossier = accepted(app, provider, en_formation=False)
    march = app.issue_invoice(dossier, period_start=date(2026, 3, 1))
    app.credit_note(march.number, "Erreur sur la période")
    clock.set(datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
    app.issue_invoice(dossier, period_start=date(2026, 4, 1))
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    app.issue_invoice(dossier, period_start=date(2027, 1, 1))
    return app


def read_summary(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_the_export_of_a_month_holds_its_pdfs_and_a_csv_summary(
    three_months: Domicili, tmp_path: Path
) -> None:
    app = three_months
    folder = tmp_path / "export" / "mars"

    report = app.export_invoices(folder, year=2026, month=3)

    assert report.invoices == 2
    assert report.summary == folder / "factures-2026-03.csv"
    assert sorted(p.name for p in folder.iterdir()) == [
        "1-F2026-000001.pdf",
        "1-F2026-000002.pdf",
        "factures-2026-03.csv",
    ]
    for number in ("F2026-000001", "F2026-000002"):
        assert (folder / f"1-{number}.pdf").read_bytes() == app.invoice_pdf(number)
    siren = app.get_invoice("F2026-000001").data["buyer"]["siren"]
    rows = read_summary(report.summary)
    assert rows == [
        {
            "numero": "F2026-000001",
            "type": "facture",
            "date": "2026-03-02",
            "echeance": "2026-04-01",
            "prestataire_id": "1",
            "client": "Atelier Lumière",
            "client_siren": siren,
            "total_ht": "80,00",
            "tva": "16,00",
            "total_ttc": "96,00",
            "facture_annulee": "",
            "fichier": "1-F2026-000001.pdf",
        },
        {
            "numero": "F2026-000002",
            "type": "avoir",
            "date": "2026-03-02",
            "echeance": "2026-03-02",
            "prestataire_id": "1",
            "client": "Atelier Lumière",
            "client_siren": siren,
            "total_ht": "-80,00",  # a credit note reduces the turnover
            "tva": "-16,00",
            "total_ttc": "-96,00",
            "facture_annulee": "F2026-000001",
            "fichier": "1-F2026-000002.pdf",
        },
    ]


def test_the_export_of_a_year_covers_its_months_and_no_other_year(
    three_months: Domicili, tmp_path: Path
) -> None:
    app = three_months

    april = app.export_invoices(tmp_path / "avril", year=2026, month=4)
    year = app.export_invoices(tmp_path / "annee", year=2026)

    assert [r["numero"] for r in read_summary(april.summary)] == ["F2026-000003"]
    assert [(r["total_ht"], r["total_ttc"]) for r in read_summary(april.summary)] == [
        ("30,00", "36,00")
    ]
    assert year.summary.name == "factures-2026.csv"
    assert [r["numero"] for r in read_summary(year.summary)] == [
        "F2026-000001",
        "F2026-000002",
        "F2026-000003",
    ]
    assert year.invoices == 3
    assert not list((tmp_path / "annee").glob("*F2027*"))


def test_an_export_of_a_month_without_invoices_writes_only_the_header(
    three_months: Domicili, tmp_path: Path
) -> None:
    report = three_months.export_invoices(tmp_path / "mai", year=2026, month=5)

    assert report.invoices == 0
    assert [p.name for p in (tmp_path / "mai").iterdir()] == ["factures-2026-05.csv"]
    assert read_summary(report.summary) == []
    assert report.summary.read_text(encoding="utf-8").startswith("numero;type;date;")


@pytest.mark.parametrize("month", [0, 13])
def test_an_export_month_out_of_range_is_refused(
    three_months: Domicili, tmp_path: Path, month: int
) -> None:
    with pytest.raises(InvalidInput, match=f"month {month}: a month is 1 to 12") as caught:
        three_months.export_invoices(tmp_path / "x", year=2026, month=month)
    assert (caught.value.field, caught.value.value) == ("month", month)
    assert not (tmp_path / "x").exists()


# -- contract and attestation ----------------------------------------------------------


def test_no_contract_is_drawn_up_for_a_dismissed_dossier(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    provider = add_provider(app)
    _client, (dossier, *_rest) = app.create_demande(sample_answers(), to=[provider])
    assert dossier.id is not None
    app.dismiss(dossier.id, "Capacité d'accueil atteinte")

    with pytest.raises(Refused, match="no contract"):
        app.render_contract(dossier.id)

    accepted_one = accepted(app, provider)
    assert app.render_contract(accepted_one).startswith(b"%PDF")


def test_the_attestation_is_issued_only_once_both_parties_signed(open_app: Opener) -> None:
    app, _clock, notifier = open_app()
    provider = app.get_provider(add_provider(app, phone=PROVIDER_MOBILE))
    dossier = accepted(app, provider.id or 0)

    with pytest.raises(Refused, match="in force"):
        app.render_attestation(dossier)  # S2, awaiting payment
    app.record_payment(dossier, method="transfer")
    codes = signature_codes(notifier)
    app.sign(dossier, "client", codes[CLIENT_PHONE])
    with pytest.raises(Refused, match="in force"):
        app.render_attestation(dossier)  # S3, the provider has not signed
    app.sign(dossier, "provider", codes[PROVIDER_PHONE])

    text = pdf_text(app.render_attestation(dossier))

    assert "ATTESTATION DE DOMICILIATION" in text
    assert f"n° {provider.agrement_numero}" in text
    assert "la société Atelier Lumière en formation" in text
    assert "pour permettre l’immatriculation de la société Atelier Lumière" in text
    assert app.get_dossier(dossier).dossier.reference in text


def test_a_template_folder_overrides_the_attestation(open_app: Opener, tmp_path: Path) -> None:
    mine = tmp_path / "modeles"
    (mine / "documents").mkdir(parents=True)
    packaged = (PACKAGED_TEMPLATES / "attestation.html.j2").read_text(encoding="utf-8")
    (mine / "documents" / "attestation.html.j2").write_text(
        packaged + "\n<p>MARQUEUR-CABINET-42 : modèle du cabinet.</p>\n", encoding="utf-8"
    )
    app, _clock, notifier = open_app(templates=TemplateSettings(dir=mine))
    dossier = accepted(app, add_provider(app, phone=PROVIDER_MOBILE))
    activate(app, notifier, dossier)

    text = pdf_text(app.render_attestation(dossier))

    assert "MARQUEUR-CABINET-42" in text
    assert "ATTESTATION DE DOMICILIATION" in text  # the rest is still the packaged layout
    assert "MARQUEUR-CABINET-42" not in pdf_text(app.render_contract(dossier))


def test_an_invoice_cannot_be_dated_before_the_last_one_of_its_series(open_app: Opener) -> None:
    app, clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    app.issue_invoice(dossier, period_start=date(2026, 3, 10))
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))  # a clock set back by mistake

    with pytest.raises(Refused, match="numbers must follow the dates"):
        app.issue_invoice(dossier, period_start=date(2026, 4, 10))

    clock.set(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert app.issue_invoice(dossier, period_start=date(2026, 4, 10)).number == "F2026-000002"


def test_the_founder_of_a_company_en_formation_is_described_at_his_home(
    open_app: Opener,
) -> None:
    app, _clock, _notifier = open_app()
    dossier = accepted(app, add_provider(app))  # sample answers: founder living in Lyon

    contract = pdf_text(app.render_contract(dossier))
    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 2))

    assert "12 rue des Lilas" in contract
    assert "69003 Lyon" in contract
    assert invoice.data["buyer"]["city"] == "Paris"  # billed at its seat, the domiciliation


# -- what the documents of a dossier say ---------------------------------------------


def amounts(text: str, pattern: str) -> list[int]:
    """The amounts (as cents) that ``pattern``'s groups catch in ``text``."""
    found = re.search(pattern, text)
    assert found is not None, pattern
    return [int(group.replace(" ", "").replace(",", "")) for group in found.groups()]


def test_the_contract_lists_the_first_payment_the_first_invoice_bills(open_app: Opener) -> None:
    app, _clock, notifier = open_app()
    provider = add_provider(app, phone=PROVIDER_MOBILE)
    app.add_offer(
        provider, name="Essentiel", price_ht_cents=3150, setup_fee_cents=4990, is_default=True
    )
    dossier = accepted(app, provider)
    draft = pdf_text(app.render_contract(dossier))

    outcome = app.record_payment(dossier, method="transfer")
    sent = pdf_text(app.render_contract(dossier))  # the contract sent for signature
    invoice = app.get_invoice(outcome.invoice_number or "")
    billed = pdf_text(app.invoice_pdf(invoice.number))

    euros = r"(\d[\d ]*,\d\d) €"
    for contract in (draft, sent):
        price, fee = amounts(
            contract,
            rf"le prix d’un mois : {euros} HT ; – les frais d’ouverture de dossier, facturés "
            rf"une seule fois : {euros} HT",
        )
        basis, vat = amounts(contract, rf"TVA au taux de 20 % sur {euros} : {euros}")
        (ttc,) = amounts(contract, rf"soit un total de {euros} TTC")
        assert [line["unit_price_ht_cents"] for line in invoice.data["lines"]] == [price, fee]
        assert amounts(billed, rf"Total HT {euros}") == [basis] == [invoice.total_ht_cents]
        assert amounts(billed, rf"Total TVA {euros}") == [vat] == [invoice.total_vat_cents]
        # the first invoice is issued paid: its total, paid already, nothing left to pay
        assert amounts(billed, rf"Total TTC {euros}") == [ttc] == [invoice.total_ttc_cents]
        assert amounts(billed, rf"Déjà réglé {euros}") == [ttc]
        assert amounts(billed, rf"Net à payer TTC {euros}") == [0]
    assert xml_total(embedded_xml(app.invoice_pdf(invoice.number)), "GrandTotalAmount") == ttc
    assert ttc == app.get_dossier(dossier).dossier.amount_due_cents == 9768
    assert (basis, vat) == (8140, 1628)
    assert "Frais d’ouverture de dossier" in billed
    assert "signature_code" in notifier.templates()  # the contract went out for signature


def test_the_first_invoice_names_the_services_by_their_french_labels(open_app: Opener) -> None:
    app, _clock, _notifier = open_app()
    provider = add_provider(app, services=["domiciliation", "numerisation", "reexpedition"])
    app.add_offer(
        provider,
        name="Complète",
        price_ht_cents=4500,
        services=["domiciliation", "numerisation", "reexpedition"],
        is_default=True,
    )
    dossier = accepted(app, provider)

    invoice = app.issue_invoice(dossier, period_start=date(2026, 3, 2))

    (line,) = invoice.data["lines"]
    assert line["description"] == (
        "Domiciliation commerciale — offre « Complète » "
        "(domiciliation, numérisation, réexpédition du courrier)"
    )
    assert "numérisation, réexpédition du courrier" in pdf_text(app.invoice_pdf(invoice.number))


def test_the_attestation_of_an_active_dossier_is_signed_by_the_provider(
    open_app: Opener,
) -> None:
    app, _clock, notifier = open_app()
    provider = app.get_provider(
        add_provider(app, phone=PROVIDER_MOBILE, representative="Jean Martin")
    )
    dossier_id = accepted(app, provider.id or 0)
    activate(app, notifier, dossier_id)
    dossier = app.get_dossier(dossier_id).dossier

    text = pdf_text(app.render_attestation(dossier_id))

    head = text.split("ATTESTATION DE DOMICILIATION")[0]
    assert "Attestation de domiciliation" in head
    assert "Contrat n°" not in text
    assert "Je soussigné" not in text
    assert "Jean Martin, agissant en qualité de représentant légal pour le compte de" in text
    assert f"contrat de domiciliation n° {dossier.reference}, signé électroniquement" in text
    assert "Domiciliation signée électroniquement le 2 mars 2026 à" in text
    signatures = text.split(f"du contrat de domiciliation n° {dossier.reference}")[-1]
    assert "Domicilié Camille Durand" in signatures
    assert "Domiciliataire Jean Martin" in signatures
    digest = dossier.contract_sha256 or ""
    assert " ".join(digest[i : i + 8] for i in range(0, 64, 8)) in signatures
    # the attestation sent to the client when the domiciliation started says the same
    (activated,) = [
        m for m in notifier.sent if m.template == "activated" and m.to != provider.email
    ]
    (sent,) = [a for a in activated.attachments if a.filename.startswith("attestation")]
    attached = pdf_text(app.ctx.files.read(sent.sha256))
    assert "Domiciliataire Jean Martin" in attached
    assert "Contrat n°" not in attached
