"""Electronic signature of the contract by one-time codes, through the facade over fakes.

Codes are six digits, kept only hashed, valid 15 minutes and locked after 5 wrong
attempts. Each signature binds the SHA-256 of the contract sent; the second one makes
the domiciliation active and adds a certificate page to the signed contract.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from domicili.adapters.signatures import OtpSignature
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import PaymentSettings, Settings, SignatureSettings
from domicili.errors import (
    AdapterError,
    ConfigError,
    InvalidInput,
    Refused,
    SignatureRefused,
)
from domicili.ports import SignatureMethod
from domicili.service.integrity import signature_digest
from domicili.testing import (
    RecordingNotifier,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)

if TYPE_CHECKING:
    from conftest import StoreChoice, Templates, World

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROVIDER_MOBILE = "06 98 76 54 32"
PHONES = {"client": "+33612345678", "provider": "+33698765432"}
CLIENT_EMAIL = "camille@atelier.example"
PROVIDER_EMAIL = "contact1@domiciliation.example"


# -- helpers -----------------------------------------------------------------------------


#: A signature code in an SMS, and in an email to a party without a mobile.
SMS_CODE = r"code de signature du contrat D-\d{6} est (\S+)\."
EMAIL_CODE = r"Code de signature : (\S+)\n"
HIDDEN = "••••••"


def texted(notifier: RecordingNotifier) -> dict[str, str]:
    """The last code each phone received."""
    codes = {}
    for message in notifier.sent:
        found = re.search(SMS_CODE, message.body) if message.channel == "sms" else None
        if found:
            codes[message.to] = found.group(1)
    return codes


def paid_dossier(app: Domicili, *, seed: int = 1, phone: str = PROVIDER_MOBILE) -> int:
    """A provider (reachable by SMS unless told otherwise), one dossier accepted and paid."""
    provider = app.add_provider(**sample_provider(seed, phone=phone))
    assert provider.id is not None
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id])
    assert dossier.id is not None
    kinds = [p.kind for p in app.justificatifs(dossier.id) if p.required]
    for kind in kinds:
        app.add_justificatif(dossier.id, kind, sample_pdf(f"{kind} {seed}"), f"{kind}.pdf")
    app.review(dossier.id, validate=kinds)
    app.accept(dossier.id)
    assert app.record_payment(dossier.id, method="transfer").outcome == "applied"
    return dossier.id


@dataclass
class Paid:
    """A facade over fakes on a copy of a database holding one paid dossier (S3)."""

    app: Domicili
    clock: FixedClock
    notifier: RecordingNotifier
    id: int
    #: The codes the parties' phones received while the paid database was built.
    received: dict[str, str]

    def code(self, party: str) -> str:
        """The code in the last SMS a party received (the outbox keeps no code)."""
        return texted(self.notifier).get(PHONES[party]) or self.received[party]

    def sign(self, party: str, code: str | None = None, **kwargs: Any) -> Any:
        return self.app.sign(self.id, party, self.code(party) if code is None else code, **kwargs)

    @property
    def status(self) -> str:
        return self.app.get_dossier(self.id).dossier.status.code

    @property
    def contract_sha(self) -> str:
        sha = self.app.get_dossier(self.id).dossier.contract_sha256
        assert sha is not None
        return sha

    def mark(self) -> int:
        return len(self.notifier.sent)

    def since(self, mark: int) -> list[Any]:
        return self.notifier.sent[mark:]


def wrong(code: str) -> str:
    """Another six-digit code."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def pages(pdf: bytes) -> list[str]:
    """The text of each page, every kind of space made plain and runs collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        " ".join(page.extract_text().replace("\u00a0", " ").replace("\u202f", " ").split())
        for page in reader.pages
    ]


#: Makes a copy, in the folder given, of a database built once: its ``(db, files)``.
Source = Callable[[Path], tuple[str, Path]]


def build_paid(db: str, files: Path) -> None:
    """One paid dossier (id 1); the codes texted to the parties in ``codes.json`` beside."""
    app, _clock, notifier = make_app(db, files=files, start=START)
    try:
        assert paid_dossier(app) == 1
    finally:
        app.close()
    received = {party: texted(notifier)[phone] for party, phone in PHONES.items()}
    (files.parent / "codes.json").write_text(json.dumps(received), encoding="utf-8")


@pytest.fixture
def paid_db(templates: Templates, store: StoreChoice) -> Source:
    """A database with one paid dossier, built once per store and copied for each test."""
    return lambda root: templates.copy("signatures-paid", store, root, build_paid)


def open_copy(source: Source, target: Path, settings: Settings | None = None) -> Paid:
    db, files = source(target)
    app, clock, notifier = make_app(db, files=files, start=START, settings=settings)
    received = json.loads((target / "codes.json").read_text(encoding="utf-8"))
    return Paid(app, clock, notifier, 1, received)


@pytest.fixture
def paid(paid_db: Source, tmp_path: Path) -> Iterator[Paid]:
    opened = open_copy(paid_db, tmp_path / "db")
    try:
        yield opened
    finally:
        opened.app.close()


# -- the signature method is a plugin ----------------------------------------------------


def test_otp_signature_is_found_through_the_signatures_entry_point_group() -> None:
    found = {ep.name: ep for ep in entry_points(group="domicili.signatures")}
    assert found["otp"].load() is OtpSignature
    assert isinstance(OtpSignature(), SignatureMethod)


def test_an_unknown_signature_method_is_a_config_error_naming_the_installed_ones(
    paid_db: Source, tmp_path: Path
) -> None:
    """The method is resolved once, when the facade is built: a wrong name stops it there."""
    settings = Settings(signature=SignatureSettings(method="qualifiee"))
    with pytest.raises(ConfigError) as refused:
        open_copy(paid_db, tmp_path / "db", settings)
    assert str(refused.value) == (
        "Unknown signature method 'qualifiee'; installed signature methods: otp."
    )


class CodeWithoutCheck:
    """A signature method that forgot ``matches``."""

    label = "Sans vérification"
    lifetime_minutes = 15
    max_attempts = 5

    @classmethod
    def from_config(cls, settings: SignatureSettings) -> CodeWithoutCheck:
        return cls()

    def new_code(self) -> str:
        return "000000"

    def digest(self, code: str, salt: str) -> str:
        return code


def test_a_signature_method_lacking_part_of_its_port_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import domicili.adapters

    class EntryPoint:
        name = "sans-verification"

        def load(self) -> object:
            return CodeWithoutCheck

    real = domicili.adapters.installed
    monkeypatch.setattr(
        domicili.adapters,
        "installed",
        lambda group: (
            {"sans-verification": EntryPoint()} if group == "domicili.signatures" else real(group)
        ),
    )
    settings = Settings(signature=SignatureSettings(method="sans-verification"))
    with pytest.raises(ConfigError) as refused:
        make_app(settings=settings)
    assert str(refused.value) == (
        "The signature method 'sans-verification' does not implement SignatureMethod: "
        "it has no matches."
    )


def test_the_signature_method_is_built_from_the_signature_settings() -> None:
    settings = Settings(signature=SignatureSettings(code_minutes=7, max_attempts=3))
    app, _clock, _notifier = make_app(settings=settings)
    try:
        assert isinstance(app.ctx.signatures, OtpSignature)
        assert (app.ctx.signatures.lifetime_minutes, app.ctx.signatures.max_attempts) == (7, 3)
    finally:
        app.close()


def test_otp_codes_are_six_digits_and_match_only_their_own_digest() -> None:
    method = OtpSignature()
    codes = {method.new_code() for _ in range(50)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) > 1
    digest = method.digest("123456", "00ff")
    assert method.matches(" 123456 ", "00ff", digest)
    assert not method.matches("123457", "00ff", digest)
    assert not method.matches("123456", "00fe", digest)


# -- codes -------------------------------------------------------------------------------


def test_codes_are_stored_only_as_hmacs_keyed_by_the_secret_outside_the_database(
    paid: Paid, direct: Any
) -> None:
    codes = {party: paid.code(party) for party in PHONES}
    where = (paid.app.store.location, "FROM signature_codes WHERE dossier_id = ? ORDER BY party")
    rows = direct(where[0], f"SELECT party, code_hash, salt {where[1]}", paid.id)
    whole = direct(where[0], f"SELECT * {where[1]}", paid.id)
    assert [r[0] for r in rows] == ["client", "provider"]
    secret = paid.app.ctx.secret
    for (party, code_hash, salt), values in zip(rows, whole, strict=True):
        plain = codes[str(party)]
        assert plain not in values
        assert int(plain) not in values
        assert re.fullmatch(r"[0-9a-f]{64}", str(code_hash))
        # What the database alone gives (the code, its salt) does not reproduce the digest…
        assert code_hash != hashlib.sha256(plain.encode()).hexdigest()
        assert code_hash != hashlib.sha256((str(salt) + plain).encode()).hexdigest()
        assert code_hash != hmac.new(bytes.fromhex(str(salt)), plain.encode(), "sha256").hexdigest()
        assert not OtpSignature().matches(plain, str(salt), str(code_hash))
        # … the per-code key made with the secret kept outside the database does.
        assert OtpSignature().matches(plain, secret.code_key(str(salt)), str(code_hash))
    assert rows[0][2] != rows[1][2]


@pytest.mark.one_store  # the code's digest is the signature method's, whatever the store
def test_a_copy_of_the_database_alone_does_not_find_the_code(paid: Paid, direct: Any) -> None:
    paid.code("client")
    ((code_hash, salt),) = direct(
        paid.app.store.location,
        "SELECT code_hash, salt FROM signature_codes WHERE dossier_id = ? AND party = 'client'",
        paid.id,
    )
    method = OtpSignature()
    # Every one of the 10⁶ codes, tried with what the database holds: none matches.
    found = [
        code
        for code in (f"{n:06d}" for n in range(1_000_000))
        if method.digest(code, str(salt)) == code_hash
    ]
    assert found == []


def test_codes_are_delivered_but_the_outbox_keeps_only_a_placeholder(
    file_world: World, dump: Any
) -> None:
    app, notifier = file_world.app, file_world.notifier
    dossier_id = paid_dossier(app, phone="01 42 00 00 00")  # the provider's code goes by email
    app.resend_code(dossier_id, "client")
    delivered = {m.id: m for m in notifier.sent}
    codes: dict[tuple[str, str], str] = {}
    stored_rows = file_world.direct("SELECT id, channel, recipient, body FROM outbox ORDER BY id")
    for message_id, channel, recipient, body in stored_rows:
        pattern = SMS_CODE if channel == "sms" else EMAIL_CODE
        kept = re.search(pattern, str(body))
        if kept is None:
            continue
        sent = re.search(pattern, delivered[int(str(message_id))].body)
        assert sent is not None
        assert kept.group(1) == HIDDEN
        assert re.fullmatch(r"\d{6}", sent.group(1))
        clear = delivered[int(str(message_id))].body
        assert body == clear[: sent.start(1)] + HIDDEN + clear[sent.end(1) :]
        codes[(str(channel), str(recipient))] = sent.group(1)
    assert sorted(codes) == [("email", PROVIDER_EMAIL), ("sms", PHONES["client"])]

    stored = [*dump(app.store.location)]
    if app.outbox_dir.exists():
        stored += [p.read_text(errors="replace") for p in app.outbox_dir.rglob("*") if p.is_file()]
    for code in codes.values():
        for text in stored:
            assert f"est {code}." not in text
            assert f"Code de signature : {code}" not in text
            assert code not in re.findall(r"(?<![-\w])\d{6}(?![\w])", text)

    assert app.sign(dossier_id, "client", codes[("sms", PHONES["client"])]).party == "client"
    assert app.sign(dossier_id, "provider", codes[("email", PROVIDER_EMAIL)]).party == "provider"
    assert app.get_dossier(dossier_id).dossier.status.code == "S4"


class SmsDown(RecordingNotifier):
    """Delivers emails; SMS fail while ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def deliver(self, message: Any) -> None:
        if self.down and message.channel == "sms":
            raise AdapterError("SMS gateway unreachable")
        super().deliver(message)


RESEND = (
    "The signature code it carried is not kept, so it is not sent again: send a new one "
    "with `domicili contract resend-code 1 --party client`."
)


def test_a_code_whose_delivery_failed_is_not_sent_again_with_the_placeholder(
    tmp_path: Path,
) -> None:
    notifier = SmsDown()
    clock = FixedClock(START)
    with Domicili(tmp_path / "d.db", settings=Settings(), clock=clock, notifier=notifier) as app:
        dossier_id = paid_dossier(app)
        notifier.down = True
        app.resend_code(dossier_id, "client")
        (failed,) = app.outbox(status="failed")
        assert (failed.template, failed.to) == ("signature_code", PHONES["client"])
        assert failed.last_error == f"SMS gateway unreachable — {RESEND}"

        notifier.down = False
        mark = len(notifier.sent)
        clock.advance(minutes=1)
        report = app.deliver()
        app.sweep()
        assert (report.sent, report.failed) == (0, 0)
        assert notifier.sent[mark:] == []
        assert app.outbox(status="failed") == [failed]
        assert not [m for m in notifier.sent if HIDDEN in m.body]
        assert app.outbox(given_up=True) == [failed]  # no attempt left for it
        with pytest.raises(Refused) as refused:
            app.retry_message(failed.id or 0)
        assert str(refused.value) == f"Message {failed.id} cannot be sent again: {RESEND}"
        assert app.outbox(given_up=True) == [failed]  # nothing changed

        app.resend_code(dossier_id, "client")
        assert app.sign(dossier_id, "client", texted(notifier)[PHONES["client"]]).party == "client"


def test_a_code_left_claimed_by_a_process_that_stopped_is_failed_not_sent(
    file_world: World,
) -> None:
    from domicili.service import signatures

    app, notifier = file_world.app, file_world.notifier
    dossier_id = paid_dossier(app)
    signatures.resend_code(app.ctx, dossier_id, "client")
    app.store.take_committed_messages()  # the process stops before delivering them
    mark = len(notifier.sent)
    file_world.clock.advance(minutes=11)
    app.deliver()
    assert [m.template for m in notifier.sent[mark:]] == ["signature_reminder"]
    (failed,) = app.outbox(status="failed")
    assert (failed.template, failed.last_error) == ("signature_code", RESEND)


def test_without_delivery_after_commit_code_messages_are_failed_at_once(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    clock = FixedClock(START)
    with Domicili(
        tmp_path / "d.db", settings=Settings(), clock=clock, notifier=notifier, auto_deliver=False
    ) as app:
        dossier_id = paid_dossier(app)
        failed = app.outbox(status="failed")
        assert sorted(m.to for m in failed) == sorted(PHONES.values())
        assert {m.template for m in failed} == {"signature_code"}
        assert all(f"resend-code {dossier_id} --party" in (m.last_error or "") for m in failed)
        app.deliver()
        assert "signature_code" not in notifier.templates()
        assert "contract_to_sign" in notifier.templates()


def test_a_code_still_signs_just_before_fifteen_minutes(paid: Paid) -> None:
    paid.clock.advance(minutes=14, seconds=59)
    assert paid.sign("client").signed_at == START + timedelta(minutes=14, seconds=59)


def test_a_code_expires_at_fifteen_minutes(paid: Paid) -> None:
    paid.clock.advance(minutes=15)
    with pytest.raises(SignatureRefused, match=r"expired \(15 minutes\); ask for a new code") as e:
        paid.sign("client")
    assert (e.value.dossier_id, e.value.party, e.value.needs_new_code) == (paid.id, "client", True)
    assert paid.app.signatures(paid.id) == []
    paid.app.resend_code(paid.id, "client")
    assert paid.sign("client").party == "client"


def test_resend_code_starts_a_new_fifteen_minutes(paid: Paid) -> None:
    paid.clock.advance(minutes=30)
    paid.app.resend_code(paid.id, "provider")
    paid.clock.advance(minutes=14)
    assert paid.sign("provider").party == "provider"


def test_a_code_signs_only_for_the_party_it_was_sent_to(paid: Paid) -> None:
    client_code = paid.code("client")
    while paid.code("provider") == client_code:  # one chance in a million: draw again
        paid.app.resend_code(paid.id, "provider")
    with pytest.raises(SignatureRefused, match="Wrong code for the provider"):
        paid.sign("provider", client_code)
    assert paid.app.signatures(paid.id) == []


def test_wrong_codes_count_down_the_attempts_left(paid: Paid) -> None:
    bad = wrong(paid.code("client"))
    for left in (4, 3, 2, 1):
        with pytest.raises(SignatureRefused, match=rf"{left} attempts? left"):
            paid.sign("client", bad)
    row = paid.app.store.signature_code(paid.id, "client")
    assert row is not None
    assert (row.attempts, row.locked) == (4, False)


def test_five_wrong_codes_lock_and_then_even_the_right_code_is_refused(paid: Paid) -> None:
    right = paid.code("client")
    for _ in range(4):
        with pytest.raises(SignatureRefused, match="attempt"):
            paid.sign("client", wrong(right))
    with pytest.raises(SignatureRefused, match="after 5 wrong attempts the code is locked"):
        paid.sign("client", wrong(right))
    with pytest.raises(SignatureRefused, match=r"locked.*ask for a new code") as caught:
        paid.sign("client", right)
    assert (caught.value.party, caught.value.needs_new_code) == ("client", True)
    assert paid.app.signatures(paid.id) == []
    assert paid.status == "S3"
    wrongs = [e for e in paid.app.store.events(paid.id) if e.type == "signature.wrong_code"]
    assert len(wrongs) == 5


def test_resend_code_unlocks_with_a_new_code_and_the_old_one_stops_working(paid: Paid) -> None:
    old = paid.code("client")
    for _ in range(5):
        with pytest.raises(SignatureRefused):
            paid.sign("client", wrong(old))
    mark = paid.mark()
    paid.app.resend_code(paid.id, "client")
    assert sorted((m.template, m.channel, m.to) for m in paid.since(mark)) == [
        ("signature_code", "sms", PHONES["client"]),
        ("signature_reminder", "email", CLIENT_EMAIL),
    ]
    new = paid.code("client")
    if new != old:
        with pytest.raises(SignatureRefused, match="Wrong code"):
            paid.sign("client", old)
    assert paid.sign("client", new).party == "client"


# -- who may sign what -------------------------------------------------------------------


def test_a_party_cannot_sign_twice(paid: Paid) -> None:
    right = paid.code("client")
    paid.sign("client", right)
    with pytest.raises(SignatureRefused, match="client has already signed dossier 1"):
        paid.sign("client", right)
    with pytest.raises(SignatureRefused, match="already signed"):
        paid.app.resend_code(paid.id, "client")
    assert [s.party for s in paid.app.signatures(paid.id)] == ["client"]
    assert paid.status == "S3"


@pytest.mark.parametrize("party", ["witness", "Client", ""])
def test_an_unknown_party_is_refused(paid: Paid, party: str) -> None:
    with pytest.raises(InvalidInput, match="use client or provider"):
        paid.app.sign(paid.id, party, paid.code("client"))
    with pytest.raises(InvalidInput, match="use client or provider"):
        paid.app.resend_code(paid.id, party)
    assert paid.app.signatures(paid.id) == []


def test_signing_a_dossier_not_awaiting_signature_is_refused_naming_its_status(
    world: World,
) -> None:
    app = world.app
    provider = app.add_provider(**sample_provider(1, phone=PROVIDER_MOBILE))
    assert provider.id is not None
    (dossier_id,) = world.demande(provider.id)
    with pytest.raises(SignatureRefused, match=r"is S1 \(En attente"):
        app.sign(dossier_id, "client", "123456")
    world.ready(dossier_id)
    app.accept(dossier_id)
    with pytest.raises(SignatureRefused, match=r"is S2 \(Accepté"):
        app.sign(dossier_id, "client", "123456")
    with pytest.raises(SignatureRefused, match=r"is S2 \(Accepté"):
        app.resend_code(dossier_id, "provider")
    with pytest.raises(Refused, match=r"is S2 \(Accepté"):
        app.render_attestation(dossier_id)
    assert app.signatures(dossier_id) == []


def test_signing_an_active_dossier_again_is_refused_naming_its_status(paid: Paid) -> None:
    for party in PHONES:
        paid.sign(party)
    with pytest.raises(SignatureRefused, match=r"is S4 \(Domiciliation en cours\)"):
        paid.sign("client", "123456")


def test_a_contract_changed_after_it_was_sent_cannot_be_signed(paid: Paid) -> None:
    sha = paid.contract_sha
    blob = paid.app.ctx.files.path(sha)
    original = blob.read_bytes()
    blob.write_bytes(original + b"\n% clause ajoutee apres envoi\n")
    right = paid.code("client")
    with pytest.raises(SignatureRefused, match="changed after it was sent"):
        paid.sign("client", right)
    assert paid.app.signatures(paid.id) == []
    row = paid.app.store.signature_code(paid.id, "client")
    assert row is not None
    assert row.attempts == 0
    blob.write_bytes(original)
    assert paid.sign("client", right).document_sha256 == sha


def test_signing_with_the_hash_of_another_document_is_refused(paid: Paid) -> None:
    other = hashlib.sha256(b"un autre contrat").hexdigest()
    right = paid.code("client")
    with pytest.raises(SignatureRefused, match="is not the contract sent"):
        paid.sign("client", right, document_sha256=other)
    assert paid.app.signatures(paid.id) == []
    sha = paid.contract_sha
    assert paid.sign("client", right, document_sha256=sha.upper()).document_sha256 == sha


# -- what a signature records ------------------------------------------------------------


def test_a_signature_records_who_when_the_document_hash_and_the_code_check(paid: Paid) -> None:
    right = paid.code("client")
    with pytest.raises(SignatureRefused):
        paid.sign("client", wrong(right))
    paid.clock.advance(minutes=3)
    signature = paid.sign("client", right)
    assert signature.party == "client"
    assert signature.signer == "Camille Durand"
    assert signature.on_behalf_of == "la société Atelier Lumière en formation"
    assert signature.signed_at == START + timedelta(minutes=3)
    assert signature.document_sha256 == paid.contract_sha
    assert signature.method == OtpSignature.label
    assert "essai n° 2" in signature.code_check
    assert "+336••••••78" in signature.code_check
    assert (signature.phone, signature.email) == (PHONES["client"], CLIENT_EMAIL)
    assert paid.app.signatures(paid.id) == [signature]
    assert paid.app.store.signature_code(paid.id, "client") is None
    (event,) = [e for e in paid.app.store.events(paid.id) if e.type == "contract.signed"]
    (row,) = paid.app.store.signatures_of([paid.id])
    assert event.data == {
        "party": "client",
        "sha256": signature.document_sha256,
        "record": signature_digest(row),  # the whole row, as stored: an edit is found
    }


def test_the_certificate_says_by_which_channel_each_code_was_sent(world: World) -> None:
    app, notifier = world.app, world.notifier
    dossier_id = paid_dossier(app, phone="01 42 00 00 00")  # the provider has no mobile
    codes = {party: app.store.signature_code(dossier_id, party) for party in ("client", "provider")}
    assert {party: code and code.channel for party, code in codes.items()} == {
        "client": "sms",
        "provider": "email",
    }
    (email,) = [
        m for m in notifier.sent if m.template == "contract_to_sign" and m.to == PROVIDER_EMAIL
    ]
    emailed = re.search(EMAIL_CODE, email.body)
    assert emailed is not None

    client = app.sign(dossier_id, "client", texted(notifier)[PHONES["client"]])
    provider = app.sign(dossier_id, "provider", emailed.group(1))
    assert client.code_check == (
        "Code à usage unique vérifié (essai n° 1), envoyé par SMS au +336••••••78"
    )
    assert provider.code_check == (
        "Code à usage unique vérifié (essai n° 1), envoyé par e-mail à c…@domiciliation.example"
    )
    label = "Signature électronique simple par code à usage unique"
    assert client.method == provider.method == label
    last = pages(app.signed_contract(dossier_id))[-1]
    assert "(SMS)" not in last
    assert "envoyé par SMS au" in last
    assert "envoyé par e-mail à" in last


def test_one_signature_leaves_the_dossier_awaiting_the_other(paid: Paid) -> None:
    mark = paid.mark()
    paid.sign("provider")
    assert paid.status == "S3"
    assert paid.since(mark) == []
    with pytest.raises(Refused, match="not signed by both parties yet"):
        paid.app.signed_contract(paid.id)


# -- activation --------------------------------------------------------------------------


def test_the_second_signature_activates_and_sends_the_signed_contract(paid: Paid) -> None:
    app = paid.app
    paid.sign("client")
    paid.clock.advance(minutes=7)
    mark = paid.mark()
    paid.sign("provider")
    dossier = app.get_dossier(paid.id).dossier
    assert dossier.status.code == "S4"
    assert dossier.signed_contract_sha256 is not None
    signed = app.signed_contract(paid.id)
    assert hashlib.sha256(signed).hexdigest() == dossier.signed_contract_sha256
    mails = {m.to: m for m in paid.since(mark) if m.template == "activated"}
    assert set(mails) == {CLIENT_EMAIL, PROVIDER_EMAIL}
    client_files = {a.filename: a.sha256 for a in mails[CLIENT_EMAIL].attachments}
    assert client_files["contrat-signe-D-000001.pdf"] == dossier.signed_contract_sha256
    attestation = app.ctx.files.read(client_files["attestation-domiciliation-D-000001.pdf"])
    assert "ATTESTATION" in " ".join(pages(attestation)).upper()
    assert [a.filename for a in mails[PROVIDER_EMAIL].attachments] == ["contrat-signe-D-000001.pdf"]
    assert app.verify_audit().ok


def test_the_first_of_the_month_is_written_1er_in_the_reminder_and_the_activation() -> None:
    first = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # Sunday 1 March 2026, 10:00 in Paris
    app, _clock, notifier = make_app(start=first)
    try:
        dossier = paid_dossier(app)  # the contract is sent and starts on 1 March
        app.resend_code(dossier, "client")
        (reminder,) = [m for m in notifier.sent if m.template == "signature_reminder"]
        assert "votre signature depuis le 1er mars 2026." in reminder.body
        codes = texted(notifier)
        app.sign(dossier, "client", codes[PHONES["client"]])
        app.sign(dossier, "provider", codes[PHONES["provider"]])
        activated = [m for m in notifier.sent if m.template == "activated"]
        assert len(activated) == 2
        for message in activated:
            assert "est en cours depuis le 1er mars 2026." in message.body
        assert not [m.template for m in notifier.sent if re.search(r"\b1 mars", m.body)]
    finally:
        app.close()


def test_the_signed_contract_ends_with_a_page_listing_signers_times_and_the_hash(
    paid: Paid,
) -> None:
    sha = paid.contract_sha
    original = pages(paid.app.ctx.files.read(sha))
    paid.clock.advance(minutes=5)
    paid.sign("client")
    paid.clock.advance(minutes=9)
    paid.sign("provider")
    signed = pages(paid.app.signed_contract(paid.id))
    assert len(signed) == len(original) + 1
    assert signed[:-1] == original
    last = signed[-1]
    assert "CERTIFICAT DE SIGNATURE" in last
    assert sha in re.sub(r"\s", "", last)
    assert "Signataire Camille Durand" in last
    assert "Signataire Domiciliation Test 1" in last
    # 09:05 and 09:14 UTC, shown as Paris time.
    assert "Signé le 2 mars 2026 à 10 h 05" in last
    assert "Signé le 2 mars 2026 à 10 h 14" in last


def test_the_attestation_is_issued_only_once_the_dossier_is_active(paid: Paid) -> None:
    with pytest.raises(Refused, match=r"is S3 .*only while the domiciliation"):
        paid.app.render_attestation(paid.id)
    paid.sign("client")
    with pytest.raises(Refused, match=r"is S3 \(Payé"):
        paid.app.render_attestation(paid.id)
    paid.sign("provider")
    text = " ".join(pages(paid.app.render_attestation(paid.id)))
    assert "Atelier Lumière" in text
    assert "D-000001" in text


# -- reminders ---------------------------------------------------------------------------


def reminded(paid: Paid, mark: int) -> list[tuple[str, str]]:
    """(template, recipient) of the signature reminders sent since ``mark``."""
    return sorted(
        (m.template, m.to)
        for m in paid.since(mark)
        if m.template in ("signature_reminder", "signature_code")
    )


EVERYONE = sorted(
    [
        ("signature_reminder", CLIENT_EMAIL),
        ("signature_reminder", PROVIDER_EMAIL),
        ("signature_code", PHONES["client"]),
        ("signature_code", PHONES["provider"]),
    ]
)


def test_unsigned_parties_are_reminded_two_and_five_days_after_sending_once_each(
    paid: Paid,
) -> None:
    timeline = [
        (timedelta(days=1, hours=23), []),
        (timedelta(days=2), EVERYONE),
        (timedelta(days=2, hours=1), []),
        (timedelta(days=4), []),
        (timedelta(days=5), EVERYONE),
        (timedelta(days=9), []),
    ]
    for offset, expected in timeline:
        paid.clock.set(START + offset)
        mark = paid.mark()
        report = paid.app.sweep()
        assert reminded(paid, mark) == expected, offset
        assert report.signature_reminders == ([paid.id, paid.id] if expected else [])


def test_a_reminder_carries_a_fresh_code_that_signs(paid: Paid) -> None:
    paid.clock.set(START + timedelta(days=2))
    paid.app.sweep()
    (email,) = [
        m for m in paid.notifier.sent if m.template == "signature_reminder" and m.to == CLIENT_EMAIL
    ]
    assert "depuis le 2 mars 2026" in email.body
    assert paid.sign("client").party == "client"


def test_a_party_that_has_signed_is_not_reminded(paid: Paid) -> None:
    paid.sign("client")
    paid.clock.set(START + timedelta(days=2))
    mark = paid.mark()
    assert paid.app.sweep().signature_reminders == [paid.id]
    assert reminded(paid, mark) == [
        ("signature_code", PHONES["provider"]),
        ("signature_reminder", PROVIDER_EMAIL),
    ]


def test_an_active_dossier_gets_no_signature_reminder(paid: Paid) -> None:
    for party in PHONES:
        paid.sign(party)
    paid.clock.set(START + timedelta(days=6))
    mark = paid.mark()
    assert paid.app.sweep().signature_reminders == []
    assert paid.since(mark) == []


def test_signature_reminder_days_follow_the_settings(paid_db: Source, tmp_path: Path) -> None:
    settings = Settings(payment=PaymentSettings(signature_reminder_days=[1]))
    paid = open_copy(paid_db, tmp_path / "db", settings)
    try:
        paid.clock.set(START + timedelta(days=1))
        assert paid.app.sweep().signature_reminders == [paid.id, paid.id]
        paid.clock.set(START + timedelta(days=5))
        assert paid.app.sweep().signature_reminders == []
    finally:
        paid.app.close()


def test_no_signature_while_the_providers_agrement_is_suspended(paid: Paid) -> None:
    provider_id = paid.app.get_dossier(paid.id).dossier.provider_id
    paid.app.suspend_provider(provider_id, "Arrêté préfectoral")

    with pytest.raises(SignatureRefused, match="agrément is not in force"):
        paid.sign("client")
    assert paid.app.signatures(paid.id) == []

    paid.app.resume_provider(provider_id)
    paid.sign("client")
    assert [s.party for s in paid.app.signatures(paid.id)] == ["client"]
