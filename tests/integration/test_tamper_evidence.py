"""Tampering behind domicili's back is named by ``audit verify``, on both stores.

Each test works on a copy of one history (an active dossier signed by both parties, a
paid one awaiting signature, their pieces and invoices) and alters it the way someone
with the database, or its files folder, would: from a connection of its own.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.adapters.signatures import OtpSignature
from domicili.app import Domicili
from domicili.errors import Refused, SignatureRefused, StoredFileAltered
from domicili.keys import HEAD_FILE, KEY_FILE, Head
from domicili.records import GENESIS_HASH, event_hash
from domicili.store.postgres_schema import PG_MIGRATIONS
from domicili.testing import RecordingNotifier, make_app, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice, Templates

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODE = "424242"


class KnownCode(OtpSignature):
    """The built-in method, but every code is ``CODE``: tests sign without reading SMS."""

    def new_code(self) -> str:
        return CODE


def build_history(db: str, files: Path) -> None:
    """Dossier 1 paid and signed by both parties (S4), dossier 2 paid (S3, awaiting
    signature), both of one provider."""
    from conftest import World

    app, clock, notifier = make_app(db, files=files, start=START, signature_method=KnownCode())
    with app:
        world = World(app, clock, notifier)
        provider = world.provider()
        for dossier_id in (1, 2):
            assert world.demande(provider) == [dossier_id]
            world.ready(dossier_id)
            app.accept(dossier_id)
            assert app.record_payment(dossier_id, method="transfer").outcome == "applied"
        for party in ("client", "provider"):
            app.sign(1, party, CODE)


@dataclass
class Copy:
    app: Domicili
    files: Path

    @property
    def dialect(self) -> str:
        return str(self.app.store.sql.dialect)

    def direct(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        from conftest import run_direct

        return run_direct(self.app.store.location, sql, *params)

    def event_ids(self) -> list[int]:
        return [int(str(r[0])) for r in self.direct("SELECT id FROM events ORDER BY id")]

    def messages(self) -> list[str]:
        return [f.message for f in self.app.verify_audit().findings]

    def invoices(self) -> list[tuple[str, str]]:
        rows = self.direct("SELECT number, pdf_sha256 FROM invoices ORDER BY id")
        return [(str(n), str(s)) for n, s in rows]

    def without_invoice_triggers(self, sql: str, *params: object) -> None:
        """Run ``sql`` with the invoices' immutability triggers dropped, then restore them."""
        on = "" if self.dialect == "sqlite" else " ON invoices"
        if self.dialect == "sqlite":
            creates = [
                str(r[0])
                for r in self.direct(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'invoices'"
                )
            ]
        else:
            (invoices,) = [m for m in PG_MIGRATIONS if m.name == "invoices"]
            creates = [s for s in invoices.statements if s.startswith("CREATE TRIGGER")]
        assert len(creates) == 2
        for name in ("invoices_no_update", "invoices_no_delete"):
            self.direct(f"DROP TRIGGER {name}{on}")
        self.direct(sql, *params)
        for create in creates:
            self.direct(create)


@pytest.fixture
def copy(templates: Templates, store: StoreChoice, tmp_path: Path) -> Iterator[Copy]:
    db, files = templates.copy("tamper-history", store, tmp_path / "db", build_history)
    app, _clock, _notifier = make_app(db, files=files, start=START, signature_method=KnownCode())
    try:
        yield Copy(app, files)
    finally:
        app.close()


# -- an untouched database -----------------------------------------------------------


def test_an_untouched_history_verifies_with_no_finding(copy: Copy) -> None:
    report = copy.app.verify_audit()
    assert report.findings == []
    assert report.ok
    assert report.events == len(copy.event_ids()) > 20
    ids = copy.event_ids()
    ((last_hash,),) = copy.direct("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
    assert report.head == Head(ids[-1], str(last_hash))


def test_the_head_is_anchored_beside_the_files_after_each_commit(copy: Copy) -> None:
    anchored = json.loads((copy.files / HEAD_FILE).read_text(encoding="utf-8"))
    ((last_id, last_hash),) = copy.direct("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
    assert anchored == {"event_id": last_id, "hash": last_hash}
    copy.app.add_provider(**sample_provider(2))
    moved = json.loads((copy.files / HEAD_FILE).read_text(encoding="utf-8"))
    assert moved["event_id"] == int(str(last_id)) + 1
    head = copy.app.audit_head()
    assert (head["event_id"], head["hash"]) == (moved["event_id"], moved["hash"])


def test_events_are_hmacs_under_a_key_kept_outside_the_database(copy: Copy) -> None:
    key_file = copy.files / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    rows = copy.direct(
        "SELECT at, type, dossier_id, provider_id, data, prev_hash, hash FROM events"
    )
    for at, type_, dossier_id, provider_id, data, prev_hash, digest in rows:
        plain = event_hash(
            str(prev_hash),
            datetime.fromisoformat(str(at)),
            str(type_),
            dossier_id,  # type: ignore[arg-type]
            provider_id,  # type: ignore[arg-type]
            str(data),
        )
        assert digest != plain  # a plain SHA-256 would let anyone with the database re-hash


# -- the chain -----------------------------------------------------------------------


def test_deleting_the_last_events_is_named_as_a_truncated_tail(copy: Copy) -> None:
    ids = copy.event_ids()
    copy.direct("DELETE FROM events WHERE id > ?", ids[-4])
    messages = copy.messages()
    assert messages[0] == (
        f"The log ends at event {ids[-4]}, but the head anchored beside the database is "
        f"event {ids[-1]}: the last events were deleted (a truncated tail)."
    )
    # What those events recorded now stands without them.
    assert all(not m.startswith("Event") for m in messages)


def test_deleting_every_event_is_named(copy: Copy) -> None:
    last = copy.event_ids()[-1]
    copy.direct("DELETE FROM events")
    messages = copy.messages()
    assert messages[0] == (
        f"The log is empty, but the head anchored beside the database is event {last}: "
        "every event was deleted."
    )
    assert any("Invoice" in m and "was issued by no event" in m for m in messages)


def test_a_truncated_tail_is_found_against_an_exported_head_too(copy: Copy) -> None:
    exported = copy.app.audit_head()
    (copy.files / HEAD_FILE).unlink()  # the anchor beside the database is gone as well
    ids = copy.event_ids()
    copy.direct("DELETE FROM events WHERE id > ?", ids[-3])
    report = copy.app.verify_audit(expected_head=f"{exported['event_id']}:{exported['hash']}")
    assert [f.kind for f in report.findings][:2] == ["log", "log"]
    assert "the head given is event" in report.findings[0].message
    assert "is missing although the log has keyed events" in report.findings[1].message


def rehash_from(copy: Copy, start: int) -> None:
    """Re-hash every event from ``start`` with a plain SHA-256, as one without the key can."""
    rows = copy.direct(
        "SELECT id, at, type, dossier_id, provider_id, data, prev_hash FROM events ORDER BY id"
    )
    prev = GENESIS_HASH
    for id_, at, type_, dossier_id, provider_id, data, prev_hash in rows:
        if int(str(id_)) < start:
            prev = str(copy.direct("SELECT hash FROM events WHERE id = ?", id_)[0][0])
            continue
        digest = event_hash(
            prev,
            datetime.fromisoformat(str(at)),
            str(type_),
            dossier_id,  # type: ignore[arg-type]
            provider_id,  # type: ignore[arg-type]
            str(data),
        )
        copy.direct("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", prev, digest, id_)
        prev = digest
        assert prev_hash is not None


def test_an_edited_and_rehashed_chain_is_named(copy: Copy) -> None:
    ids = copy.event_ids()
    target = ids[5]
    copy.direct("UPDATE events SET data = ? WHERE id = ?", '{"forged":true}', target)
    rehash_from(copy, target)
    assert copy.messages()[:2] == [
        f"Events {target} to {ids[-1]}: it was re-hashed without the secret key (a plain "
        "SHA-256 where an HMAC is due): the chain was rewritten from there.",
        f"Event {ids[-1]}, the head anchored beside the database, has another hash than the "
        "one anchored: the chain was re-hashed or rewritten.",
    ]


def test_an_inserted_and_a_reordered_event_are_named(copy: Copy) -> None:
    ids = copy.event_ids()
    ((at, prev),) = copy.direct("SELECT at, hash FROM events WHERE id = ?", ids[-1])
    copy.direct(
        "INSERT INTO events (at, type, data, prev_hash, hash) VALUES (?, 'forged', '{}', ?, ?)",
        at,
        prev,
        "f" * 64,
    )
    assert copy.messages() == [
        f"Event {ids[-1] + 1}: its content does not match its hash (the event was altered or "
        "inserted)."
    ]
    a, b = ids[3], ids[4]
    ((data_a,), (data_b,)) = copy.direct("SELECT data FROM events WHERE id IN (?, ?)", a, b)
    copy.direct("UPDATE events SET data = ? WHERE id = ?", data_b, a)
    copy.direct("UPDATE events SET data = ? WHERE id = ?", data_a, b)
    found = copy.app.verify_audit()
    assert found.first_bad_id == a
    assert found.problem is not None
    assert "altered" in found.problem


def test_a_chain_from_before_the_key_still_verifies_and_its_downgrade_is_found(
    copy: Copy,
) -> None:
    """Events from before schema 11 keep their SHA-256 links; claiming the keyed events are
    of that kind is caught by the head anchored outside."""
    last = copy.event_ids()[-1]
    rehash_from(copy, 1)
    copy.direct("DELETE FROM audit_chain")  # (its one row; none without means 1)
    copy.direct("INSERT INTO audit_chain (first_keyed_event) VALUES (?)", last + 1)
    assert copy.app.store.first_keyed_event() == last + 1
    assert copy.messages() == [
        f"Event {last}, the head anchored beside the database, has another hash than the one "
        "anchored: the chain was re-hashed or rewritten."
    ]
    (copy.files / HEAD_FILE).unlink()  # an old database: no anchor was ever written
    assert copy.app.verify_audit().ok


# -- the records against their events ------------------------------------------------


def test_invoice_totals_edited_with_the_triggers_dropped_and_restored_are_named(
    copy: Copy,
) -> None:
    number, _sha = copy.invoices()[0]
    copy.without_invoice_triggers(
        "UPDATE invoices SET total_ht_cents = 1, total_ttc_cents = 2 WHERE number = ?", number
    )
    with pytest.raises(Exception, match="cannot be changed"):
        copy.direct("UPDATE invoices SET total_ttc_cents = 3 WHERE number = ?", number)
    (message,) = copy.messages()
    assert message.startswith(f"Invoice {number} of provider 1 does not match event ")
    assert "total_ht_cents 1 (issued: " in message
    assert "total_ttc_cents 2 (issued: " in message


def test_a_deleted_invoice_is_named_and_so_is_the_gap_in_its_series(copy: Copy) -> None:
    (first, _sha), (second, _sha2) = copy.invoices()
    copy.direct(  # its payment let go of it first (a foreign key)
        "UPDATE payments SET invoice_id = NULL WHERE invoice_id = "
        "(SELECT id FROM invoices WHERE number = ?)",
        first,
    )
    copy.without_invoice_triggers("DELETE FROM invoices WHERE number = ?", first)
    messages = copy.messages()
    assert len(messages) == 2
    assert messages[0].startswith(f"Invoice {first} of provider 1, issued by event ")
    assert messages[0].endswith("is missing: it was deleted.")
    assert "has a gap: number(s) 1 of 1 to 2 are missing (invoices deleted)." in messages[1]
    assert second != first


def test_an_invoice_inserted_by_hand_is_named(copy: Copy) -> None:
    columns = (
        "kind, dossier_id, client_id, issue_date, due_date, period_start, period_end, "
        "total_ht_cents, total_vat_cents, total_ttc_cents, data, pdf_sha256, created_at"
    )
    copy.direct(
        f"INSERT INTO invoices (provider_id, number, series, sequence, {columns}) "
        f"SELECT provider_id, 'F2026-000099', series, 99, {columns} FROM invoices WHERE id = 1"
    )
    messages = copy.messages()
    assert len(messages) == 2
    assert messages[0] == (
        "Invoice F2026-000099 of provider 1 (id 3) was issued by no event: it was inserted by hand."
    )
    assert messages[1].endswith(
        "holds numbers past the last one it handed out (2): invoices were inserted by hand."
    )


def test_a_dossier_set_from_s3_to_s4_by_hand_is_named(copy: Copy) -> None:
    waiting = 2
    copy.direct("UPDATE dossiers SET status = 'active' WHERE id = ?", waiting)
    (message,) = copy.messages()
    assert message.startswith(f"Dossier {waiting} is S4 in the database, but its last status")
    assert message.endswith("set it to S3: its status was changed by hand.")
    # Its contract was never signed: no attestation is drawn for it.
    with pytest.raises(Refused, match="in force"):
        copy.app.render_attestation(waiting)
    assert copy.app.render_attestation(1).startswith(b"%PDF")


def test_an_edited_signature_row_is_named(copy: Copy) -> None:
    copy.direct("UPDATE signatures SET signer = 'Quelqu''un d''autre' WHERE party = 'client'")
    (message,) = copy.messages()
    assert message.startswith("The client's signature of dossier 1 does not match event ")
    assert message.endswith("the signature row was edited after it was recorded.")


def test_a_deleted_signature_is_named(copy: Copy) -> None:
    copy.direct("DELETE FROM signatures WHERE party = 'provider'")
    (message,) = copy.messages()
    assert message.startswith("The provider's signature of dossier 1, recorded by event ")


# -- stored files ----------------------------------------------------------------------


def stored(copy: Copy, sha256: str) -> Path:
    return copy.files / "justificatifs" / sha256[:2] / sha256[2:]


def test_a_justificatif_changed_on_disk_is_named_and_refused_when_read(copy: Copy) -> None:
    piece = next(p for p in copy.app.justificatifs(1) if p.sha256)
    assert piece.sha256 is not None
    path = stored(copy, piece.sha256)
    path.write_bytes(sample_pdf("un autre document"))
    (message,) = copy.messages()
    assert message.startswith(f"The stored file {path} (SHA-256 {piece.sha256[:12]}…) was changed")
    with pytest.raises(StoredFileAltered) as refused:
        copy.app.justificatif_file(1, piece.kind)
    assert str(refused.value) == (
        f"The stored file {path} (SHA-256 {piece.sha256[:12]}…) was changed after it was "
        "stored; it is not served."
    )


def test_storing_the_same_bytes_again_mends_a_file_changed_on_disk(tmp_path: Path) -> None:
    from domicili.files import FileStore

    files = FileStore(tmp_path / "justificatifs")
    data = sample_pdf("statuts")
    kept = files.put(data, filename="statuts.pdf")
    files.path(kept.sha256).write_bytes(sample_pdf("autre chose"))
    with pytest.raises(StoredFileAltered):
        files.read(kept.sha256)
    assert files.put(data, filename="statuts (copie).pdf") == kept
    assert files.read(kept.sha256) == data


def test_an_invoice_pdf_changed_or_removed_is_named_and_refused(copy: Copy) -> None:
    (number, sha), _second = copy.invoices()
    path = stored(copy, sha)
    good = copy.app.invoice_pdf(number)
    assert hashlib.sha256(good).hexdigest() == sha
    path.write_bytes(good.replace(b"%%EOF", b"%%EOF "))
    with pytest.raises(StoredFileAltered, match="was changed after it was stored"):
        copy.app.invoice_pdf(number)
    path.unlink()
    with pytest.raises(StoredFileAltered, match="is missing; it is not served"):
        copy.app.invoice_pdf(number)
    assert copy.messages() == [f"The stored file {path} (SHA-256 {sha[:12]}…) is missing."]


def test_a_signed_contract_changed_on_disk_is_refused(copy: Copy) -> None:
    sha = copy.app.get_dossier(1).dossier.signed_contract_sha256
    assert sha is not None
    stored(copy, sha).write_bytes(b"%PDF-1.7 autre")
    with pytest.raises(StoredFileAltered, match="was changed after it was stored"):
        copy.app.signed_contract(1)


def test_an_email_whose_attachment_changed_on_disk_is_not_sent(copy: Copy) -> None:
    # The signed contract sent to the provider at activation (not a code: it may go again).
    (message, *_) = [m for m in copy.app.outbox(dossier_id=1) if m.template == "activated"]
    assert message.id is not None
    sha = message.attachments[0].sha256
    stored(copy, sha).write_bytes(b"%PDF-1.7 autre contrat")
    copy.direct("UPDATE outbox SET status = 'pending' WHERE id = ?", message.id)
    notifier = copy.app.ctx.notifier
    assert isinstance(notifier, RecordingNotifier)
    before = len(notifier.sent)
    report = copy.app.deliver()
    assert notifier.sent[before:] == []  # the altered contract went to nobody
    (undelivered,) = report.undelivered
    assert undelivered.message_id == message.id
    assert "was changed after it was stored" in undelivered.reason
    (after,) = [m for m in copy.app.outbox(dossier_id=1) if m.id == message.id]
    assert after.status != "sent"
    assert after.last_error is not None
    assert sha[:12] in after.last_error


# -- the secret key ----------------------------------------------------------------------


def test_the_secret_key_may_come_from_the_environment(
    store: StoreChoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMICILI_SECRET_KEY", "k" * 40)
    db, files = store.shared()
    app, _clock, _notifier = make_app(db, files=files, start=START)
    with app:
        app.add_provider(**sample_provider(1))
        assert app.verify_audit().ok
        assert app.ctx.secret.value == b"k" * 40
        folder = app.data_dir
    assert not (folder / KEY_FILE).exists()
    monkeypatch.setenv("DOMICILI_SECRET_KEY", "z" * 40)  # another key: every event is named
    again, _clock, _notifier = make_app(db, files=files, start=START)
    with again:
        assert not again.verify_audit().ok


def test_a_database_from_before_the_key_keeps_its_chain_and_its_old_codes_expire(
    copy: Copy,
) -> None:
    """Made as schema 8 left it: SHA-256 links, no anchor, a code in the old form."""
    last = copy.event_ids()[-1]
    rehash_from(copy, 1)
    copy.direct("DROP TABLE audit_chain")
    # Migration 11 runs again when the database is next opened (the later ones, which
    # made nothing of the chain, stay as they are).
    copy.direct("DELETE FROM migrations WHERE id = 11")
    (copy.files / HEAD_FILE).unlink()
    copy.app.close()
    app, _clock, _notifier = make_app(
        copy.app.store.location, files=copy.files, start=START, signature_method=KnownCode()
    )
    with app:
        assert app.store.first_keyed_event() == last + 1
        assert app.verify_audit().ok  # the old links are checked as SHA-256
        with pytest.raises(SignatureRefused, match="has expired") as refused:
            app.sign(2, "client", CODE)
        assert refused.value.needs_new_code
        app.resend_code(2, "client")
        app.sign(2, "client", CODE)
        report = app.verify_audit()
        assert report.ok  # the events since, checked as HMACs
        assert report.head is not None
        assert report.head.event_id > last


def test_a_damaged_anchor_and_a_missing_key_are_named_not_taken_for_tampering(
    copy: Copy,
) -> None:
    anchor = copy.files / HEAD_FILE
    anchor.write_text("n'importe quoi", encoding="utf-8")
    (message,) = copy.messages()
    assert message.startswith(f"The head anchor {anchor} is damaged: ")
    assert copy.app.audit_head()["anchor_problem"] is not None
    ((last_id, last_hash),) = copy.direct("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
    anchor.write_text(json.dumps({"event_id": last_id, "hash": last_hash}), encoding="utf-8")
    (copy.files / KEY_FILE).unlink()
    db = copy.app.store.location
    copy.app.close()
    app, _clock, _notifier = make_app(db, files=copy.files, start=START)
    with app:
        assert [f.message for f in app.verify_audit().findings] == [
            f"The secret key {copy.files / KEY_FILE} is missing: the keyed events cannot be "
            "checked; restore it from a backup (or set DOMICILI_SECRET_KEY)."
        ]
    assert not (copy.files / KEY_FILE).exists()  # checking made no new key
