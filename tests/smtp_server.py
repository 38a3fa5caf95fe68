"""A real (tiny) SMTP server on loopback for the tests: it records what it receives.

Just enough SMTP (RFC 5321) for a client, in a thread of the test process; a test's
subprocesses reach it over loopback too. ``delay`` makes it slow to take each email,
``answer=False`` makes a server that accepts connections and never says a word.
"""

from __future__ import annotations

import socketserver
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

__all__ = ["Mailbox", "Received", "SmtpServer"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def mail(self) -> EmailMessage:
        # Stored the way a mail server stores it: CRLF on the wire, LF on disk.
        data = self.data.replace(b"\r\n", b"\n")
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> list[str]:
        return [str(r.mail["Message-ID"]) for r in list(self.received)]


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for a client: EHLO/HELO, MAIL, RCPT, DATA, RSET, QUIT."""

    server: SmtpServer

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        with box.lock:
            box.connections += 1
        if not self.server.answer:
            self.rfile.read()  # a hung server: takes the connection, never says a word
            return
        sender, recipients = "", []
        self.reply("220 loopback ESMTP ready")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            box.commands.append(verb)
            if verb == "EHLO":
                self.reply("250-loopback")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 loopback")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                box.received.append(Received(sender, recipients, b"".join(lines)))
                sender, recipients = "", []
                time.sleep(self.server.delay)  # received, not yet acknowledged
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, delay: float = 0, answer: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.mailbox = Mailbox()
        self.delay, self.answer = delay, answer
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self) -> SmtpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)

    def config(self, path: Path, *, deadline: float = 10, timeout: float = 5) -> Path:
        """A domicili.toml at ``path`` that sends emails through this server."""
        path.write_text(
            f'[notifications]\nnotifier = "smtp"\ndeadline_seconds = {deadline}\n\n'
            f'[notifications.options]\nhost = "127.0.0.1"\nport = {self.port}\n'
            f'timeout = {timeout}\nsender = "bureau@lumiere.example"\n',
            encoding="utf-8",
        )
        return path

    @property
    def port(self) -> int:
        return int(self.server_address[1])
