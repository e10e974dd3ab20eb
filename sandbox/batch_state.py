"""A Batch upload's life: its document, the legal status transitions and its public views (pure).

``uploading → file_uploaded → processing → success | error`` or ``file_uploaded → corrupted | error``
(cdp-api.md §3.3). ``file_uploaded`` is shown by the inspect endpoints only; the plain status
endpoint still says ``uploading`` then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

TERMINAL = frozenset({"success", "error", "corrupted"})
IN_FLIGHT = frozenset({"file_uploaded", "processing"})
_NEXT: dict[str, frozenset[str]] = {
    "uploading": frozenset({"file_uploaded"}),
    "file_uploaded": frozenset({"processing", "corrupted", "error"}),
    "processing": frozenset({"success", "error"}),
}


@dataclasses.dataclass(frozen=True)
class Stats:
    """What processing measured (key names are [U]; see the README)."""

    time_taken_ms: int
    records_read: int
    records_succeeded: int
    records_failed: int

    def as_json(self) -> dict[str, int]:
        """The ``stats`` object of a status response."""
        return {
            "timeTakenMs": self.time_taken_ms,
            "totalRecords": self.records_read,
            "successCount": self.records_succeeded,
            "failureCount": self.records_failed,
        }


@dataclasses.dataclass(frozen=True)
class Batch:
    """One allocated batch. ``token`` names its upload URL and error log; ``expiry_epoch`` ends the URL."""

    ref: str
    checksum: str
    size: int
    status: str
    token: str
    expiry: str
    expiry_epoch: float
    created_at: str
    modified_at: str
    stats: Stats | None = None
    has_log: bool = False

    def moved_to(self, status: str, now: str, stats: Stats | None = None, has_log: bool = False) -> Batch:
        """This batch in ``status``; raises ValueError for a transition the life cycle forbids."""
        if status not in _NEXT.get(self.status, frozenset()):
            raise ValueError(f"batch {self.ref}: {self.status} → {status} is not allowed")
        return dataclasses.replace(self, status=status, modified_at=now, stats=stats, has_log=has_log)


def to_doc(batch: Batch) -> dict[str, object]:
    """``batch`` as the JSON document kept in the store's ``batches`` table."""
    doc = dataclasses.asdict(batch)
    doc["stats"] = None if batch.stats is None else dataclasses.asdict(batch.stats)
    return doc


def from_doc(doc: Mapping[str, object]) -> Batch:
    """The inverse of :func:`to_doc`."""
    values = dict(doc)
    stats = values.pop("stats", None)
    values["expiry_epoch"] = float(str(values["expiry_epoch"]))  # jsonio reads floats back as Decimal
    batch = Batch(**values)  # type: ignore[arg-type]  # the document was written by to_doc
    return dataclasses.replace(batch, stats=Stats(**stats) if isinstance(stats, dict) else None)


def public_code(batch: Batch, inspect: bool) -> str:
    """The ``status.code`` a caller sees (``file_uploaded`` only through inspect endpoints)."""
    return "uploading" if batch.status == "file_uploaded" and not inspect else batch.status


def status_view(batch: Batch, base: str, inspect: bool) -> dict[str, object]:
    """The allocate/status/inspect response body; ``base`` is the sandbox's own URL root."""
    status: dict[str, object] = {"code": public_code(batch, inspect)}
    if batch.has_log:
        status["log"] = f"{base}/_batchlog/{batch.token}"
    view: dict[str, object] = {
        "href": f"{base}/v2/batches/{batch.ref}",
        "ref": batch.ref,
        "checksum": batch.checksum,
        "size": batch.size,
        "location": {"href": f"{base}/_upload/{batch.token}", "expiry": batch.expiry},
        "status": status,
        "createdAt": batch.created_at,
        "modifiedAt": batch.modified_at,
    }
    if batch.stats is not None:
        view["stats"] = batch.stats.as_json()
    return view


def list_item(batch: Batch, base: str) -> dict[str, object]:
    """One entry of ``GET /v2/batches/inspect``."""
    item: dict[str, object] = {
        "href": f"{base}/v2/batches/{batch.ref}",
        "ref": batch.ref,
        "status": batch.status,
        "createdAt": batch.created_at,
        "modifiedAt": batch.modified_at,
    }
    if batch.has_log:
        item["log"] = f"{base}/_batchlog/{batch.token}"
    return item
