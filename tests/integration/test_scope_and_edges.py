"""Scoped sessions, payments in progress, the contract sent, and odd inputs."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from conftest import World
from domicili.app import Domicili
from domicili.errors import DomiciliError, InvalidInput, OutOfScope
from domicili.ports import PaymentEvent
from domicili.testing import make_app, sample_provider


def scoped(world: World, provider_id: int) -> Domicili:
    app, _clock, _notifier = make_app(
        world.app.store.location, files=world.app.data_dir, provider=provider_id
    )
    app.ctx.clock = world.clock
    return app


def test_a_scoped_instance_cannot_register_providers(file_world: World) -> None:
    mine = file_world.provider()
    app = scoped(file_world, mine)
    try:
        with pytest.raises(OutOfScope, match="cannot register providers") as caught:
            app.add_provider(**sample_provider(9))
        assert caught.value.provider_id == mine
    finally:
        app.close()
    assert len(file_world.app.list_providers()) == 1


def test_a_scoped_import_cannot_rewrite_another_provider(file_world: World, tmp_path: Path) -> None:
    mine = file_world.provider()
    other = file_world.app.add_provider(**sample_provider(2))
    fields = sample_provider(2, name="Usurpateur", iban="FR7630004000031234567890143")
    header = ",".join(k for k in fields if k != "agrement_date") + ",agrement_date"
    row = ",".join(str(v) for k, v in fields.items() if k != "agrement_date")
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text(f"{header}\n{row},{fields['agrement_date']}\n", encoding="utf-8")
    app = scoped(file_world, mine)
    try:
        with pytest.raises(OutOfScope, match=r"is not provider \d+, the one in scope") as caught:
            app.import_providers(csv_file)
        assert caught.value.provider_id == mine
    finally:
        app.close()
    assert other.id is not None
    unchanged = file_world.app.get_provider(other.id)
    assert (unchanged.name, unchanged.iban) == (other.name, other.iban)


def test_a_scoped_sweep_handles_its_own_dossiers_and_ignores_the_others(
    file_world: World,
) -> None:
    first = file_world.provider()
    second = file_world.provider()
    (mine,) = file_world.demande(first)
    (theirs,) = file_world.demande(second)
    for dossier_id in (mine, theirs):
        file_world.ready(dossier_id)
        file_world.app.accept(dossier_id)
    file_world.clock.advance(days=8)
    app = scoped(file_world, first)
    try:
        report = app.sweep()
    finally:
        app.close()
    assert report.expired == [mine]
    assert file_world.app.get_dossier(theirs).dossier.status.code == "S2"


def test_a_debit_in_progress_holds_off_reminders_and_expiry(world: World) -> None:
    dossier_id = world.accepted()
    due = world.app.get_dossier(dossier_id).dossier.amount_due_cents
    world.app.handle_payment_event(
        PaymentEvent(
            adapter="stripe",
            event_id="evt_1",
            kind="processing",
            dossier_id=dossier_id,
            amount_cents=due,
            method="sepa_debit",
            external_id="pi_1",
        )
    )
    world.clock.advance(days=10)
    report = world.app.sweep()
    assert (report.reminders, report.expired) == ([], [])
    world.app.handle_payment_event(
        PaymentEvent(
            adapter="stripe",
            event_id="evt_2",
            kind="succeeded",
            dossier_id=dossier_id,
            amount_cents=due,
            method="sepa_debit",
            external_id="pi_1",
        )
    )
    assert world.app.get_dossier(dossier_id).dossier.status.code == "S3"


def test_once_sent_the_contract_rendered_is_exactly_the_one_sent(world: World) -> None:
    dossier_id = world.accepted()
    world.app.record_payment(dossier_id, method="transfer")
    sent = world.app.get_dossier(dossier_id).dossier.contract_sha256
    world.clock.advance(days=3)  # a new render would carry another date
    import hashlib

    assert hashlib.sha256(world.app.render_contract(dossier_id)).hexdigest() == sent


def test_an_unknown_status_given_to_the_library_is_invalid_input(world: World) -> None:
    with pytest.raises(InvalidInput, match="unknown status"):
        world.app.list_dossiers("S9")


def test_a_csv_of_one_column_is_reported_not_crashed(world: World, tmp_path: Path) -> None:
    csv_file = tmp_path / "one.csv"
    csv_file.write_text("name\nSud Sièges\n", encoding="utf-8")
    with pytest.raises(DomiciliError):
        world.app.import_providers(csv_file)


def test_messages_claimed_but_not_marked_count_as_pending(world: World) -> None:
    world.demande()
    world.app.store.execute("UPDATE outbox SET status = 'sending' WHERE id = 1")
    pending = world.app.outbox(status="pending")
    assert [m.id for m in pending] == [1]
    assert pending[0].status == "pending"


def _open(path: str, barrier: object) -> str:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        Domicili(path).close()
    except Exception as exc:  # reported to the parent
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    path = str(tmp_path / "new.db")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(3)
        with ctx.Pool(3) as pool:
            results = pool.starmap(_open, [(path, barrier)] * 3)
    assert results == ["ok", "ok", "ok"]
    app, _clock, _notifier = make_app(path)
    try:
        assert app.info()["schema_version"] >= 4
    finally:
        app.close()


def test_a_price_changed_after_the_request_does_not_change_what_the_client_pays(
    world: World,
) -> None:
    provider = world.provider()
    offer = world.app.add_offer(provider, name="Essentiel", price_ht_cents=3000)
    (dossier_id,) = world.demande(provider)
    world.ready(dossier_id)
    world.app.accept(dossier_id)
    due = world.app.get_dossier(dossier_id).dossier.amount_due_cents
    world.app.store.update_offer(offer.model_copy(update={"price_ht_cents": 4500}))

    outcome = world.app.record_payment(dossier_id, method="transfer")

    invoice = world.app.get_invoice(outcome.invoice_number or "")
    assert invoice.total_ttc_cents == due == 3600
    contract = world.app.render_contract(dossier_id)
    assert b"%PDF" in contract[:8]


def test_the_providers_representative_signs_and_is_named_on_the_contract(world: World) -> None:
    provider = world.provider(representative="Claire Martin", phone="06 11 22 33 44")
    (dossier_id,) = world.demande(provider)
    world.ready(dossier_id)
    world.app.accept(dossier_id)
    world.app.record_payment(dossier_id, method="transfer")
    codes = {
        m.to: m.body.rsplit(" est ", 1)[1][:6]
        for m in world.notifier.sent
        if m.template == "signature_code"
    }
    signature = world.app.sign(dossier_id, "provider", codes["+33611223344"])
    assert signature.signer == "Claire Martin"
    import io

    from pypdf import PdfReader

    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(world.app.render_contract(dossier_id))).pages
    )
    assert "Claire Martin" in " ".join(text.split())


@pytest.mark.parametrize("limit", [0, -1, 2**63, 10**20])
def test_a_limit_the_database_cannot_count_is_refused_not_a_crash(world: World, limit: int) -> None:
    world.demande(world.provider())
    with pytest.raises(InvalidInput, match="--limit") as dossiers:
        world.app.list_dossiers(limit=limit)
    assert dossiers.value.field == "limit"
    with pytest.raises(InvalidInput, match="--limit"):
        world.app.search(departement="75", limit=limit)


def test_the_largest_limit_lists_everything(world: World) -> None:
    world.demande(world.provider())
    assert len(world.app.list_dossiers(limit=2**63 - 1)) == 1
    assert len(world.app.search(departement="75", limit=2**63 - 1)) == 1
