"""Batch records and files (pure): record shapes, UUID v5 refs, gzip + MD5 + size, error-log parsing."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid

import orjson
import pytest

from tests.unit.batch.conftest import EventBuilder
from worker.cdp.batch_file import batch_record, ndjson_line, pack, parse_log, record_ref
from worker.mapping.corrections import InvalidOrderError, Upsert, action_for


def test_record_refs_are_stable_version_5_uuids() -> None:
    ref = record_ref("t", 3, 42, "A-1")
    assert uuid.UUID(ref).version == 5
    assert ref == record_ref("t", 3, 42, "A-1")
    assert ref != record_ref("t", 3, 43, "A-1")


def test_an_upsert_record_carries_contact_items_and_inline_extensions(build: EventBuilder) -> None:
    record = batch_record("r1", action_for(build("OrderImported")))
    assert (record["schema"], record["mode"]) == ("order", "upsert")
    value = record["value"]
    assert isinstance(value, dict)
    assert value["contact"]["email"] == "sato.haruki@example.jp"
    assert "emails" not in value["contact"]
    item = value["orderItems"][0]
    assert item["description"] == item["name"]
    assert item["vendor"]
    line = orjson.loads(ndjson_line(record))
    assert line["ref"] == "r1"


def test_extensions_are_one_ext_object(build: EventBuilder) -> None:
    record = batch_record("r1", action_for(build("OrderUpdated")))
    value = record["value"]
    assert isinstance(value, dict)
    assert value["orderItems"][0]["extensions"] == [
        {"name": "ext", "key": "default", "colour": "black", "discounted": False}
    ]


def test_a_delete_record_names_reference_and_ordered_at(build: EventBuilder) -> None:
    record = batch_record("r1", action_for(build("OrderDeleted")))
    assert record["mode"] == "delete"
    value = record["value"]
    assert isinstance(value, dict)
    assert set(value) == {"referenceId", "orderedAt"}


def test_anonymous_orders_cannot_go_through_batch(build: EventBuilder) -> None:
    event = build("OrderPlaced", **{"guest.anonymous": True, "guest.identifiers": [], "guest.email": None,
                                    "guest.customer_id": None})  # fmt: skip
    action = action_for(event)
    assert isinstance(action, Upsert)
    with pytest.raises(InvalidOrderError, match="contact"):
        batch_record("r1", action)


def test_pack_gives_lower_hex_md5_base64_digest_and_gzip_size() -> None:
    packed = pack([b'{"a":1}\n', b'{"b":2}\n'])
    assert gzip.decompress(packed.data) == b'{"a":1}\n{"b":2}\n'
    digest = hashlib.md5(packed.data, usedforsecurity=False).digest()
    assert packed.checksum == digest.hex()
    assert packed.checksum == packed.checksum.lower()
    assert base64.b64decode(packed.content_md5) == digest
    assert packed.size == len(packed.data)


def test_error_logs_parse_string_and_numeric_codes_and_keep_the_raw_line() -> None:
    raw = (
        b'{"ref":"r1","code":"400","message":"Validation error"}\n'
        b'{"ref":"r2","code":404,"message":"x"}\nnot json\n'
    )
    lines = parse_log(gzip.compress(raw))
    assert lines["r1"].code == "400"
    assert lines["r2"].code == "404"
    assert lines["r1"].raw == '{"ref":"r1","code":"400","message":"Validation error"}'
    assert lines["null"].raw == "not json"
