"""The ``drop-folder`` e-invoicing adapter: each issued document as files in a folder.

A Plateforme Agréée's connector (or any integration) watches the folder. Each invoice or
credit note is written as ``<SIREN>_<number>.pdf`` (the Factur-X PDF/A-3) and
``<SIREN>_<number>.xml`` (its CII XML), the number percent-encoded where it holds a
``/``. Each file is written under a hidden temporary name (``.…tmp``), flushed to disk,
then renamed into place: the connector sees a whole file or none. The XML comes first,
the PDF last: once the PDF is there, both are.

Handing the same document again writes nothing; a file of the same name holding other
bytes (another database writing to the same folder) is refused, never overwritten.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import AdapterError, ConfigError
from ..i18n import _

if TYPE_CHECKING:
    from ..config import EInvoicingSettings
    from ..einvoicing import EInvoicingFactory, IssuedDocument

__all__ = ["BUILTIN", "DropFolder"]


class DropFolder:
    """Writes each issued document into :attr:`folder`, atomically and once."""

    name = "drop-folder"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def from_config(cls, settings: EInvoicingSettings) -> DropFolder:
        if settings.folder is None:
            raise ConfigError(
                _(
                    "The drop-folder e-invoicing adapter needs its folder: set [einvoicing] "
                    "folder (DOMICILI_EINVOICING_FOLDER)."
                ),
                field="einvoicing.folder",
            )
        return cls(settings.folder)

    def paths(self, document: IssuedDocument) -> tuple[Path, Path]:
        """Where the document's XML and PDF go."""
        owner = document.provider_siren or str(document.provider_id)
        stem = f"{owner}_{quote(document.number, safe='')}"
        return self.folder / f"{stem}.xml", self.folder / f"{stem}.pdf"

    def hand_off(self, document: IssuedDocument) -> None:
        if not self.folder.is_dir():
            raise AdapterError(
                _("The e-invoicing folder {folder} is not there.").format(folder=self.folder),
                reason=_("the folder {folder} is not there").format(folder=self.folder),
            )
        xml_path, pdf_path = self.paths(document)
        for path, content in ((xml_path, document.xml), (pdf_path, document.pdf)):
            if not _same(path, content):
                _write_atomically(path, content)
        _sync_folder(self.folder)


def _same(path: Path, content: bytes) -> bool:
    """Whether ``path`` already holds ``content``; refused when it holds something else."""
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise AdapterError(str(exc), reason=_("{path} cannot be read").format(path=path)) from exc
    if existing != content:
        raise AdapterError(
            _("{path} already holds another document; it is left as it is.").format(path=path),
            reason=_("{name} already holds another document").format(name=path.name),
        )
    return True


def _write_atomically(path: Path, content: bytes) -> None:
    """``content`` at ``path``: a hidden temporary file, flushed, then renamed into place."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise AdapterError(
            str(exc), reason=_("{folder} cannot be written to").format(folder=path.parent)
        ) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise AdapterError(
            str(exc), reason=_("{path} could not be written").format(path=path)
        ) from exc


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (the folder's entries flushed), where the system allows."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


#: The built-in e-invoicing adapters, by entry-point name.
BUILTIN: dict[str, EInvoicingFactory] = {"drop-folder": DropFolder}
