"""Content-addressed storage of justificatif files beside the database.

A file is stored once under its sha256, whatever its name and however many
dossiers it is attached to; the name a person gave it is metadata only and is
never used to build a path. Only PDF, JPEG and PNG are accepted, recognised by
their bytes, not their name. Every read checks the bytes against their SHA-256: a
file changed on disk is refused (:class:`~domicili.errors.StoredFileAltered`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import JustificatifRejected, StoredFileAltered
from .i18n import _

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FileStore",
    "StoredFile",
    "file_sha256",
    "sniff_content_type",
    "write_atomic",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one,
    never half of it (a temporary file in the same folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of the file at ``path``, read by chunks; None when there is none."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return digest.hexdigest()


def sniff_content_type(data: bytes) -> str | None:
    """``application/pdf``, ``image/jpeg`` or ``image/png`` from the first bytes, else None."""
    head = data[:1024]
    for magic, content_type in _SIGNATURES:
        if content_type == "application/pdf":
            # A PDF may have a few bytes of junk before its header (PDF 1.7 §7.5.2 tolerance).
            if magic in head:
                return content_type
        elif head.startswith(magic):
            return content_type
    return None


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str


class FileStore:
    """Files under ``root/ab/cdef…`` named by their sha256: the default implementation
    of the :class:`~domicili.ports.FileStore` port (the folder ``<db>-files`` or ``--files``)."""

    def __init__(self, root: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def check(self, data: bytes, *, filename: str) -> str:
        """The content type of ``data``, or :class:`JustificatifRejected` with the reason."""
        max_bytes = self.max_bytes
        if not data:
            raise JustificatifRejected(
                _("{filename} is empty; send a PDF, JPEG or PNG file.").format(filename=filename),
                field="file",
                value=filename,
            )
        if len(data) > max_bytes:
            raise JustificatifRejected(
                _("{filename} is {count:.1f} MB; the limit is {count2:g} MB.").format(
                    filename=filename, count=len(data) / 1_048_576, count2=max_bytes / 1_048_576
                ),
                field="file",
                value=filename,
                limit=max_bytes,
            )
        content_type = sniff_content_type(data)
        if content_type is None:
            raise JustificatifRejected(
                _("{filename} is not a PDF, JPEG or PNG file (judged by its content).").format(
                    filename=filename
                ),
                field="file",
                value=filename,
            )
        return content_type

    def put(self, data: bytes, *, filename: str) -> StoredFile:
        content_type = self.check(data, filename=filename)
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if file_sha256(target) != digest:  # absent, or changed on disk: the bytes given mend it
            write_atomic(target, data)
        return StoredFile(digest, len(data), content_type)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def read(self, sha256: str) -> bytes:
        """The stored bytes, once checked against their SHA-256."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StoredFileAltered(sha256, str(path), missing=True) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoredFileAltered(sha256, str(path))
        return data
