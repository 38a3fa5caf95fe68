"""Translation of pydantic validation errors into one actionable sentence."""

from __future__ import annotations

from pydantic import ValidationError

from ..errors import InvalidInput

__all__ = ["from_validation"]


def from_validation(exc: ValidationError, *, prefix: str = "") -> InvalidInput:
    """The first error of ``exc`` as :class:`InvalidInput` naming the field (``prefix.loc``)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, InvalidInput):
        # Our identifier checks already say what is wrong; re-anchor on the full path.
        field = prefix + loc
        text = str(cause).split(": ", 1)[-1]
        return type(cause)(f"{field}: {text}", field=field, value=cause.value, limit=cause.limit)
    msg = str(err["msg"]).removeprefix("Value error, ").rstrip(".")
    if not loc:
        # A model-level rule: its message starts with the field it is about.
        leaf, _, text = msg.partition(": ")
        field = prefix + leaf
        return InvalidInput(f"{field}: {text or msg}.", field=field)
    field = prefix + loc
    leaf, sep, text = msg.partition(": ")
    nested_rule = err["type"] == "value_error" and isinstance(err.get("input"), dict)
    if nested_rule and sep and leaf.isidentifier():
        # A rule of a nested model (e.g. client): anchor on the field its message names.
        field = f"{field}.{leaf}"
        return InvalidInput(f"{field}: {text}.", field=field)
    if err["type"] == "missing":
        msg = "this field is required"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field (check its spelling)"
    return InvalidInput(f"{field}: {msg}.", field=field)
