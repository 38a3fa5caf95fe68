"""The summary a client reads before sending a request: answers with their labels, the
providers it goes to and what each would cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog
from ..i18n import _

if TYPE_CHECKING:
    from ..service.providers import Quote

__all__ = ["summary"]


def summary(
    answers: dict[str, Any], catalog: Catalog, quotes: Sequence[Quote], per: Mapping[str, str]
) -> str:
    """The lines of the summary, one string."""
    c = answers["client"]
    rep = c["representative"]
    registration = (
        _("being registered") if c["en_formation"] else _("SIREN {siren}").format(siren=c["siren"])
    )
    who = _("Company") if c["kind"] == "company" else _("Sole trader")
    lines = [
        "",
        _("Summary"),
        f"  {who} : {c['name']} ({c['legal_form']}) — {registration}",
        "  " + _("Activity") + f" : {c['activity']}",
        "  " + _("Contact") + f" : {c['email']} · {c['phone']}",
        "  "
        + _("Representative")
        + f" : {rep['first_name']} {rep['last_name']}, {rep['address']}, "
        f"{rep['postcode']} {rep['city']}",
    ]
    for owner in c.get("beneficial_owners", []):
        lines.append(
            "  "
            + _("Beneficial owner")
            + f" : {owner['first_name']} {owner['last_name']} ({owner['share_percent']:g} %)"
        )
    sent = answers.get("documents", {})
    for kind, req in catalog.applicable(
        company=c["kind"] == "company", en_formation=c["en_formation"]
    ):
        if kind.kind in sent:
            lines.append(f"  {kind.label} : {sent[kind.kind]}")
        elif req.value != "optional":
            lines.append(f"  {kind.label} : " + _("to send later"))
    if quotes:
        lines += ["", _("Sent to")]
        lines += [_quote(q, per) for q in quotes]
    return "\n".join(lines)


def _quote(quote: Quote, per: Mapping[str, str]) -> str:
    from ..french import format_eur

    offer = quote.offer
    return "  • " + _(
        "{provider} ({city}), offer « {offer} »: {ht} HT, {ttc} TTC {per}; "
        "first payment {first} TTC"
    ).format(
        provider=quote.provider.name,
        city=quote.provider.city,
        offer=offer.name,
        ht=format_eur(quote.price_ht_cents),
        ttc=format_eur(quote.price_ttc_cents),
        per=_(per[offer.period]),
        first=format_eur(quote.first_payment_ttc_cents),
    )
