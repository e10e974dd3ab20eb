"""Pieces shared by the wire formats: headers, empty records, Avro bodies, datum → event.

This is the edge where fastavro errors become :mod:`worker.errors` types; nothing foreign leaks.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import fastavro

from worker.errors import (
    DecodeError,
    EmptyRecordError,
    EncodeError,
    UnknownSchemaError,
    ValidationError,
    WorkerError,
)
from worker.events import Event, event_from_dict, event_to_record

Headers = Sequence[tuple[str, bytes | None]]

#: Header naming the event type of an ``avro`` record (and sent with every encoded record).
EVENT_TYPE_HEADER = "cdpw.event_type"
#: Header naming the schema version an ``avro`` record was written with (default: current).
SCHEMA_VERSION_HEADER = "cdpw.schema_version"


def require_value(value: bytes | None) -> bytes:
    """``value`` itself; EmptyRecordError for a tombstone (None) or an empty value."""
    if value is None:
        raise EmptyRecordError("tombstone (null value) where an event was expected", "")
    if not value:
        raise EmptyRecordError("empty value where an event was expected", "")
    return value


def header(headers: Headers | None, name: str) -> str | None:
    """The text of the last header called ``name``; None when absent or null."""
    found = None
    for key, raw in headers or ():
        if key == name and raw is not None:
            found = raw
    if found is None:
        return None
    try:
        return found.decode("utf-8")
    except UnicodeDecodeError:
        raise UnknownSchemaError(f"header {name} is not UTF-8", "") from None


def read_avro(body: bytes, start: int, writer: dict[str, Any], reader: dict[str, Any] | None) -> Any:
    """The datum in ``body[start:]`` written with ``writer``, resolved to ``reader`` when given.

    The whole body must be consumed; any fastavro failure becomes a DecodeError.
    """
    stream = io.BytesIO(body)
    stream.seek(start)
    try:
        datum = fastavro.schemaless_reader(stream, writer, reader)
    except WorkerError:
        raise
    except Exception as exc:  # fastavro raises EOFError, ValueError, IndexError... on corrupt bodies
        raise DecodeError(f"undecodable Avro body: {type(exc).__name__}: {exc}", "") from exc
    left = len(body) - stream.tell()
    if left:
        raise DecodeError(f"corrupt Avro body: {left} bytes left after the record", "")
    return datum


def write_avro(schema: dict[str, Any], record: Mapping[str, object]) -> bytes:
    """The schemaless Avro body of ``record``; EncodeError when it breaks the schema."""
    stream = io.BytesIO()
    try:
        fastavro.schemaless_writer(stream, schema, record)
    except Exception as exc:  # fastavro raises ValueError, TypeError... on values outside the schema
        raise EncodeError(f"event does not fit its Avro schema: {type(exc).__name__}: {exc}") from exc
    return stream.getvalue()


def to_event(datum: object, event_type: str) -> Event:
    """The validated event of a decoded datum whose schema says it is an ``event_type``."""
    if not isinstance(datum, Mapping):
        raise DecodeError("the record is not an object", "")
    event = event_from_dict(datum)
    if event.event_type != event_type:
        found = f"event_type {event.event_type!r} does not match its schema {event_type!r}"
        raise ValidationError(found, "event_type")
    return event


def type_headers(event: Event, version: int) -> list[tuple[str, bytes]]:
    """The headers that name ``event``'s type and schema version."""
    return [
        (EVENT_TYPE_HEADER, event.event_type.encode()),
        (SCHEMA_VERSION_HEADER, str(version).encode()),
    ]


def checked_record(event: Event) -> dict[str, object]:
    """The Avro datum of ``event`` after checking the event against the contract (EncodeError)."""
    record = event_to_record(event)
    try:
        event_from_dict(record)
    except ValidationError as exc:
        raise EncodeError(f"event breaks the contract: {exc}") from exc
    return record
