"""A Batch API file: integrity checks, gunzip, NDJSON lines and the record envelope (pure).

cdp-api.md §3.2-§3.5: the upload is one gzip member holding newline-delimited, minified JSON
records ``{ref, schema, mode, value}``; its lower-case hex MD5 and byte size must equal what the
allocate call declared, otherwise the batch is ``corrupted``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import hashlib
import uuid
import zlib

import orjson

GZIP_MAGIC = b"\x1f\x8b"
MODES: dict[str, frozenset[str]] = {
    "guest": frozenset({"upsert", "migration", "delete", "gdpr_delete"}),
    "order": frozenset({"insert", "upsert", "delete"}),
}


@dataclasses.dataclass(frozen=True)
class Record:
    """One well-formed line of a batch file."""

    ref: str
    schema: str
    mode: str
    value: dict[str, object]


@dataclasses.dataclass(frozen=True)
class LogLine:
    """One error-log entry: the failed record's ref (``"null"`` when unknown), a code and a reason."""

    ref: str
    code: int
    message: str


def md5_hex(data: bytes) -> str:
    """Lower-case hex MD5 of ``data``: what a correct ``checksum`` declares."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def content_md5_digest(header: str | None) -> bytes | None:
    """The 16 digest bytes a ``Content-MD5`` header carries (base64), or None when malformed."""
    if not header:
        return None
    try:
        digest = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == 16 else None


def is_intact(data: bytes, checksum: str, size: int) -> bool:
    """Whether the uploaded bytes match the declared checksum (exact string) and size."""
    return len(data) == size and md5_hex(data) == checksum


def gunzip(data: bytes, max_bytes: int) -> bytes | None:
    """The single JSON file inside ``data``, or None when it is not one readable gzip member."""
    if not data.startswith(GZIP_MAGIC):
        return None
    inflater = zlib.decompressobj(wbits=31)
    try:
        text = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        return None
    complete = inflater.eof and not inflater.unused_data and len(text) <= max_bytes
    return text if complete else None


def gzip_lines(lines: list[bytes]) -> bytes:
    """``lines`` as a gzipped NDJSON document (each line newline-terminated)."""
    return gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0)


def _is_uuid(text: object, v3_v5_only: bool) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return False
    return parsed.version in (3, 5) if v3_v5_only else True


def _envelope_problem(raw: dict[str, object], v3_v5_only: bool) -> LogLine | None:
    ref = raw.get("ref")
    shown = ref if isinstance(ref, str) else "null"
    if not _is_uuid(ref, v3_v5_only):
        kind = "a version 3 or 5 UUID" if v3_v5_only else "a UUID"
        return LogLine(shown, 400, f"Validation error: ref must be {kind}")
    schema, mode = raw.get("schema"), raw.get("mode")
    if not isinstance(schema, str) or schema not in MODES:
        return LogLine(shown, 400, f"Validation error: unknown schema {schema!r}")
    if not isinstance(mode, str) or mode not in MODES[schema]:
        return LogLine(shown, 402, f"Unsupported mode {mode!r} for schema {schema}")
    if not isinstance(raw.get("value"), dict):
        return LogLine(shown, 400, "Validation error: value must be an object")
    return None


def parse_line(line: bytes, v3_v5_only: bool) -> Record | LogLine:
    """One NDJSON line as a :class:`Record`, or the error-log line it earns."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError:
        return LogLine("null", 400, "Failed to parse import line")
    if not isinstance(raw, dict):
        return LogLine("null", 400, "Failed to parse import line")
    problem = _envelope_problem(raw, v3_v5_only)
    if problem is not None:
        return problem
    value = raw["value"]
    assert isinstance(value, dict)  # checked by _envelope_problem; narrows for mypy
    return Record(str(raw["ref"]), str(raw["schema"]), str(raw["mode"]), value)


def split_lines(text: bytes) -> list[bytes]:
    """Non-blank lines of an NDJSON document."""
    return [line for line in text.split(b"\n") if line.strip()]
