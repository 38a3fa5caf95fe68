"""Validation and normalisation of the identifiers a dossier carries.

Each function returns the compact canonical form or raises
:class:`~domicili.errors.InvalidIdentifier` with a sentence naming the field.
"""

from __future__ import annotations

import functools

from .errors import InvalidIdentifier
from .i18n import _

__all__ = [
    "is_mobile",
    "normalize_bic",
    "normalize_email",
    "normalize_iban",
    "normalize_phone",
    "normalize_siren",
    "normalize_siret",
    "normalize_vat",
    "vat_number_for_siren",
]


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


def normalize_phone(value: str, *, field: str = "phone") -> str:
    """Any way of writing a phone number → E.164 (``+33612345678``); French by default."""
    import phonenumbers

    text = _ascii(value, field, _("phone number")).strip()
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
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
