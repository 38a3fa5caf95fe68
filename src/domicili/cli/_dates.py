"""The one click type for a day typed as an option: ``15/01/2024`` or ``2024-01-15``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

__all__ = ["DATE"]


class _Day(click.ParamType):  # type: ignore[type-arg]
    """A day as :func:`domicili.french.parse_date` reads it."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from ..errors import InvalidInput
        from ..french import parse_date

        try:
            return parse_date(value, field=param.name if param and param.name else "date")
        except InvalidInput as exc:
            self.fail(str(exc).split(": ", 1)[-1], param, ctx)


DATE = _Day()
