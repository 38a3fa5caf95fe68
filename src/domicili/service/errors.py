"""Translation of pydantic validation errors into one actionable sentence."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import InvalidInput
from ..i18n import N_, _

__all__ = ["from_validation", "said"]

#: What pydantic's own checks mean, by error type, in words a person reads (translated
#: where they are shown); ``{…}`` are fields of the error's context.
PYDANTIC: dict[str, str] = {
    "missing": N_("this field is required"),
    "extra_forbidden": N_("unknown field (check its spelling)"),
    "string_type": N_("must be text"),
    "string_too_short": N_("must not be empty"),
    "string_too_long": N_("must have at most {max_length} characters"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "date_type": N_("must be a date (e.g. 2026-01-15)"),
    "date_from_datetime_inexact": N_("must be a date (e.g. 2026-01-15)"),
    "date_parsing": N_("must be a date (e.g. 2026-01-15)"),
    "date_from_datetime_parsing": N_("must be a date (e.g. 2026-01-15)"),
    "datetime_type": N_("must be a date and time (e.g. 2026-01-15T09:00:00+01:00)"),
    "datetime_parsing": N_("must be a date and time (e.g. 2026-01-15T09:00:00+01:00)"),
    "datetime_from_date_parsing": N_("must be a date and time (e.g. 2026-01-15T09:00:00+01:00)"),
    "list_type": N_("must be a list"),
    "too_short": N_("must have at least {min_length} items"),
    "too_long": N_("must have at most {max_length} items"),
    "dict_type": N_("must be a mapping of fields"),
    "model_type": N_("must be a mapping of fields"),
    "model_attributes_type": N_("must be a mapping of fields"),
    # Raised by domicili's own settings checks (config.py) as pydantic errors.
    "email": N_("{value} is not an email address"),
    "url": N_("{value} is not an http:// or https:// URL"),
    "smtp_tls": N_("choose either starttls (port 587) or ssl (port 465), not both"),
    "days": N_("each day must be from 1 to 365"),
    "never_retried": N_("{codes}: a debit returned for this reason is never presented again"),
}


#: Date checks whose cause is a day or month the calendar does not have (2022-02-30).
_CALENDAR = ("date_parsing", "date_from_datetime_parsing", "datetime_from_date_parsing")


def said(err: Any) -> str:
    """What pydantic found, in the current language (its own words for a rare check)."""
    cause = str((err.get("ctx") or {}).get("error", ""))
    if err["type"] in _CALENDAR and "outside expected range" in cause:
        return _("{value} is not a day of the calendar").format(value=repr(err.get("input")))
    known = PYDANTIC.get(err["type"])
    if known is None:
        return str(err["msg"]).rstrip(".")
    ctx = {k: v for k, v in (err.get("ctx") or {}).items() if k != "error"}
    try:
        return _(known).format(**ctx)
    except (KeyError, IndexError):
        return str(err["msg"]).rstrip(".")


def _sentence(field: str, problem: str) -> str:
    return _("{field}: {problem}.").format(field=field, problem=problem)


def from_validation(exc: ValidationError, *, prefix: str = "") -> InvalidInput:
    """The first error of ``exc`` as :class:`InvalidInput` naming the field (``prefix.loc``)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, InvalidInput):
        # Our identifier checks already say what is wrong; re-anchor on the full path.
        field = prefix + loc
        text = str(cause).split(": ", 1)[-1].removesuffix(".")
        return type(cause)(
            _sentence(field, text), field=field, value=cause.value, limit=cause.limit
        )
    msg = str(err["msg"]).removeprefix("Value error, ").rstrip(".")
    if not loc:
        # A model-level rule: its message starts with the field it is about.
        leaf, __, text = msg.partition(": ")
        field = prefix + leaf
        return InvalidInput(_sentence(field, text or msg), field=field)
    field = prefix + loc
    leaf, sep, text = msg.partition(": ")
    nested_rule = err["type"] == "value_error" and isinstance(err.get("input"), dict)
    if nested_rule and sep and leaf.isidentifier():
        # A rule of a nested model (e.g. client): anchor on the field its message names.
        field = f"{field}.{leaf}"
        return InvalidInput(_sentence(field, text), field=field)
    if err["type"] != "value_error":
        msg = said(err)
    return InvalidInput(_sentence(field, msg), field=field)
