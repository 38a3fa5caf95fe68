"""The mailbox's fees counted: allowances per calendar month whatever the window, storage
days from arrival plus the free days to the final action, envelopes by batch and address."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domicili.clock import PARIS
from domicili.mailbox import MailPiece
from domicili.models import MailTerms
from domicili.service.mail_fees import MailUsage, _beyond, _envelopes, _stored_days, _Window, priced


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS)


def piece(received: datetime, closed: datetime | None = None, **fields: object) -> MailPiece:
    return MailPiece.model_validate(
        {
            "provider_id": 1,
            "dossier_id": 1,
            "kind": "lettre",
            "sender": "URSSAF",
            "received_at": received,
            "closed_at": closed,
            "created_at": received,
            **fields,
        }
    )


def test_an_allowance_counts_per_calendar_month_across_windows() -> None:
    # A contract from the 15th: each window holds the end of one month and the start of
    # the next. Four pieces on 10 and 20 March, three on 2 April; 3 included a month.
    events = [(at(3, 10), 1), (at(3, 10), 1), (at(3, 20), 1), (at(3, 20), 1)]
    events += [(at(4, 2), 1)] * 3
    first = _Window(date(2026, 2, 15), date(2026, 3, 15))
    second = _Window(date(2026, 3, 15), date(2026, 4, 15))
    assert _beyond(events, 3, first) == 0  # the two of 10 March are within March's 3
    assert _beyond(events, 3, second) == 1  # the fourth of March; April's three are in
    assert _beyond(events, 0, first) + _beyond(events, 0, second) == 7  # each once
    # Pages: part of a scan beyond the allowance counts, the rest does not.
    assert _beyond([(at(3, 1), 3), (at(3, 16), 3)], 4, second) == 2
    # Midnight in Paris decides the month: 31 March 23:30 is March, not April.
    late = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)
    assert _beyond([(late, 1)], 0, _Window(date(2026, 4, 1), date(2026, 5, 1))) == 0


def test_storage_counts_from_the_free_days_to_the_final_action_only() -> None:
    terms = MailTerms(letter_free_days=10, parcel_free_days=3)
    march = _Window(date(2026, 3, 1), date(2026, 4, 1))
    assert _stored_days(piece(at(3, 3)), terms, march) == 31 - 13 + 1  # 13 to 31 March
    assert _stored_days(piece(at(3, 3), closed=at(3, 20)), terms, march) == 7  # 13 to 19
    assert _stored_days(piece(at(3, 3), closed=at(3, 12)), terms, march) == 0
    assert _stored_days(piece(at(3, 28)), terms, march) == 0  # free until 7 April
    parcel = piece(at(3, 28), kind="colis")
    assert _stored_days(parcel, terms, march) == 1  # 31 March
    assert _stored_days(piece(at(1, 5), closed=at(2, 20)), terms, march) == 0


def test_an_envelope_is_one_batch_and_address_with_its_postage() -> None:
    march = _Window(date(2026, 3, 1), date(2026, 4, 1))

    def sent(batch: int, to: str, postage: int, day: int = 10) -> MailPiece:
        return piece(
            at(3, 2), closed=at(3, day), state="forwarded", batch_id=batch, forward_to=to,
            postage_cents=postage,
        )  # fmt: skip

    pieces = [sent(1, "Lyon", 250), sent(1, "Lyon", 0), sent(1, "Nice", 250), sent(2, "Lyon", 116)]
    pieces.append(sent(3, "Lyon", 250, day=1))
    pieces.append(piece(at(3, 2), state="to_forward", forward_to="Lyon"))
    assert _envelopes(pieces, march) == {250: 3, 116: 1}
    assert _envelopes(pieces, _Window(date(2026, 3, 2), date(2026, 4, 1))) == {250: 2, 116: 1}


def test_lines_worth_nothing_are_left_out() -> None:
    usage = MailUsage(date(2026, 3, 2), date(2026, 4, 1), pieces=2, pages=0, storage_days=4)
    usage.envelopes.update({0: 1})
    terms = MailTerms(pieces_per_month=1, piece_fee_cents=150, storage_fee_cents=0)
    (line,) = priced(usage, terms, 2000)
    assert line.description == "Courrier reçu au-delà du forfait de 1 pli par mois, par pli"
    assert (line.quantity, line.unit_price_ht_cents, line.vat_rate_bp) == (2, 150, 2000)
    assert (line.period_start, line.period_end) == (date(2026, 3, 2), date(2026, 4, 1))
    assert priced(usage, MailTerms(), 2000) == []
