"""Bulk import of providers (and their offer) from CSV or YAML.

Every row is checked first; any invalid row stops the import before anything is
written (all-or-nothing), unless ``skip_invalid`` imports the valid ones. The SIREN
is the key: importing the same rows again updates those providers, never duplicates.

The checked rows are then written :data:`BATCH` at a time, one short transaction each
(with its ``provider.imported`` event), so that other writers, which wait for the
write lock, never wait past the database's busy timeout during a long import. If the
process dies during the writing, the batches already committed stay, each whole, and
nothing of the others is written: running the same file again completes the import
(the rows already written are updated to the same values).

CSV columns (UTF-8, ``,`` or ``;`` separated, header on line 1): ``name, legal_form,
representative,
siren, vat_number, rcs_city, capital, agrement_numero, agrement_prefecture, agrement_date,
address, postcode, city, email, phone, iban, bic, departement, insee_commune, departements,
services, offer_name, offer_price_ht, offer_period, offer_commitment_months, offer_setup_fee``;
lists (``departements``, ``services``) are separated by ``|``. YAML: a list of
mappings with the same keys (lists as YAML lists).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import DomiciliError, ImportRowsError, InvalidInput, OutOfScope
from ..i18n import _
from ..models import Offer, Provider
from ..money import parse_euros
from .context import Context
from .errors import from_validation
from .providers import _offer_services_listed, validate_provider

__all__ = ["BATCH", "ImportReport", "import_providers", "read_rows"]

#: How many rows an import writes per transaction.
BATCH = 500

PROVIDER_FIELDS = {
    "name",
    "legal_form",
    "representative",
    "siren",
    "vat_number",
    "agrement_numero",
    "agrement_prefecture",
    "agrement_date",
    "rcs_city",
    "address",
    "postcode",
    "city",
    "email",
    "phone",
    "iban",
    "bic",
    "departement",
    "departements",
    "services",
}
OFFER_FIELDS = {
    "offer_name",
    "offer_price_ht",
    "offer_period",
    "offer_commitment_months",
    "offer_setup_fee",
}
KNOWN = PROVIDER_FIELDS | OFFER_FIELDS | {"insee_commune", "capital"}


@dataclass
class ImportReport:
    """Providers created and updated by an import; ``skipped`` is (line, reason)."""

    created: int = 0
    updated: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": [{"line": line, "reason": why} for line, why in self.skipped],
        }


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` pairs from a CSV or YAML file of at most
    :data:`~domicili.inputs.IMPORT_MAX_BYTES` (YAML:
    :data:`~domicili.inputs.IMPORT_YAML_MAX_BYTES`)."""
    from ..inputs import IMPORT_MAX_BYTES, IMPORT_YAML_MAX_BYTES, read_text

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise InvalidInput(_("{path}: give a .csv or .yaml file.").format(path=path))
    if suffix != ".csv":
        text = read_text(path, limit=IMPORT_YAML_MAX_BYTES, what=_("a YAML import"))
        return _yaml_rows(path, text)
    text = read_text(path, limit=IMPORT_MAX_BYTES, what=_("a CSV import"), encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    # Spreadsheets saved in French use ";"; a header with no "," is read that way.
    delimiter = ";" if ";" in header and "," not in header else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        return _csv_rows(path, reader)
    except csv.Error as exc:
        # DictReader.line_num stays at the last good row; its reader knows the current line.
        raise InvalidInput(
            _("{path}: line {line_num} cannot be read as CSV: {exc}.").format(
                path=path, line_num=reader.reader.line_num, exc=exc
            )
        ) from None


def _csv_rows(path: Path, reader: csv.DictReader[str]) -> list[tuple[int, dict[str, Any]]]:
    unknown = sorted(set(reader.fieldnames or []) - KNOWN)
    if unknown:
        raise InvalidInput(
            _("{path}: unknown column(s) {listed}; known columns: {listed2}.").format(
                path=path, listed=", ".join(unknown), listed2=", ".join(sorted(KNOWN))
            )
        )
    rows = []
    for row in reader:
        clean = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        for key in ("departements", "services"):
            if key in clean:
                clean[key] = [p.strip() for p in clean[key].split("|") if p.strip()]
        rows.append((reader.line_num, clean))
    return rows


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    from ..inputs import load_yaml

    # An alias-free file cannot hold more values than it has bytes.
    data, node = load_yaml(text, source=str(path), max_values=max(len(text), 10_000))
    if not isinstance(data, list) or node is None:
        raise InvalidInput(_("{path}: expected a list of providers.").format(path=path))
    rows = []
    for item_node, item in zip(node.value, data, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            rows.append((line, {"__error__": _("expected a mapping of fields")}))
            continue
        rows.append((line, {str(k): v for k, v in item.items() if v is not None}))
    return rows


def _offer_fields(row: dict[str, Any]) -> dict[str, Any] | None:
    if not any(k in row for k in OFFER_FIELDS):
        return None
    if "offer_price_ht" not in row:
        raise InvalidInput(_("offer_price_ht: required when an offer is given."))
    price = parse_euros(row["offer_price_ht"], field="offer_price_ht")
    if price <= 0:
        raise InvalidInput(_("offer_price_ht: must be more than 0 €."))
    return {
        "name": row.get("offer_name", "Domiciliation"),
        "price_ht_cents": price,
        "period": row.get("offer_period", "month"),
        "commitment_months": row.get("offer_commitment_months", 3),
        "setup_fee_cents": parse_euros(row.get("offer_setup_fee", 0), field="offer_setup_fee"),
        "services": row.get("services") or ["domiciliation"],
    }


def _check_row(ctx: Context, row: dict[str, Any]) -> tuple[Provider, dict[str, Any] | None]:
    if "__error__" in row:
        raise InvalidInput(row["__error__"])
    unknown = sorted(set(row) - KNOWN)
    if unknown:
        raise InvalidInput(_("unknown field(s) {listed}").format(listed=", ".join(unknown)))
    fields = {k: v for k, v in row.items() if k in PROVIDER_FIELDS}
    if "capital" in row:  # euros, as the share capital is written
        fields["share_capital_cents"] = parse_euros(row["capital"], field="capital")
    provider = validate_provider(
        ctx, {"created_at": ctx.now(), **fields}, insee_commune=row.get("insee_commune")
    )
    offer = _offer_fields(row)
    if offer is not None:
        try:
            Offer.model_validate({"provider_id": 0, **offer})
        except ValidationError as exc:
            raise from_validation(exc, prefix="offer_") from None
    return provider, offer


def import_providers(
    ctx: Context,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    rows = read_rows(path)
    report = ImportReport()
    valid: list[tuple[int, Provider, dict[str, Any] | None]] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            provider, offer = _check_row(ctx, row)
            if provider.siren in seen:
                raise InvalidInput(
                    _("SIREN {siren} already on line {seen}").format(
                        siren=provider.siren, seen=seen[provider.siren]
                    )
                )
            seen[provider.siren] = line
            valid.append((line, provider, offer))
        except DomiciliError as exc:
            errors.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    if errors and not skip_invalid:
        raise ImportRowsError(errors)
    report.skipped = errors
    _check_scope(ctx, valid)
    batches = [valid[i : i + BATCH] for i in range(0, len(valid), BATCH)] or [[]]
    for number, batch in enumerate(batches, 1):
        with ctx.store.transaction():
            created, updated = report.created, report.updated
            for line, provider, offer in batch:
                _write_row(ctx, report, line, provider, offer)
                if progress:
                    progress(1)
            data: dict[str, Any] = {
                "file": path.name,
                "created": report.created - created,
                "updated": report.updated - updated,
                "skipped": len(report.skipped) if number == len(batches) else 0,
            }
            if len(batches) > 1:
                data["batch"] = [number, len(batches)]
            ctx.event("provider.imported", data=data)
    return report


def _check_scope(ctx: Context, valid: list[tuple[int, Provider, dict[str, Any] | None]]) -> None:
    """A scoped import may only update the provider in scope: refused before any write."""
    if ctx.provider_scope is None:
        return
    for line, provider, __ in valid:
        if ctx.store.provider_id_by_siren(provider.siren) != ctx.provider_scope:
            raise _out_of_scope(ctx.provider_scope, line, provider.siren)


def _out_of_scope(scope: int, line: int, siren: str, *, written: bool = False) -> OutOfScope:
    if written:
        text = _(
            "line {line}: SIREN {siren} is not provider {scope}, the one in scope; a scoped "
            "import may only update that provider. The rows before its batch were imported."
        )
    else:
        text = _(
            "line {line}: SIREN {siren} is not provider {scope}, the one in scope; a scoped "
            "import may only update that provider. Nothing was imported."
        )
    return OutOfScope(text.format(line=line, siren=siren, scope=scope), provider_id=scope)


def _write_row(
    ctx: Context, report: ImportReport, line: int, provider: Provider, offer: dict[str, Any] | None
) -> None:
    existing = ctx.store.provider_id_by_siren(provider.siren)
    if ctx.provider_scope is not None and existing != ctx.provider_scope:
        # Another writer gave this SIREN to another provider since the check.
        raise _out_of_scope(ctx.provider_scope, line, provider.siren, written=True)
    if existing is None:
        provider.id = ctx.store.insert_provider(provider)
        report.created += 1
    else:
        from .agrements import follow

        before = ctx.store.get_provider(existing)
        provider.id = existing
        fields = provider.model_dump(exclude={"id", "created_at", "suspended", "suspension_reason"})
        ctx.store.update_provider(existing, **fields)
        if before is not None:
            follow(ctx, before, provider)  # a renewed agrément keeps the one before
        report.updated += 1
    if offer is not None:
        _upsert_offer(ctx, provider.id, offer)
        _offer_services_listed(ctx, provider.id, offer["services"])


def _upsert_offer(ctx: Context, provider_id: int, fields: dict[str, Any]) -> None:
    offers = ctx.store.list_offers(provider_id)
    same = next((o for o in offers if o.name == fields["name"]), None)
    if same is None:
        ctx.store.insert_offer(
            Offer.model_validate(
                {
                    "provider_id": provider_id,
                    "created_at": ctx.now(),
                    "is_default": not offers,
                    **fields,
                }
            )
        )
    else:
        ctx.store.update_offer(same.model_copy(update=fields))
