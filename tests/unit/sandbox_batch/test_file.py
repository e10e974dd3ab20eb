"""Batch file checks: checksum and size, Content-MD5, gunzip, NDJSON envelope (pure)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid

import orjson
import pytest

from sandbox.batch_file import (
    LogLine,
    Record,
    content_md5_digest,
    gunzip,
    gzip_lines,
    is_intact,
    md5_hex,
    parse_line,
    split_lines,
)

V5 = str(uuid.uuid5(uuid.NAMESPACE_DNS, "example.com"))
V4 = str(uuid.uuid4())


def _line(**fields: object) -> bytes:
    envelope: dict[str, object] = {"ref": V5, "schema": "order", "mode": "insert", "value": {}}
    return orjson.dumps(envelope | fields)


def test_intact_needs_lower_case_hex_md5_and_exact_size() -> None:
    data = gzip.compress(b"{}\n")
    assert is_intact(data, md5_hex(data), len(data))
    assert not is_intact(data, md5_hex(data).upper(), len(data))
    assert not is_intact(data, md5_hex(data), len(data) + 1)


def test_content_md5_is_base64_of_the_raw_digest() -> None:
    digest = hashlib.md5(b"x", usedforsecurity=False).digest()
    assert content_md5_digest(base64.b64encode(digest).decode()) == digest
    assert content_md5_digest(digest.hex()) is None
    assert content_md5_digest(None) is None


def test_gunzip_reads_one_member_and_refuses_zip_and_oversize() -> None:
    assert gunzip(gzip.compress(b"abc"), 10) == b"abc"
    assert gunzip(b"PK\x03\x04rest", 10) is None
    assert gunzip(gzip.compress(b"a" * 11), 10) is None
    assert gunzip(gzip.compress(b"a") + gzip.compress(b"b"), 10) is None


def test_gzip_lines_round_trips_through_split_lines() -> None:
    text = gunzip(gzip_lines([b"one", b"two"]), 100)
    assert text is not None
    assert split_lines(text + b"\n\n") == [b"one", b"two"]


def test_parse_line_accepts_a_well_formed_record() -> None:
    assert parse_line(_line(), v3_v5_only=True) == Record(V5, "order", "insert", {})


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"ref": ', LogLine("null", 400, "Failed to parse import line")),
        (b"[1, 2]", LogLine("null", 400, "Failed to parse import line")),
        (_line(ref=V4), LogLine(V4, 400, "Validation error: ref must be a version 3 or 5 UUID")),
        (_line(schema="tracking"), LogLine(V5, 400, "Validation error: unknown schema 'tracking'")),
        (_line(mode="merge"), LogLine(V5, 402, "Unsupported mode 'merge' for schema order")),
        (
            _line(schema="guest", mode="insert"),
            LogLine(V5, 402, "Unsupported mode 'insert' for schema guest"),
        ),
        (_line(value=[]), LogLine(V5, 400, "Validation error: value must be an object")),
    ],
    ids=["truncated", "not-object", "v4-ref", "schema", "order-merge", "guest-insert", "value"],
)
def test_parse_line_names_the_fault(line: bytes, expected: LogLine) -> None:
    assert parse_line(line, v3_v5_only=True) == expected


def test_any_uuid_switch_accepts_version_4_refs() -> None:
    assert isinstance(parse_line(_line(ref=V4), v3_v5_only=False), Record)
