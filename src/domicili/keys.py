"""What is kept outside the database so that a copy or an edit of it is found out.

* The **secret key**: ``DOMICILI_SECRET_KEY`` when set, else the file ``secret.key`` in
  the database's files folder (``<db>-files`` beside a SQLite file, the ``files``
  folder of a database server), made with owner-only permissions the first time it is
  needed. It keys the HMAC of the audit chain and of the signature codes: whoever has
  only the database can neither re-hash the chain nor try the 10⁶ codes.
* The **head anchor**: ``audit-head.json`` in the same folder, the last event (id and
  hash) of every commit that appends events, so that deleting the last events — or all
  of them — is found. ``audit head`` prints it, to keep a copy elsewhere too.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .i18n import _

__all__ = ["ENV_KEY", "HEAD_FILE", "KEY_FILE", "Head", "HeadAnchor", "SecretKey"]

ENV_KEY = "DOMICILI_SECRET_KEY"
KEY_FILE = "secret.key"
HEAD_FILE = "audit-head.json"
#: The shortest secret accepted from the environment (characters).
MIN_KEY_CHARS = 32


class SecretKey:
    """The secret of one database, read (or made) the first time it is used."""

    def __init__(self, folder: Path, environ: Mapping[str, str] | None = None) -> None:
        self.path = folder / KEY_FILE
        self._environ = os.environ if environ is None else environ
        self._value: bytes | None = None
        self._derived: dict[str, bytes] = {}

    @property
    def available(self) -> bool:
        """Whether the secret is there already (set in the environment, or its file)."""
        return self._value is not None or ENV_KEY in self._environ or self.path.exists()

    @property
    def value(self) -> bytes:
        if self._value is None:
            self._value = self._load()
        return self._value

    def derive(self, purpose: str) -> bytes:
        """A key for one use (``audit-chain``, ``signature-code``), never the secret itself."""
        if purpose not in self._derived:
            self._derived[purpose] = hmac.new(self.value, purpose.encode(), hashlib.sha256).digest()
        return self._derived[purpose]

    @property
    def chain_key(self) -> bytes:
        return self.derive("audit-chain")

    def code_key(self, salt: str) -> str:
        """The per-code key (hex) a signature code is checked with: the stored salt keyed
        by the secret, so the database alone does not give it."""
        return hmac.new(self.derive("signature-code"), salt.encode(), hashlib.sha256).hexdigest()

    def _load(self) -> bytes:
        given = self._environ.get(ENV_KEY)
        if given is not None:
            if len(given.strip()) < MIN_KEY_CHARS:
                raise ConfigError(
                    _(
                        "{ENV_KEY} is {count} characters long; use at least {MIN_KEY_CHARS} "
                        "random characters."
                    ).format(
                        ENV_KEY=ENV_KEY, count=len(given.strip()), MIN_KEY_CHARS=MIN_KEY_CHARS
                    ),
                    field=ENV_KEY,
                )
            return given.strip().encode()
        if not self.path.exists():
            _create_key_file(self.path)
        text = self.path.read_text(encoding="ascii", errors="replace").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) < 32:
            raise ConfigError(
                _(
                    "The secret key file {path} is damaged (64 hexadecimal digits expected); "
                    "restore it from a backup or set {ENV_KEY}."
                ).format(path=self.path, ENV_KEY=ENV_KEY),
                field=ENV_KEY,
            )
        return key


def _create_key_file(path: Path) -> None:
    """A new random key at ``path``, readable by its owner only; a key another process
    made at the same moment wins (the file is linked into place, never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


@dataclass(frozen=True)
class Head:
    """The last event of the log: its id and its hash."""

    event_id: int
    hash: str

    def as_dict(self) -> dict[str, object]:
        return {"event_id": self.event_id, "hash": self.hash}

    @classmethod
    def parse(cls, text: str) -> Head:
        """``ID:HASH`` (as the head is exported) or the anchor file's JSON."""
        text = text.strip()
        try:
            if text.startswith("{"):
                data = json.loads(text)
                head = cls(int(data["event_id"]), str(data["hash"]))
            else:
                number, __, digest = text.partition(":")
                head = cls(int(number), digest.strip().lower())
        except (ValueError, KeyError, TypeError):
            head = cls(0, "")
        if head.event_id < 1 or len(head.hash) != 64:
            raise ConfigError(
                _(
                    "{text} is not a head of the audit log (an event id and its hash: ID:HASH)."
                ).format(text=repr(text[:80])),
                field="head",
                value=text[:80],
            )
        return head


class HeadAnchor:
    """``audit-head.json``: the head of the log as of the last commit that appended events.

    The file is one fixed-size record rewritten in place through a descriptor kept
    open, so that advancing it costs two system calls after each commit instead of a
    temporary file and a rename. A record of :data:`_RECORD` bytes lies in one disk
    block, which the kernel writes whole. A file removed or replaced behind its back is
    opened again (a new one is written from the next commit on).
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / HEAD_FILE
        self._fd: int | None = None

    def read(self) -> Head | None:
        """The anchored head; None when there is none; ConfigError when it is damaged."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        # Empty: created, and the process stopped before its first record.
        return Head.parse(text) if text.strip() else None

    def advance(self, first_id: int, first_prev: str, last_id: int, last_hash: str) -> None:
        """After a commit that appended events ``first_id``…``last_id``: move the anchor
        forward, only along the chain it anchors (a commit that does not continue the
        anchored head leaves the anchor as evidence for ``audit verify``)."""
        try:
            fd = self._descriptor()
            text = os.pread(fd, _RECORD + 1, 0).decode("utf-8")
            current = Head.parse(text) if text.strip() else None
        except (OSError, UnicodeDecodeError):
            return  # committed already; audit verify reports a lagging anchor, not a false one
        except ConfigError:
            return  # a damaged anchor stays for audit verify to report
        if current is not None:
            if last_id <= current.event_id:
                return
            if first_id == current.event_id + 1 and first_prev != current.hash:
                return
        body = json.dumps(Head(last_id, last_hash).as_dict())
        record = (body.ljust(_RECORD - 1) + "\n").encode()
        try:
            os.pwrite(fd, record, 0)
            if len(text.encode()) > _RECORD:  # a longer file written some other way
                os.ftruncate(fd, _RECORD)
        except OSError:
            self.close()

    def _descriptor(self) -> int:
        """The open anchor file, opened (or created, owner-only) again when it was
        removed or replaced since."""
        if self._fd is not None:
            try:
                same = self.path.stat().st_ino == os.fstat(self._fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return self._fd
            self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


#: Bytes of the anchor record (its JSON, padded with spaces, and a newline).
_RECORD = 160
