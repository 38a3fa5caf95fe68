"""The one click type for a day typed as an option: ``15/01/2024`` or ``2024-01-15``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

__all__ = ["DATE", "PERIOD"]


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


class _Period(click.ParamType):  # type: ignore[type-arg]
    """A month written ``YYYY-MM`` (``2026-03``), as ``(year, month)``."""

    name = "YYYY-MM"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int]:
        import re

        from ..i18n import _

        if isinstance(value, tuple):
            return value
        found = re.fullmatch(r"(2\d{3})-(0[1-9]|1[0-2])", str(value).strip())
        if found is None:
            self.fail(
                _("{value!r} is not a month written YYYY-MM, such as 2026-03.").format(value=value),
                param,
                ctx,
            )
        return int(found.group(1)), int(found.group(2))


PERIOD = _Period()
