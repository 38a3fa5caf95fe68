"""The provider's notice to the greffe about one client (C. com. R123-168).

A domiciliataire must inform the greffe of the tribunal de commerce when a client
has not collected its mail for three months, and when a domiciliation contract ends.
:func:`render_greffe_notice` writes that letter, with the facts the greffe needs, as
a PDF/A-3B: the provider's letterhead and agrément, the greffe as recipient, the
object, the facts in French administrative prose, the place, the date and the
signatory.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from . import _format
from .contract import add_months
from .data import ClientData, OptText, PartyData, ProviderData, Text, _Frozen

if TYPE_CHECKING:
    from ._pdf import Document

__all__ = ["GreffeNoticeData", "render_greffe_notice"]

#: Why the greffe is told: mail left uncollected for three months, or the contract's end.
GreffeReason = Literal["mail_uncollected", "contract_ended"]

_MAIL_FIELDS = ("pieces_waiting", "oldest_piece_on")
_END_FIELDS = ("contract_end", "end_reason")


class GreffeNoticeData(_Frozen):
    """What the notice to the greffe says, for either of its two reasons.

    For ``mail_uncollected``: ``last_acknowledged_on`` (None when the client never
    collected nor acknowledged any mail), ``pieces_waiting``, ``oldest_piece_on`` and
    the ``reminders`` sent to the client. For ``contract_ended``: ``contract_end`` (the
    day the contract ended: its term, or the day it was terminated), ``end_reason``
    (« résiliation pour défaut de paiement », « arrivée du terme »…) and
    ``end_effective_on``, the day the end took effect when later (a notice running).
    """

    reason: GreffeReason
    provider: ProviderData
    client: ClientData
    #: The greffe of the tribunal de commerce, its name (« Greffe du tribunal de commerce
    #: de Paris ») and its postal address.
    greffe: PartyData
    contract_reference: Text
    #: The domiciliation address.
    address: Text
    postcode: Text
    city: Text
    contract_start: date
    #: The city of the client's RCS registration, for « RCS Lyon 890 123 458 ».
    client_rcs_city: OptText = None
    last_acknowledged_on: date | None = None
    pieces_waiting: int | None = Field(default=None, ge=1)
    oldest_piece_on: date | None = None
    reminders: tuple[date, ...] = ()
    contract_end: date | None = None
    end_reason: OptText = None
    end_effective_on: date | None = None
    #: Who signs for the provider, and in what capacity (« gérante », « directeur »).
    signatory_name: Text
    signatory_role: Text
    #: How the letter is sent, printed above its object (« Lettre recommandée avec
    #: demande d’avis de réception »).
    dispatch: OptText = None
    issued_at: datetime
    place: Text

    @model_validator(mode="after")
    def _facts_of_the_reason(self) -> GreffeNoticeData:
        needed, refused = (
            (_MAIL_FIELDS, (*_END_FIELDS, "end_effective_on"))
            if self.reason == "mail_uncollected"
            else (_END_FIELDS, (*_MAIL_FIELDS, "last_acknowledged_on", "reminders"))
        )
        if missing := [name for name in needed if getattr(self, name) is None]:
            raise ValueError(f"a {self.reason} notice needs {', '.join(missing)}")
        if extra := [name for name in refused if getattr(self, name) not in (None, ())]:
            raise ValueError(f"a {self.reason} notice does not take {', '.join(extra)}")
        if self.reason == "mail_uncollected":
            self._check_mail_dates()
        else:
            self._check_end_dates()
        return self

    def _check_mail_dates(self) -> None:
        issued = self.issued_at.date()
        since = self.last_acknowledged_on or self.contract_start
        if since < self.contract_start:
            raise ValueError("last_acknowledged_on is before the contract's start")
        if add_months(since, 3) > issued:
            raise ValueError(
                "the client collected or acknowledged its mail less than 3 months "
                "before the notice (or the contract started less than 3 months before)"
            )
        assert self.oldest_piece_on is not None  # checked with the reason's facts
        if not self.contract_start <= self.oldest_piece_on <= issued:
            raise ValueError("oldest_piece_on is outside the contract and the notice's dates")
        if list(self.reminders) != sorted(set(self.reminders)):
            raise ValueError("give the reminders once each, oldest first")
        if self.reminders and not since <= self.reminders[0] <= self.reminders[-1] <= issued:
            raise ValueError("the reminders are sent after the last collection, by the notice")

    def _check_end_dates(self) -> None:
        assert self.contract_end is not None  # checked with the reason's facts
        if self.contract_end < self.contract_start:
            raise ValueError("contract_end is before contract_start")
        if self.effective_on < self.contract_end:
            raise ValueError("end_effective_on is before contract_end")

    @property
    def effective_on(self) -> date:
        """The day the end took effect (``contract_end`` unless told otherwise)."""
        assert self.contract_end is not None  # a contract_ended notice has one
        return self.end_effective_on or self.contract_end

    @property
    def client_label(self) -> str:
        """The client as the object line names it: a company by its name, an individual
        by the person's name and, when it differs, the trade name."""
        client = self.client
        person = client.representative
        if client.kind == "company" or not person or person == client.name:
            return client.name
        return f"{person} ({client.name})"

    @property
    def title(self) -> str:
        return f"Information du greffe – {self.client_label}"


def render_greffe_notice(data: GreffeNoticeData, *, template_dir: Path | None = None) -> bytes:
    """The notice to the greffe as a one- or two-page PDF/A-3B letter.

    ``template_dir`` may hold a ``greffe_notice.html.j2`` of one's own (the letter's
    body between the object and the place and date).
    """
    from . import _templates

    body = _templates.render(
        "greffe_notice.html.j2",
        {
            "notice": data,
            "provider": data.provider,
            "client": data.client,
            "registration": _registration(data),
            "reminders": _dates_fr(data.reminders),
        },
        template_dir,
    )
    from . import _pdf

    issued = _format.date_fr(data.issued_at)
    pdf = _pdf.Document(
        title=data.title,
        author=data.provider.name,
        issued_at=data.issued_at,
        footer_left=f"{data.title} – contrat n° {data.contract_reference} – {issued}",
        footer_legal=_pdf.legal_footer(data.provider),
        pdfa=True,
    )
    pdf.add_page()
    pdf.letterhead(
        data.provider,
        [("Information du greffe", True), (f"Contrat n° {data.contract_reference}", False)],
    )
    _recipient(pdf, data.greffe)
    _object(pdf, data)
    pdf.html(body)
    pdf.ln(4)
    pdf.keep_together(36)
    pdf.text_line(f"Fait à {data.place}, le {issued}.", height=5)
    _signature(pdf, data)
    return bytes(pdf.output())


def _registration(data: GreffeNoticeData) -> str:
    """How the client is registered: « immatriculée au RCS de Lyon sous le numéro … »."""
    client = data.client
    ending = "e" if client.kind == "company" else ""
    if not client.siren:
        return "en cours d’immatriculation"
    number = _format.siren(client.siren)
    if data.client_rcs_city:
        return (
            f"immatriculé{ending} au registre du commerce et des sociétés de "
            f"{data.client_rcs_city} sous le numéro {number}"
        )
    return f"immatriculé{ending} sous le numéro SIREN {number}"


def _dates_fr(days: tuple[date, ...]) -> str:
    """« le 3 octobre 2026 », « les 3 octobre et 3 novembre 2026 »… in words."""
    names = [_format.date_fr(day) for day in days]
    if len(names) <= 1:
        return f"le {names[0]}" if names else ""
    return "les " + ", ".join(names[:-1]) + " et " + names[-1]


def _recipient(pdf: Document, greffe: PartyData) -> None:
    """The greffe's name and address, where a window envelope shows them."""
    left = pdf.l_margin + pdf.epw * 0.5
    width = pdf.epw * 0.5
    pdf.ln(2)
    pdf.set_x(left)
    pdf.text_line(greffe.name, size=10, bold=True, height=5, width=width)
    lines = [line.strip() for line in greffe.address.splitlines() if line.strip()]
    for line in [*lines, f"{greffe.postcode} {greffe.city}"]:
        pdf.set_x(left)
        pdf.text_line(line, height=4.6, width=width)
    pdf.set_x(pdf.l_margin)
    pdf.ln(8)


def _object(pdf: Document, data: GreffeNoticeData) -> None:
    from ._pdf import ACCENT

    if data.dispatch:
        pdf.text_line(data.dispatch, size=8.5, bold=True, height=4.4)
        pdf.ln(2)
    what = (
        "courrier non retiré depuis plus de trois mois"
        if data.reason == "mail_uncollected"
        else "fin du contrat de domiciliation"
    )
    pdf.text_line(
        f"Objet : information du greffe – {what} – {data.client_label} "
        "(article R123-168 du Code de commerce)",
        bold=True,
        color=ACCENT,
        height=5,
    )
    ident = f"SIREN {_format.siren(data.client.siren)}" if data.client.siren else None
    reference = f"Réf. : contrat de domiciliation n° {data.contract_reference}"
    pdf.text_line(" – ".join(filter(None, [reference, ident])), size=8.5, height=4.4)
    pdf.ln(5)
    pdf.text_line("Madame, Monsieur le Greffier,", height=5)
    pdf.ln(1)


def _signature(pdf: Document, data: GreffeNoticeData) -> None:
    left = pdf.l_margin + pdf.epw * 0.55
    width = pdf.epw * 0.45
    pdf.ln(4)
    for text, bold in (
        (f"Pour {data.provider.name}", False),
        (data.signatory_name, True),
        (data.signatory_role, False),
    ):
        pdf.set_x(left)
        pdf.text_line(text, bold=bold, height=4.8, width=width)
    pdf.ln(14)  # room for a handwritten signature
