"""The one click type for a day typed as an option: ``15/01/2024`` or ``2024-01-15``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

__all__ = ["DATE", "MOMENT", "PERIOD"]


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


class _Moment(click.ParamType):  # type: ignore[type-arg]
    """A moment: ``2026-12-02T08:30``, ``2026-12-02 08:30`` or ``02/12/2026 08:30`` (Paris
    time unless an offset is given), or a day alone (its opening, 09:00)."""

    name = "DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        import re

        from ..clock import PARIS
        from ..i18n import _

        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        found = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?", text)
        if found:
            day, month, year, clock = found.groups()
            text = f"{year}-{month}-{day}T{clock or '09:00'}"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            text += "T09:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                _("{value!r} is not a moment such as 2026-12-02T08:30 or 02/12/2026 08:30.").format(
                    value=value
                ),
                param,
                ctx,
            )
        if moment.year < 2000:
            self.fail(_("{value!r} is too long ago.").format(value=value), param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


MOMENT = _Moment()
