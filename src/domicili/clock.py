"""The one clock everything reads: real time, or fixed by ``DOMICILI_NOW``.

Stored times are UTC ISO 8601; times shown to people are Europe/Paris.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import ConfigError
from .i18n import _

__all__ = [
    "PARIS",
    "Clock",
    "FixedClock",
    "SystemClock",
    "clock_from_env",
    "iso",
    "paris_date",
    "parse_iso",
]

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put; ``advance`` moves it (tests, demo, DOMICILI_NOW)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ConfigError(
                _("The fixed time {at} needs a UTC offset.").format(at=at.isoformat())
            )
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self._at += timedelta(**delta)
        return self._at


def parse_iso(text: str, *, what: str = "DOMICILI_NOW") -> datetime:
    """Parse an ISO 8601 time with its offset (``2026-03-01T09:00:00+01:00``)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            _("{what}={text} is not an ISO 8601 time such as 2026-03-01T09:00:00+01:00.").format(
                what=what, text=repr(text)
            )
        ) from None
    if at.tzinfo is None:
        raise ConfigError(
            _("{what}={text} needs a UTC offset, e.g. 2026-03-01T09:00:00+01:00.").format(
                what=what, text=repr(text)
            )
        )
    return at


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    """``FixedClock`` when ``DOMICILI_NOW`` is set, else the system clock."""
    env = os.environ if environ is None else environ
    fixed = env.get("DOMICILI_NOW")
    return FixedClock(parse_iso(fixed)) if fixed else SystemClock()


def iso(at: datetime) -> str:
    """The stored form of a time: UTC, ISO 8601, seconds precision."""
    if at.tzinfo is UTC:
        return _iso_utc(at)
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


@functools.lru_cache(maxsize=1024)
def _iso_utc(at: datetime) -> str:
    # A use case writes the same few instants many times (updated_at, the event, each
    # message). Only UTC times are cached: in a zone with folds, two different instants
    # of the repeated autumn hour compare equal.
    return at.replace(microsecond=0).isoformat()


def paris_date(at: datetime) -> date:
    """The calendar day in Paris at instant ``at``."""
    return at.astimezone(PARIS).date()
