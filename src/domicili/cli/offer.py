"""``domicili offer …``: the priced offers providers publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from ..i18n import N_, _, ngettext
from ._output import ID, MONTHS, _Bounded, emit, json_option, labelled, note, provider_name, table

if TYPE_CHECKING:
    from ..models import MailTerms, Offer
    from . import State

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def offer() -> None:
    """Offers: price, period, commitment, services, and the mail terms (what the
    mailbox includes each month and charges beyond, billed on the next invoice).

    Example: domicili offer list 1
    """


def offer_dict(o: Offer) -> dict[str, Any]:
    data = o.model_dump(mode="json")
    data["monthly_ht_cents"] = o.monthly_ht_cents
    data["first_payment_ht_cents"] = o.first_payment_ht_cents
    return data


def _table(offers: list[Offer], name: Callable[[int | None], str]) -> None:
    from ..annuaire import PERIOD_LABELS, service_labels
    from ..money import format_eur

    table(
        [
            _("ID"),
            _("Provider"),
            _("Offer"),
            _("Price excl. VAT"),
            _("Commitment"),
            _("Setup fee"),
            _("Services"),
            _("Default"),
        ],
        [
            (
                o.id,
                name(o.provider_id),
                o.name,
                f"{format_eur(o.price_ht_cents)} / {PERIOD_LABELS[o.period]}",
                ngettext("{n} month", "{n} months", o.commitment_months).format(
                    n=o.commitment_months
                ),
                format_eur(o.setup_fee_cents),
                service_labels(o.services),
                _("yes") if o.is_default else "",
            )
            for o in offers
        ],
    )


# -- the mail terms ------------------------------------------------------------------
#: Typed for an allowance without limit.
UNLIMITED = "unlimited"


class _Allowance(click.ParamType):  # type: ignore[type-arg]
    """A monthly allowance: a whole number, or ``unlimited``."""

    name = "N|unlimited"

    def __init__(self, high: int) -> None:
        self.high = high

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | str:
        from ._output import whole_number

        if str(value).strip().lower() == UNLIMITED:
            return UNLIMITED
        number = whole_number(value)
        if number is None or number > self.high:
            self.fail(
                _("{value!r} is not an allowance (0 to {high}, or unlimited).").format(
                    value=value, high=self.high
                ),
                param,
                ctx,
            )
        return number


#: A number of days a piece is kept.
DAYS = _Bounded("DAYS", 0, 365, N_("{value!r} is not a number of days (0 to 365)."))
RETENTION = _Bounded("DAYS", 1, 3650, N_("{value!r} is not a number of days (1 to 3650)."))
#: The option of each mail term: (option, help, kind).
MAIL_OPTIONS: dict[str, tuple[str, str, Any]] = {
    "pieces_per_month": (
        "--mail-pieces",
        "Pieces of mail included each month (reset on the 1st), or unlimited.",
        _Allowance(100_000),
    ),
    "pages_per_month": (
        "--mail-pages",
        "Scanned pages included each month (reset on the 1st), or unlimited.",
        _Allowance(1_000_000),
    ),
    "piece_fee_cents": ("--piece-fee", "Each piece beyond, before VAT, in euros.", "EUR"),
    "page_fee_cents": ("--page-fee", "Each scanned page beyond, before VAT, in euros.", "EUR"),
    "letter_free_days": ("--letter-free-days", "Days a letter is stored free.", DAYS),
    "parcel_free_days": ("--parcel-free-days", "Days a parcel is stored free.", DAYS),
    "storage_fee_cents": (
        "--storage-fee",
        "Each day a piece stays beyond its free days, before VAT, in euros.",
        "EUR",
    ),
    "retention_days": (
        "--retention-days",
        "Days paper is kept before it is destroyed or returned, unless forwarded or collected.",
        RETENTION,
    ),
    "forward_fee_cents": (
        "--forward-fee",
        "Each envelope forwarded, on top of its postage, before VAT, in euros.",
        "EUR",
    ),
}
#: The most a mail fee may be (1 000 €), in cents.
MAX_FEE = 100_000


def mail_options(fn: F) -> F:
    """The options of the mail terms (none given: the defaults, or as they were)."""
    for field, (option, help_text, kind) in reversed(MAIL_OPTIONS.items()):
        metavar = "EUR" if kind == "EUR" else None
        fn = click.option(
            option, field, type=str if kind == "EUR" else kind, metavar=metavar, help=help_text
        )(fn)
    return fn


def mail_terms_given(options: dict[str, Any]) -> dict[str, Any]:
    """The mail terms the options give, as :class:`~domicili.models.MailTerms` fields."""
    from ..money import format_eur, parse_euros

    terms: dict[str, Any] = {}
    for field, (option, _help, kind) in MAIL_OPTIONS.items():
        value = options.get(field)
        if value is None:
            continue
        if kind == "EUR":
            value = parse_euros(value, field=option)
            if value > MAX_FEE:
                raise click.BadParameter(
                    _("at most {most}.").format(most=format_eur(MAX_FEE)), param_hint=option
                )
        terms[field] = None if value == UNLIMITED else value
    return terms


def _days(n: int) -> str:
    return ngettext("{n} day", "{n} days", n).format(n=n)


def _mail_terms(t: MailTerms) -> None:
    from ..money import format_eur

    def fee(cents: int, each: str, allowance: int | None = 0) -> str | None:
        if allowance is None:
            return None  # nothing is beyond
        return each.format(amount=format_eur(cents)) if cents else _("free")

    pieces = pages = _("unlimited")
    if t.pieces_per_month is not None:
        n = t.pieces_per_month
        pieces = ngettext("{n} piece", "{n} pieces", n).format(n=n)
    if t.pages_per_month is not None:
        n = t.pages_per_month
        pages = ngettext("{n} page", "{n} pages", n).format(n=n)
    labelled(
        [
            (N_("Pieces a month"), pieces),
            (
                N_("Each piece beyond"),
                fee(t.piece_fee_cents, _("{amount} excl. VAT"), t.pieces_per_month),
            ),
            (N_("Pages a month"), pages),
            (
                N_("Each page beyond"),
                fee(t.page_fee_cents, _("{amount} excl. VAT"), t.pages_per_month),
            ),
            (
                N_("Free storage"),
                _("{letter} for a letter, {parcel} for a parcel").format(
                    letter=_days(t.letter_free_days), parcel=_days(t.parcel_free_days)
                ),
            ),
            (N_("Storage beyond"), fee(t.storage_fee_cents, _("{amount} excl. VAT a day"))),
            (N_("Paper kept"), _days(t.retention_days)),
            (
                N_("Forwarding"),
                fee(t.forward_fee_cents, _("{amount} excl. VAT an envelope, plus its postage")),
            ),
        ]
    )


def _shown(state: State, o: Offer, as_json: bool) -> None:
    def human() -> None:
        _table([o], provider_name(state.app()))
        click.echo(_("Mail terms:"))
        _mail_terms(o.mail_terms)

    emit(offer_dict(o), as_json, human)


@offer.command("add")
@click.argument("provider_id", type=ID)
@click.option("--name", required=True, help="Name shown to clients.")
@click.option("--price-ht", required=True, help="Price per period before VAT, in euros.")
@click.option(
    "--period",
    type=click.Choice(["month", "quarter", "year"]),
    default="month",
    show_default=True,
    help="What the price pays for: a month, a quarter or a year.",
)
@click.option(
    "--commitment-months",
    type=MONTHS,
    default=3,
    show_default=True,
    help="Minimum term (at least 3 months).",
)
@click.option(
    "--service",
    "services",
    multiple=True,
    help="Included service (repeatable; default: domiciliation).",
)
@click.option("--setup-fee", default="0", help="One-off fee before VAT, in euros.")
@click.option("--default", "is_default", is_flag=True, help="Make it the provider's default.")
@mail_options
@json_option
@click.pass_obj
def offer_add(
    state: State,
    /,
    provider_id: int,
    name: str,
    price_ht: str,
    period: Literal["month", "quarter", "year"],
    commitment_months: int,
    services: tuple[str, ...],
    setup_fee: str,
    is_default: bool,
    as_json: bool,
    **mail: Any,
) -> None:
    """Publish an offer; the first offer of a provider is its default. Without mail
    options, it includes any number of pieces and pages, stores a letter 30 days and a
    parcel 14 days free, and charges only the postage of what it forwards.

    Example: domicili offer add 1 --name "Essentiel" --price-ht 29 --period month
    --commitment-months 3 --service domiciliation --service numerisation --setup-fee 50
    --mail-pieces 20 --piece-fee 0,90 --storage-fee 0,50 --forward-fee 2
    """
    from ..money import parse_euros

    price = parse_euros(price_ht, field="--price-ht")
    if price <= 0:
        raise click.BadParameter(_("must be more than 0 €."), param_hint="--price-ht")
    o = state.app().add_offer(
        provider_id,
        name=name,
        price_ht_cents=price,
        period=period,
        commitment_months=commitment_months,
        services=list(services) or ["domiciliation"],
        setup_fee_cents=parse_euros(setup_fee, field="--setup-fee"),
        is_default=is_default,
        mail_terms=mail_terms_given(mail),
    )
    _shown(state, o, as_json)
    note(
        _("Offer {offer_id} published for provider {provider_id}.").format(
            offer_id=o.id, provider_id=provider_id
        )
    )


@offer.command("list")
@click.argument("provider_id", type=ID, required=False)
@json_option
@click.pass_obj
def offer_list(state: State, provider_id: int | None, as_json: bool) -> None:
    """List offers (of one provider, or all).

    Example: domicili offer list 1
    """
    offers = state.app().list_offers(provider_id)
    emit(
        [offer_dict(o) for o in offers], as_json, lambda: _table(offers, provider_name(state.app()))
    )


@offer.command("show")
@click.argument("offer_id", type=ID)
@json_option
@click.pass_obj
def offer_show(state: State, offer_id: int, as_json: bool) -> None:
    """Show an offer with its mail terms.

    Example: domicili offer show 1
    """
    _shown(state, state.app().get_offer(offer_id), as_json)


@offer.command("update")
@click.argument("offer_id", type=ID)
@mail_options
@json_option
@click.pass_obj
def offer_update(state: State, /, offer_id: int, as_json: bool, **mail: Any) -> None:
    """Change an offer's mail terms (those given; the others stay). Dossiers already
    made keep the terms they were made on; the next ones take these.

    Example: domicili offer update 1 --mail-pieces 30 --mail-pages unlimited
    --piece-fee 0,90
    """
    terms = mail_terms_given(mail)
    if not terms:
        raise click.UsageError(
            _("Give the mail terms to change ({options}).").format(
                options=", ".join(option for option, _h, _k in MAIL_OPTIONS.values())
            )
        )
    o = state.app().update_offer(offer_id, mail_terms=terms)
    _shown(state, o, as_json)
    note(_("Offer {offer_id} updated.").format(offer_id=o.id))


COMMANDS = [offer]
