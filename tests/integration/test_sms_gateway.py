"""SMS through a real HTTP gateway on loopback: one JSON POST per SMS, the same id at
every retry, a failure leaves the SMS queued, emails go on through their own notifier."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from domicili.config import Settings, SmsSettings
from domicili.errors import ConfigError

if TYPE_CHECKING:
    from conftest import World


class Gateway(ThreadingHTTPServer):
    """Answers ``status`` to every POST and keeps what it was sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = 200
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class _Handler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def settings(url: str) -> Settings:
    return Settings(sms=SmsSettings(adapter="sms-http", http_url=url, http_timeout=2))


def test_an_sms_goes_to_the_gateway_and_the_email_to_the_email_notifier(
    world_with: Any, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMICILI_SMS_HTTP_AUTH", "Bearer jeton-secret")
    world: World = world_with(settings(gateway.url))
    dossier_id = world.accepted()
    ((headers, body),) = gateway.received
    assert headers["Authorization"] == "Bearer jeton-secret"
    assert headers["Content-Type"] == "application/json"
    assert body["to"] == "+33612345678"
    assert "126,00" in body["text"]
    assert body["id"]
    emails = [m for m in world.notifier.sent if m.dossier_id == dossier_id]
    assert {m.channel for m in emails} == {"email"}  # the SMS did not go there
    sms = [m for m in world.app.outbox(dossier_id=dossier_id) if m.channel == "sms"]
    assert [m.status for m in sms] == ["sent"]


def test_a_gateway_that_refuses_leaves_the_sms_queued_until_it_takes_it_once(
    world_with: Any, gateway: Gateway
) -> None:
    gateway.status = 503
    world: World = world_with(settings(gateway.url))
    dossier_id = world.accepted()
    (refused,) = gateway.received
    (queued,) = [m for m in world.app.outbox(dossier_id=dossier_id) if m.channel == "sms"]
    assert (queued.status, queued.attempts) == ("failed", 1)  # tried again by the next run
    assert "the SMS gateway answered 503" in (queued.last_error or "")
    gateway.status = 200
    report = world.app.deliver()
    assert report.sent == 1
    assert len(gateway.received) == 2
    assert gateway.received[1][1]["id"] == refused[1]["id"]  # the same message, named alike
    assert world.app.deliver().sent == 0  # and never again


def test_a_gateway_that_is_down_says_so_and_keeps_the_sms(world_with: Any) -> None:
    world: World = world_with(settings("http://127.0.0.1:9/send"))
    dossier_id = world.accepted()
    (queued,) = [m for m in world.app.outbox(dossier_id=dossier_id) if m.channel == "sms"]
    assert (queued.status, queued.attempts) == ("failed", 1)
    assert "the SMS gateway http://127.0.0.1:9/send did not answer" in (queued.last_error or "")


def test_a_gateway_address_that_is_not_http_is_refused_in_one_sentence() -> None:
    from domicili.config import load_settings

    with pytest.raises(ConfigError) as refused:
        load_settings(
            environ={"DOMICILI_SMS_ADAPTER": "sms-http", "DOMICILI_SMS_HTTP_URL": "ftp://x"}
        )
    assert str(refused.value) == (
        "DOMICILI_SMS_HTTP_URL: sms.http_url: 'ftp://x' is not an http:// or https:// URL."
    )
