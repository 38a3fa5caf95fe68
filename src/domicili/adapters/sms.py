"""SMS through an HTTP gateway, a console notifier, and the routing of each channel.

``[sms] adapter = "sms-http"`` sends the SMS of every message through a gateway that
takes one JSON POST per message; emails go on through ``[notifications] notifier``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from ..config import SMS_HTTP_AUTH
from ..errors import AdapterError, ConfigError
from ..i18n import _
from ..models import OutboxMessage
from ..ports import BatchNotifier, Notifier

__all__ = ["ChannelNotifier", "ConsoleNotifier", "SmsHttpNotifier"]


class SmsHttpNotifier:
    """POSTs each SMS as JSON — ``{"to": "+33612345678", "text": "…", "id": "<key>"}`` — to
    ``url``, with the header ``auth_header`` set from ``DOMICILI_SMS_HTTP_AUTH`` when it
    is. A 2xx answer is a delivery; any other answer, or none in ``timeout`` seconds, is a
    failure and the SMS stays queued. ``id`` is the same at every retry of a message, so
    a gateway can send it once."""

    def __init__(
        self, url: str, *, auth_header: str = "Authorization", timeout: float = 10
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                _("The SMS gateway address {url} is not an http:// or https:// URL.").format(
                    url=repr(url)
                )
            )
        self.url, self.auth_header, self.timeout = url, auth_header, float(timeout)

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> SmsHttpNotifier:
        opts = dict(options)
        url = opts.pop("url", None)
        if not url:
            raise ConfigError(
                _("The sms-http adapter needs [sms] http_url, the gateway's address.")
            )
        return cls(str(url), **opts)

    def deliver(self, message: OutboxMessage) -> None:
        from urllib import error, request

        from ..identifiers import is_mobile

        if message.channel != "sms":
            raise AdapterError(
                _("The SMS gateway sends SMS only, not an {channel}.").format(
                    channel=message.channel
                )
            )
        if not is_mobile(message.to):
            raise AdapterError(
                _("{to} is not a mobile number: it cannot receive an SMS.").format(to=message.to),
                reason=_("{to} is not a mobile number").format(to=message.to),
            )
        body = json.dumps({"to": message.to, "text": message.body, "id": message.key}).encode()
        headers = {"Content-Type": "application/json"}
        auth = os.environ.get(SMS_HTTP_AUTH)
        if auth:
            headers[self.auth_header] = auth
        post = request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with request.urlopen(post, timeout=self.timeout) as answer:
                status = int(answer.status)
        except error.HTTPError as exc:
            status = int(exc.code)
        except (OSError, ValueError) as exc:
            raise self._failed(
                message,
                _("the SMS gateway {url} did not answer ({exc})").format(
                    url=self.url, exc=getattr(exc, "reason", exc)
                ),
            ) from exc
        if not 200 <= status < 300:
            raise self._failed(
                message, _("the SMS gateway answered {status}").format(status=status)
            )

    def _failed(self, message: OutboxMessage, reason: str) -> AdapterError:
        return AdapterError(
            _("The SMS gateway did not take message {id}: {reason}; it stays queued.").format(
                id=message.id, reason=reason
            ),
            reason=reason,
        )


class ConsoleNotifier:
    """Prints each message on the standard error (a test bench, a demo): delivered at once."""

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> ConsoleNotifier:
        return cls()

    def deliver(self, message: OutboxMessage) -> None:
        head = f"[{message.channel}] {message.to}"
        subject = f" — {message.subject}" if message.subject else ""
        print(f"{head}{subject}\n{message.body}\n", file=sys.stderr)


class ChannelNotifier:
    """Emails to one notifier, SMS to another; a delivery run opens the batch of each
    (one SMTP connection…) on its first message."""

    def __init__(self, email: Notifier, sms: Notifier) -> None:
        self.email, self.sms = email, sms

    def for_channel(self, channel: str) -> Notifier:
        return self.sms if channel == "sms" else self.email

    def deliver(self, message: OutboxMessage) -> None:
        self.for_channel(message.channel).deliver(message)

    @contextmanager
    def batch(self, *, deadline: float) -> Iterator[Notifier]:
        with ExitStack() as stack:
            yield _ChannelSession(self, stack, deadline)


class _ChannelSession:
    def __init__(self, notifier: ChannelNotifier, stack: ExitStack, deadline: float) -> None:
        self.notifier, self.stack, self.deadline = notifier, stack, deadline
        self.sessions: dict[int, Notifier] = {}

    def deliver(self, message: OutboxMessage) -> None:
        target = self.notifier.for_channel(message.channel)
        session = self.sessions.get(id(target))
        if session is None:
            if isinstance(target, BatchNotifier):
                session = self.stack.enter_context(target.batch(deadline=self.deadline))
            else:
                session = target
            self.sessions[id(target)] = session
        session.deliver(message)
