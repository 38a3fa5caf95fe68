"""Justificatifs of a dossier: adding files, their current state, and review saves."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..catalog import JustificatifState, Requirement
from ..errors import InvalidInput, JustificatifRejected, NewerRevision, PieceNotFound, Refused
from ..i18n import _
from ..models import Client, Dossier, JustificatifRevision
from .context import Context

__all__ = [
    "PieceView",
    "add_justificatif",
    "attach_file",
    "check_piece_file",
    "dossier_pieces",
    "piece_file",
    "pieces",
    "review",
]


@dataclass(frozen=True)
class PieceView:
    """One kind of piece for one dossier, as people and JSON see it."""

    kind: str
    label: str
    requirement: str
    required: bool
    state: str
    state_label: str
    revision: int | None
    filename: str | None
    sha256: str | None
    submitted_at: datetime | None
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pieces(ctx: Context, dossier: Dossier, client: Client | None = None) -> list[PieceView]:
    """Every applicable kind with its current state (``missing`` when never sent)."""
    assert dossier.id is not None
    client = client or ctx.client(dossier.client_id)
    latest = ctx.store.latest_revisions(dossier.id)
    out = []
    for kind, req in ctx.catalog.applicable(
        company=client.is_company, en_formation=client.en_formation
    ):
        rev = latest.get(kind.kind)
        state = rev.state if rev else JustificatifState.MISSING
        out.append(
            PieceView(
                kind=kind.kind,
                label=kind.label,
                requirement=req.value,
                required=req is Requirement.BEFORE_ACCEPTANCE,
                state=state.value,
                state_label=state.label,
                revision=rev.revision if rev else None,
                filename=rev.filename if rev else None,
                sha256=rev.sha256 if rev else None,
                submitted_at=rev.submitted_at if rev else None,
                reason=rev.reason if rev and state is JustificatifState.INVALIDATED else None,
            )
        )
    return out


def dossier_pieces(ctx: Context, dossier_id: int) -> list[PieceView]:
    """Every applicable piece of a dossier with its current state."""
    return pieces(ctx, ctx.dossier(dossier_id))


def _check_kind(ctx: Context, client: Client, kind: str) -> None:
    if kind not in ctx.catalog:
        known = ", ".join(k.kind for k in ctx.catalog.kinds)
        raise InvalidInput(
            _("Unknown justificatif kind {kind}; known kinds: {known}.").format(
                kind=repr(kind), known=known
            ),
            field="kind",
            value=kind,
        )
    req = ctx.catalog.get(kind).requirement(
        company=client.is_company, en_formation=client.en_formation
    )
    if req is Requirement.NOT_APPLICABLE:
        if client.is_company:
            text = _("{kind} does not apply to a company.")
        else:
            text = _("{kind} does not apply to an individual entrepreneur.")
        raise InvalidInput(
            text.format(kind=kind),
            field="kind",
            value=kind,
        )


def attach_file(ctx: Context, dossier: Dossier, kind: str, data: bytes, filename: str) -> int:
    """Store ``data`` (content-addressed) and add it as the next revision of ``kind``.

    Runs inside the caller's transaction; returns the revision number.
    """
    assert dossier.id is not None
    _refuse_invalidated_again(ctx, dossier.id, kind, data)
    stored = ctx.files.put(data, filename=filename)
    now = ctx.now()
    ctx.store.record_blob(stored.sha256, stored.size, stored.content_type, now)
    previous = ctx.store.latest_revisions(dossier.id).get(kind)
    revision = previous.revision + 1 if previous else 1
    ctx.store.insert_revision(
        JustificatifRevision(
            dossier_id=dossier.id,
            kind=kind,
            revision=revision,
            state=JustificatifState.SUBMITTED,
            sha256=stored.sha256,
            filename=_display_name(filename),
            content_type=stored.content_type,
            size=stored.size,
            submitted_at=now,
        )
    )
    ctx.event(
        "justificatif.submitted",
        dossier,
        {"kind": kind, "revision": revision, "sha256": stored.sha256},
    )
    return revision


def _refuse_invalidated_again(ctx: Context, dossier_id: int, kind: str, data: bytes) -> None:
    """The very file of a revision already invalidated is not a new revision."""
    sha256 = hashlib.sha256(data).hexdigest()
    before = ctx.store.invalidated_revision_with(dossier_id, sha256)
    if before is not None:
        raise JustificatifRejected(
            _(
                "{kind}: this file is the one already invalidated as revision {revision} "
                "of {earlier} ({reason}); send a corrected file."
            ).format(
                kind=kind, revision=before.revision, earlier=before.kind, reason=before.reason
            ),
            field="file",
            value=sha256,
        )


def _display_name(filename: str) -> str:
    """The last component of what the person called the file (metadata only)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "fichier"


def add_justificatif(
    ctx: Context,
    dossier_id: int,
    kind: str,
    file: str | Path | bytes,
    filename: str | None = None,
) -> PieceView:
    """A new file for one piece of a dossier (a new revision when one exists).

    ``file`` is a path, or the bytes themselves with their ``filename``.
    """
    data, filename = _read_piece(ctx, file, filename)
    ctx.files.check(data, filename=_display_name(filename))
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        client = ctx.client(dossier.client_id)
        _check_kind(ctx, client, kind)
        if not dossier.status.open_for_review:
            raise Refused(
                _("{where}: it takes no more pieces.").format(where=dossier.where),
                dossier_id=dossier_id,
                status=dossier.status,
            )
        attach_file(ctx, dossier, kind, data, filename)
    return next(p for p in pieces(ctx, dossier, client) if p.kind == kind)


def _read_piece(ctx: Context, file: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(file, bytes):
        return file, filename or "document"
    return read_piece_file(ctx, file), filename or Path(file).name


def read_piece_file(ctx: Context, path: str | Path, *, field: str | None = None) -> bytes:
    """The bytes of a justificatif a person named: a regular file within ``[files] max_mb``."""
    from ..inputs import read_file

    limit = int(ctx.settings.files.max_mb * 1024 * 1024)
    return read_file(
        path, limit=limit, what="a justificatif", error=JustificatifRejected, field=field
    )


def check_piece_file(ctx: Context, path: str | Path, *, field: str | None = None) -> str:
    """The content type of the justificatif at ``path``, checked as a request would check
    it (a readable regular file, within the size limit, a PDF, JPEG or PNG by its
    content); :class:`~domicili.errors.JustificatifRejected` with the reason otherwise."""
    data = read_piece_file(ctx, path, field=field)
    return ctx.files.check(data, filename=Path(path).name)


def piece_file(
    ctx: Context, dossier_id: int, kind: str, revision: int | None = None
) -> tuple[JustificatifRevision, bytes]:
    """A submitted file of a dossier (the latest revision unless one is named)."""
    dossier = ctx.dossier(dossier_id)
    assert dossier.id is not None
    revisions = [r for r in ctx.store.revisions(dossier.id) if r.kind == kind]
    if revision is not None:
        revisions = [r for r in revisions if r.revision == revision]
    if not revisions:
        raise PieceNotFound(dossier_id, kind, revision)
    found = revisions[-1]
    return found, ctx.files.read(found.sha256)


def review(
    ctx: Context,
    dossier_id: int,
    *,
    validate: list[str] | tuple[str, ...] = (),
    invalidate: dict[str, str] | None = None,
    seen: dict[str, int] | None = None,
) -> list[PieceView]:
    """One review save: mark pieces validated / invalidated, then one recap to the client.

    ``seen`` maps a kind to the revision the reviewer opened: the save is refused if a
    newer one arrived meanwhile, so a decision never lands on a file nobody looked at.
    """
    invalidate = invalidate or {}
    seen = seen or {}
    _check_save(validate, invalidate)
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        client = ctx.client(dossier.client_id)
        if not dossier.status.open_for_review:
            raise Refused(
                _("{where}: its pieces can no longer be reviewed.").format(where=dossier.where),
                dossier_id=dossier_id,
                status=dossier.status,
            )
        latest = ctx.store.latest_revisions(dossier_id)
        now = ctx.now()
        changes: list[tuple[str, JustificatifState, str | None]] = [
            (k, JustificatifState.VALIDATED, None) for k in validate
        ]
        changes += [(k, JustificatifState.INVALIDATED, r.strip()) for k, r in invalidate.items()]
        for kind, state, why in changes:
            _check_kind(ctx, client, kind)
            rev = latest.get(kind)
            if rev is None or rev.id is None:
                raise Refused(
                    _(
                        "{kind}: no file received yet for dossier {dossier_id}; nothing to review."
                    ).format(kind=kind, dossier_id=dossier_id),
                    dossier_id=dossier_id,
                    status=dossier.status,
                )
            if kind in seen and not 1 <= seen[kind] <= rev.revision:
                raise Refused(
                    _(
                        "{kind}: dossier {dossier_id} has no revision {seen} (the latest is "
                        "{revision}); nothing was saved."
                    ).format(
                        kind=kind, dossier_id=dossier_id, seen=seen[kind], revision=rev.revision
                    ),
                    dossier_id=dossier_id,
                    status=dossier.status,
                )
            if kind in seen and seen[kind] != rev.revision:
                raise NewerRevision(dossier_id, kind, rev.revision, seen[kind])
            ctx.store.update_revision(rev.id, state=state, reason=why, reviewed_at=now)
        ctx.event(
            "justificatif.reviewed",
            dossier,
            {"validated": sorted(validate), "invalidated": dict(sorted(invalidate.items()))},
        )
        views = pieces(ctx, dossier, client)
        _send_recap(ctx, dossier, client, views)
    return views


def _check_save(validate: list[str] | tuple[str, ...], invalidate: dict[str, str]) -> None:
    """A review save names something, never one kind twice, and gives every reason."""
    if not validate and not invalidate:
        raise InvalidInput(_("Nothing to save: validate or invalidate at least one piece."))
    both = set(validate) & set(invalidate)
    if both:
        raise InvalidInput(
            _("{listed}: cannot be validated and invalidated in the same save.").format(
                listed=", ".join(sorted(both))
            )
        )
    for kind, reason in invalidate.items():
        if not reason or not reason.strip():
            raise InvalidInput(
                _("{kind}: an invalidation needs a reason the client can act on.").format(
                    kind=kind
                ),
                field="invalidate",
                value=kind,
            )


def _send_recap(ctx: Context, dossier: Dossier, client: Client, views: list[PieceView]) -> None:
    """The one recap email of a review save: every piece, and what to send again."""
    provider = ctx.provider(dossier.provider_id)
    wanted = [
        p
        for p in views
        if p.requirement in ("before_acceptance",) and p.state in ("missing", "invalidated")
    ]
    ctx.notify(
        "justificatif_recap",
        "email",
        client.email,
        dossier=dossier,
        client=client,
        provider=provider,
        pieces=views,
        to_send=wanted,
        any_invalidated=any(p.state == "invalidated" for p in views),
        checking=any(p.required and p.state == "submitted" for p in views),
    )
