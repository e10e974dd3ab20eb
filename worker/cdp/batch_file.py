"""Batch files and records: actions → NDJSON lines, gzip, MD5/size, error-log lines (cdp-api.md §3).  [pure]

* :func:`batch_record` renders an :class:`~worker.mapping.corrections.Action` as one Batch record
  (``{ref, schema, mode, value}``): an order ``upsert`` with inline contact, items and extensions, or
  an order ``delete`` (``referenceId`` + ``orderedAt``, matched within 24 hours).
* :func:`record_ref` is the record's UUID v5 (CDP asks for version 3 or 5), stable per Kafka record.
* :func:`pack` gzips lines into one file and gives its lower-case hex MD5, base64 Content-MD5 and size.
* :func:`parse_log` reads the gzipped NDJSON error log into ``ref → LogLine``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from worker.cdp.message import to_json
from worker.mapping.corrections import Action, Delete, InvalidOrderError, OrderDoc

#: Namespace of record refs: uuid5(namespace, "topic/partition/offset/event id").
RECORD_NAMESPACE = uuid.UUID("3f0b6c7e-2a59-5d1e-8c4b-9e7a1d2f6b30")


@dataclass(frozen=True)
class PackedFile:
    """A gzipped Batch file ready to allocate and upload."""

    data: bytes
    checksum: str
    content_md5: str
    size: int


@dataclass(frozen=True)
class LogLine:
    """One line of a Batch error log: the failed record's ``ref``, ``code`` and ``message``."""

    ref: str
    code: str
    message: str
    raw: str


def record_ref(topic: str, partition: int, offset: int, event_id: str) -> str:
    """The record's Batch ``ref``: a version-5 UUID, the same every time this Kafka record is sent."""
    return str(uuid.uuid5(RECORD_NAMESPACE, f"{topic}/{partition}/{offset}/{event_id}"))


def batch_record(ref: str, action: Action) -> dict[str, object]:
    """The Batch record of ``action``; :class:`InvalidOrderError` when Batch cannot carry it."""
    if isinstance(action, Delete):
        value = {"referenceId": action.reference_id, "orderedAt": action.ordered_at}
        return {"ref": ref, "schema": "order", "mode": "delete", "value": value}
    return {"ref": ref, "schema": "order", "mode": "upsert", "value": order_value(action.order)}


def order_value(doc: OrderDoc) -> dict[str, object]:
    """The Batch order (§3.7): REST fields plus contact, items (§3.8) and ``ext`` extensions (§3.9)."""
    if doc.contact is None:
        raise InvalidOrderError(f"order {doc.reference_id}: Batch needs a contact (the guest is anonymous)")
    value = dict(doc.fields)
    value["contact"] = batch_contact(doc.contact)
    vendor = str(doc.fields.get("pointOfSale", "")) or "unknown"
    value["orderItems"] = [_item(item.fields, item.extensions, vendor) for item in doc.items]
    if doc.extensions:
        value["extensions"] = [extension(doc.extensions)]
    return value


def _item(fields: Mapping[str, object], ext: Mapping[str, object], vendor: str) -> dict[str, object]:
    # Batch items require description and vendor, which the commerce events do not carry: the
    # item name and the point of sale stand in for them.
    item = {**fields, "description": fields["name"], "vendor": vendor}
    if ext:
        item["extensions"] = [extension(ext)]
    return item


def extension(values: Mapping[str, object]) -> dict[str, object]:
    """The one Batch data extension object: ``{"name": "ext", "key": "default", ...}``."""
    return {"name": "ext", "key": "default", **values}


def batch_contact(contact: Mapping[str, object]) -> dict[str, object]:
    """A REST contact in Batch spelling: ``email`` (one string) instead of ``emails``."""
    found = {k: v for k, v in contact.items() if k != "emails"}
    emails = contact.get("emails")
    if isinstance(emails, list) and emails:
        found["email"] = emails[0]
    return found


def ndjson_line(record: Mapping[str, object]) -> bytes:
    """One minified JSON line, newline-terminated, exact decimals."""
    return to_json(record).encode() + b"\n"


def pack(lines: Iterable[bytes]) -> PackedFile:
    """Gzip ``lines`` into one file (one member, fixed mtime) with its checksums and size."""
    data = gzip.compress(b"".join(lines), compresslevel=6, mtime=0)
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    return PackedFile(data, digest.hex(), base64.b64encode(digest).decode(), len(data))


def parse_log(data: bytes) -> dict[str, LogLine]:
    """The error log (gzipped NDJSON) as ``ref → line``; unreadable lines are kept under ``"null"``."""
    text = gzip.decompress(data).decode("utf-8", "replace") if data[:2] == b"\x1f\x8b" else data.decode()
    found: dict[str, LogLine] = {}
    for raw in text.splitlines():
        if raw.strip():
            line = _log_line(raw)
            found[line.ref] = line
    return found


def _log_line(raw: str) -> LogLine:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return LogLine("null", "", raw, raw)
    if not isinstance(data, dict):
        return LogLine("null", "", raw, raw)
    return LogLine(str(data.get("ref")), str(data.get("code", "")), str(data.get("message", "")), raw)
