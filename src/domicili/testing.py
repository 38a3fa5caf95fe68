"""Fakes for tests, here and in applications that embed domicili.

::

    from domicili.testing import make_app

    app, clock, notifier = make_app()          # in-memory SQLite, fixed clock
    provider = app.add_provider(**sample_provider())
    clock.advance(days=8); app.sweep()
    assert notifier.sent[-1].template == "expired"
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app import Domicili
from .cards import CardDetails
from .clock import FixedClock
from .config import Settings
from .errors import AdapterError
from .models import OutboxMessage
from .ports import PaymentEvent, PaymentGateway, SignatureMethod

if TYPE_CHECKING:
    from .cards import Card
    from .models import Receivable

__all__ = [
    "FailingNotifier",
    "FakePayments",
    "OpenedLink",
    "RecordingNotifier",
    "make_app",
    "new_database",
    "sample_answers",
    "sample_pdf",
    "sample_png",
    "sample_provider",
    "use_database",
    "valid_siren",
]


DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sample_png(label: str, *, size: int = 64) -> bytes:
    """A small, valid greyscale PNG whose pixels follow ``label`` (stands in for the photo
    of an envelope: two labels give two different files)."""
    import hashlib
    import struct
    import zlib

    seed = hashlib.sha256(label.encode()).digest()
    rows = b"".join(
        b"\x00" + bytes(seed[(x * 7 + y * 13) % 32] ^ (x * y) & 0xFF for x in range(size))
        for y in range(size)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sample_pdf(title: str) -> bytes:
    """A small, valid one-page PDF carrying ``title`` (stands in for a scanned piece)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


class RecordingNotifier:
    """Keeps every delivered message in ``sent`` instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    def deliver(self, message: OutboxMessage) -> None:
        self.sent.append(message)

    def to(self, recipient: str) -> list[OutboxMessage]:
        return [m for m in self.sent if m.to == recipient]

    def templates(self) -> list[str]:
        return [m.template for m in self.sent]


class FailingNotifier:
    """Fails the first ``failures`` deliveries (AdapterError), then records the next ones.

    Like :class:`RecordingNotifier`, delivered messages are kept in ``sent``.
    """

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.sent: list[OutboxMessage] = []

    def deliver(self, message: OutboxMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise AdapterError("simulated delivery failure")
        self.sent.append(message)


@dataclass(frozen=True)
class OpenedLink:
    """A payment link :class:`FakePayments` opened."""

    token: str
    dossier_id: int
    amount_cents: int


@dataclass
class FakePayments:
    """A scripted payment gateway: what its webhooks report is what a test queued.

    ``script(*outcomes)`` queues what the next :meth:`parse_webhook` calls return, in
    order: a :class:`~domicili.ports.PaymentEvent`, None (an event type not used), or
    an exception to raise (a :class:`~domicili.errors.PaymentRefused`…). Every call is
    kept in ``calls`` as ``(method, arguments)``, every link opened in ``links``.
    Staff payments and simulated card payments are made up as a gateway would make them,
    with ``adapter`` set to ``name``; ``online=False`` makes a gateway that opens no link.
    Saved cards are charged, or declined with the codes ``decline(*codes)`` queued.
    """

    name: str = "fake"
    online: bool = True
    url: str = "https://paiement.example.test/{token}"
    calls: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    links: list[OpenedLink] = field(default_factory=list)
    _script: deque[PaymentEvent | BaseException | None] = field(default_factory=deque)
    _declines: deque[str | None] = field(default_factory=deque)
    _count: int = 0

    def script(self, *outcomes: PaymentEvent | BaseException | None) -> None:
        self._script.extend(outcomes)

    def event(self, dossier_id: int | None, amount_cents: int, **fields: Any) -> PaymentEvent:
        """A succeeded event of this gateway (a fresh ``event_id`` each time), to script."""
        self._count += 1
        values: dict[str, Any] = {
            "adapter": self.name,
            "event_id": f"{self.name}-evt-{self._count}",
            "kind": "succeeded",
            "dossier_id": dossier_id,
            "amount_cents": amount_cents,
            "method": "card",
            **fields,
        }
        return PaymentEvent(**values)

    def manual_payment(
        self, dossier_id: int, amount_cents: int, method: str, reference: str | None
    ) -> PaymentEvent:
        self._called("manual_payment", dossier_id, amount_cents, method=method, reference=reference)
        return self.event(dossier_id, amount_cents, method=method, reference=reference)

    def open_link(self, dossier_id: int, amount_cents: int) -> str | None:
        self._called("open_link", dossier_id, amount_cents)
        if not self.online:
            return None
        link = OpenedLink(f"fake_{len(self.links) + 1}", dossier_id, amount_cents)
        self.links.append(link)
        return link.token

    def link_url(self, token: str) -> str | None:
        return self.url.format(token=token) if self.online else None

    def parse_webhook(
        self, payload: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        self.calls.append(("parse_webhook", {"payload": payload, "headers": dict(headers)}))
        if not self._script:
            raise AssertionError("FakePayments received a webhook nothing was scripted for")
        outcome = self._script.popleft()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def simulate(
        self,
        token: str,
        dossier_id: int,
        amount_cents: int,
        *,
        succeed: bool,
        save_card: bool = False,
    ) -> PaymentEvent:
        self._called("simulate", dossier_id, amount_cents, token=token, succeed=succeed)
        if succeed:
            card = None
            if save_card:
                card = CardDetails(token=f"fake_card_{self._count + 1}", brand="visa", last4="4242")
            return self.event(
                dossier_id, amount_cents, external_id=token, reference=token, card=card
            )
        return self.event(
            dossier_id, amount_cents, kind="failed", reference=token, failure_reason="declined"
        )

    def decline(self, *codes: str | None) -> None:
        """The next card charges: declined with these codes in turn (None: charged)."""
        self._declines.extend(codes)

    def charge_card(
        self, card: Card, amount_cents: int, *, key: str, receivable: Receivable
    ) -> PaymentEvent:
        self._called("charge_card", receivable.dossier_id, amount_cents, key=key, card=card.token)
        code = self._declines.popleft() if self._declines else None
        return self.event(
            receivable.dossier_id,
            amount_cents,
            event_id=f"{self.name}-charge-{key}",
            kind="failed" if code else "succeeded",
            external_id=f"{self.name}-ch-{key}",
            reference=receivable.number,
            failure_reason=code,
            receivable_id=receivable.id,
        )

    def _called(self, call: str, dossier_id: int, amount_cents: int, **more: object) -> None:
        self.calls.append((call, {"dossier_id": dossier_id, "amount_cents": amount_cents, **more}))


#: Makes the database of a :func:`make_app` that names none: ``(db, files)``.
_default_database: Callable[[], tuple[str, Path | None]] | None = None


def use_database(factory: Callable[[], tuple[str, Path | None]] | None) -> None:
    """Run every later :func:`make_app` that names no database on ``factory()``'s one.

    ``factory`` returns ``(db, files)``: e.g. the URL of an empty PostgreSQL database and
    a folder for its files, so that an embedding application's tests run on both stores.
    ``None`` goes back to a throw-away SQLite database in memory.
    """
    global _default_database
    _default_database = factory


def new_database() -> tuple[str, Path | None]:
    """``(db, files)`` of a new database as :func:`make_app` would use it: the one of
    :func:`use_database`, or a throw-away SQLite database in memory."""
    return _default_database() if _default_database is not None else (":memory:", None)


def make_app(
    db: str | Path | None = None,
    *,
    files: str | Path | None = None,
    start: datetime = DEFAULT_START,
    settings: Settings | None = None,
    provider: int | None = None,
    payments: PaymentGateway | None = None,
    signature_method: SignatureMethod | None = None,
) -> tuple[Domicili, FixedClock, RecordingNotifier]:
    """A facade on ``db`` with a fixed clock and a recording notifier.

    Without ``db``: a throw-away SQLite database in memory, or the database of
    :func:`use_database`. ``payments`` (e.g. :class:`FakePayments`) and
    ``signature_method`` replace the adapters the settings name.
    """
    if db is None:
        db, files = new_database()
    clock = FixedClock(start)
    notifier = RecordingNotifier()
    app = Domicili(
        db,
        files=files,
        settings=settings or Settings(),
        clock=clock,
        notifier=notifier,
        payments=payments,
        signature_method=signature_method,
        provider=provider,
    )
    return app, clock, notifier


def valid_siren(seed: int) -> str:
    """A SIREN with a valid Luhn key, different for each seed (for test data)."""
    from stdnum import luhn

    body = f"{seed % 100_000_000:08d}"
    return body + str(luhn.calc_check_digit(body))


def sample_provider(seed: int = 1, **overrides: Any) -> dict[str, Any]:
    """Fields of a valid provider in Paris with a current agrément and bank details
    (without an IBAN or a card-payment link, a dossier cannot be accepted)."""
    fields: dict[str, Any] = dict(
        name=f"Domiciliation Test {seed}",
        legal_form="SAS",
        siren=valid_siren(seed),
        agrement_numero=f"2024-075-{seed:04d}",
        agrement_prefecture="Préfecture de police",
        agrement_date="2024-01-15",
        address=f"{seed} rue de Rivoli",
        postcode="75004",
        city="Paris",
        email=f"contact{seed}@domiciliation.example",
        phone="01 42 00 00 00",
        iban="FR7630006000011234567890189",
    )
    fields.update(overrides)
    return fields


def sample_answers(
    kind: str = "company", *, en_formation: bool = True, seed: int = 0, **client_overrides: Any
) -> dict[str, Any]:
    """Answers of a valid questionnaire (company en formation by default).

    Another ``seed`` gives another client (its own email address and SIREN): the same
    client may not send a second request to a provider while a dossier is open there.
    """
    client: dict[str, Any] = {
        "kind": kind,
        "name": "Atelier Lumière" if kind == "company" else "Camille Durand",
        "legal_form": "SAS" if kind == "company" else "EI",
        "en_formation": en_formation,
        "email": f"camille.{seed}@atelier.example" if seed else "camille@atelier.example",
        "phone": "06 12 34 56 78",
        "representative": {
            "first_name": "Camille",
            "last_name": "Durand",
            "address": "12 rue des Lilas",
            "postcode": "69003",
            "city": "Lyon",
        },
    }
    if not en_formation:
        client["siren"] = valid_siren(77 + seed * 1000)
    if kind == "company":
        client["beneficial_owners"] = [
            {"first_name": "Camille", "last_name": "Durand", "share_percent": 100}
        ]
    client.update(client_overrides)
    return {"client": client}
