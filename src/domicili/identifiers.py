"""Validation and normalisation of the identifiers a dossier carries.

Each function returns the compact canonical form or raises
:class:`~domicili.errors.InvalidIdentifier` with a sentence naming the field.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .errors import InvalidIdentifier
from .i18n import _

__all__ = [
    "OVERSEAS_PHONE_REGIONS",
    "is_mobile",
    "is_sepa_identifier",
    "local_phone",
    "normalize_bic",
    "normalize_creditor_identifier",
    "normalize_email",
    "normalize_iban",
    "normalize_mandate_reference",
    "normalize_phone",
    "normalize_siren",
    "normalize_siret",
    "normalize_vat",
    "phone_region",
    "vat_number_for_siren",
]

#: The phone region of each overseas département (the first three digits of its
#: postcodes): a number written as people write it there, ``0262 12 34 56``, is read
#: with it. Saint-Barthélemy and Saint-Martin (postcodes 971xx) share Guadeloupe's plan.
OVERSEAS_PHONE_REGIONS = {
    "971": "GP",  # Guadeloupe
    "972": "MQ",  # Martinique
    "973": "GF",  # Guyane
    "974": "RE",  # La Réunion
    "975": "PM",  # Saint-Pierre-et-Miquelon
    "976": "YT",  # Mayotte
}


def _ascii(value: object, field: str, what: str) -> str:
    """``value`` as text, refused when it holds digits or letters outside ASCII.

    The checks below would read "٧٣٢٨…" (Arabic-Indic) or full-width "７３２…" as the
    digits they stand for; an identifier is kept, printed and compared as ASCII only.
    """
    text = str(value)
    if any(not c.isascii() and c.isalnum() for c in text):
        raise InvalidIdentifier(
            _(
                "{field}: {value} is not a valid {what}: write it with the digits 0-9 "
                "and the letters A-Z."
            ).format(field=field, value=repr(value), what=what),
            field=field,
            value=value,
        )
    return text


def normalize_siren(value: str, *, field: str = "siren") -> str:
    """A SIREN: 9 digits with a valid Luhn key (spaces allowed in the input)."""
    from stdnum.fr import siren

    try:
        return str(siren.validate(_ascii(value, field, "SIREN")))
    except Exception:
        raise InvalidIdentifier(
            _("{field}: {value} is not a valid SIREN (9 digits with a valid check key).").format(
                field=field, value=repr(value)
            ),
            field=field,
            value=value,
        ) from None


def normalize_siret(value: str, *, field: str = "siret") -> str:
    """A SIRET: 14 digits (SIREN + NIC) with a valid key."""
    from stdnum.fr import siret

    try:
        return str(siret.validate(_ascii(value, field, "SIRET")))
    except Exception:
        raise InvalidIdentifier(
            _("{field}: {value} is not a valid SIRET (14 digits with a valid check key).").format(
                field=field, value=repr(value)
            ),
            field=field,
            value=value,
        ) from None


def normalize_vat(value: str, *, field: str = "vat_number") -> str:
    """A French intra-community VAT number, returned as ``FRxx999999999``."""
    from stdnum.fr import tva

    try:
        return "FR" + str(tva.validate(_ascii(value, field, _("VAT number"))))
    except Exception:
        raise InvalidIdentifier(
            _(
                "{field}: {value} is not a valid French VAT number (FR + 2 characters + SIREN)."
            ).format(field=field, value=repr(value)),
            field=field,
            value=value,
        ) from None


def vat_number_for_siren(siren: str) -> str:
    """The French intra-community VAT number of a SIREN.

    Its key is (12 + 3 × (SIREN mod 97)) mod 97.
    """
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def normalize_iban(value: str, *, field: str = "iban") -> str:
    from stdnum import iban

    try:
        return str(iban.validate(_ascii(value, field, "IBAN")))
    except Exception:
        raise InvalidIdentifier(
            _("{field}: {value} is not a valid IBAN (check the country code and key).").format(
                field=field, value=repr(value)
            ),
            field=field,
            value=value,
        ) from None


def normalize_bic(value: str, *, field: str = "bic") -> str:
    from stdnum import bic

    try:
        return str(bic.validate(_ascii(value, field, "BIC")))
    except Exception:
        raise InvalidIdentifier(
            _("{field}: {value} is not a valid BIC (8 or 11 characters).").format(
                field=field, value=repr(value)
            ),
            field=field,
            value=value,
        ) from None


def normalize_creditor_identifier(value: str, *, field: str = "creditor_identifier") -> str:
    """A French SEPA creditor identifier (ICS): ``FR``, 2 check digits, a 3-character
    business code and 6 characters, checked with its key (``FR72ZZZ123456``)."""
    from stdnum.eu import at_02

    text = _ascii(value, field, _("creditor identifier (ICS)"))
    try:
        compact = str(at_02.validate(text))
    except Exception:
        compact = ""
    if not (compact.startswith("FR") and len(compact) == 13):
        raise InvalidIdentifier(
            _(
                "{field}: {value} is not a valid French creditor identifier (ICS: FR, 2 check "
                "digits, a 3-character business code and 6 characters, e.g. FR72ZZZ123456)."
            ).format(field=field, value=repr(value)),
            field=field,
            value=value,
        )
    return compact


#: What the EPC allows in a mandate reference (RUM) and in the identifiers of a debit:
#: at most 35 Latin letters, digits and ``/ - ? : ( ) . , ' +``.
_SEPA_IDENTIFIER = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,35}")


def is_sepa_identifier(text: str) -> bool:
    """True when ``text`` may identify a SEPA mandate or debit: the characters the EPC
    allows, at most 35, not starting or ending with "/" nor holding "//"."""
    return bool(_SEPA_IDENTIFIER.fullmatch(text)) and not (
        text.startswith("/") or text.endswith("/") or "//" in text
    )


def normalize_mandate_reference(value: str, *, field: str = "reference") -> str:
    """A SEPA mandate reference (référence unique du mandat, RUM), spaces around it
    removed; :class:`~domicili.errors.InvalidIdentifier` when the EPC does not allow it."""
    text = str(value).strip()
    if not is_sepa_identifier(text):
        raise InvalidIdentifier(
            _(
                "{field}: {value} is not a valid mandate reference (RUM): at most 35 letters "
                "A-Z, digits and / - ? : ( ) . , ' + (no space, not starting or ending "
                "with /, no //)."
            ).format(field=field, value=repr(value)),
            field=field,
            value=value,
        )
    return text


def phone_region(postcode: str | None) -> str:
    """The region phone numbers are read in at an address: ``"RE"`` for a 974xx postcode,
    the other overseas départements likewise, ``"FR"`` elsewhere (and when unknown)."""
    return OVERSEAS_PHONE_REGIONS.get(str(postcode or "").strip()[:3], "FR")


def _parsed(text: str, region: str) -> Any:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def local_phone(value: str, region: str) -> str:
    """``value`` in E.164 when it is a number as written in ``region``; otherwise as it
    was, for :func:`normalize_phone` to read the French way (a metropolitan mobile
    given at an overseas address) or to refuse."""
    import phonenumbers

    if any(not c.isascii() and c.isalnum() for c in value):
        return value
    number = _parsed(value.strip(), region)
    if number is None:
        return value
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_phone(value: str, *, field: str = "phone", region: str = "FR") -> str:
    """Any way of writing a phone number → E.164 (``+33612345678``).

    A number without its country code is read as written in ``region`` (see
    :func:`phone_region`), then as written in metropolitan France.
    """
    import phonenumbers

    text = _ascii(value, field, _("phone number")).strip()
    number = _parsed(text, region) if region != "FR" else None
    if number is None:
        number = _parsed(text, "FR")
    if number is None:
        raise InvalidIdentifier(
            _(
                "{field}: {value} is not a phone number (e.g. 06 12 34 56 78 or +33 6 12 34 56 78)."
            ).format(field=field, value=repr(value)),
            field=field,
            value=value,
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@functools.lru_cache(maxsize=4096)
def is_mobile(e164: str) -> bool:
    """True when an E.164 number can receive SMS (mobile or fixed-or-mobile)."""
    import phonenumbers

    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def normalize_email(value: str, *, field: str = "email") -> str:
    """An email address checked for syntax only (no network), domain lower-cased."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(str(value), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidIdentifier(
            _("{field}: {value} is not an email address ({exc}).").format(
                field=field, value=repr(value), exc=exc
            ),
            field=field,
            value=value,
        ) from None
