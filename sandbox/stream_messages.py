"""Stream ``message`` parsing: JSON text → :class:`StreamEvent`, validated as cdp-api.md §2.3 to §2.5 say.

Pure: no I/O. Raises :class:`~sandbox.stream_checks.Invalid` for anything CDP answers with 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import orjson

from sandbox import codes
from sandbox import stream_checks as c
from sandbox.config import StrictSwitches
from sandbox.stream_payloads import PAYLOAD_PARSERS, Payload

COMMON = ("channel", "type", "language", "currency", "page", "pos", "browser_id")


@dataclass(frozen=True)
class StreamEvent:
    """A validated Stream event; common attributes may be ``None`` only under the lenient switch."""

    type: str
    browser_id: str
    channel: str | None
    language: str | None
    currency: str | None
    page: str | None
    pos: str | None
    ext: Mapping[str, object] = field(default_factory=dict)
    payload: Payload | None = None


def decode(raw: str, strict: StrictSwitches) -> dict[str, object]:
    """The ``message`` query value as a JSON object (fractions stay floats; checks make them exact)."""
    if len(raw.encode()) > strict.max_message_bytes:
        raise c.Invalid(f"message is larger than {strict.max_message_bytes} bytes")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise c.Invalid(f"message is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise c.Invalid("message must be a JSON object")
    return data


def _channel(data: c.Obj, strict: StrictSwitches, required: bool) -> str | None:
    if strict.channel_enum_enforced:
        return c.one_of(data, "channel", codes.CHANNELS, required=required)
    return c.upper(data, "channel", required=required)


def _event_type(data: c.Obj) -> str:
    value = c.upper(data, "type")
    assert value is not None  # required
    if value.startswith("SC_"):
        raise c.Invalid(f"type {value!r} is reserved (SC_ prefix)")
    return value


def _common(data: c.Obj, strict: StrictSwitches) -> dict[str, str | None]:
    need = strict.require_all_common
    return {
        "channel": _channel(data, strict, need),
        "language": c.coded(data, "language", codes.LANGUAGES, "ISO 639-1 language", required=need),
        "currency": c.coded(data, "currency", codes.CURRENCIES, "ISO 4217 currency", required=need),
        "page": c.text(data, "page", required=need),
        "pos": c.text(data, "pos", required=need),
    }


def parse_event(data: c.Obj, strict: StrictSwitches) -> StreamEvent:
    """Validate a decoded event message. ``browser_id`` and ``type`` are checked first (400 if missing)."""
    browser_id = c.text(data, "browser_id")
    event_type = _event_type(data)
    assert browser_id is not None  # required
    common = _common(data, strict)
    ext = c.ext_attributes(data["ext"]) if "ext" in data else {}
    parser: Callable[[c.Obj, StrictSwitches], Payload] | None = PAYLOAD_PARSERS.get(event_type)
    payload = None if parser is None else parser(data, strict)
    return StreamEvent(type=event_type, browser_id=browser_id, ext=ext, payload=payload, **common)


class ExtTypes:
    """Remembers each ``ext`` attribute's value type per event type (a type change is a conflict)."""

    def __init__(self) -> None:
        self._kinds: dict[tuple[str, str], str] = {}

    def check(self, event_type: str, ext: Mapping[str, object]) -> None:
        """Raise :class:`Invalid` if an attribute changes type; otherwise remember the types."""
        fresh = {}
        for name, value in ext.items():
            kind = c.value_kind(value)
            known = self._kinds.get((event_type, name))
            if known is not None and known != kind:
                raise c.Invalid(f"ext.{name} was {known} in earlier {event_type} events, now {kind}")
            fresh[(event_type, name)] = kind
        self._kinds.update(fresh)

    def clear(self) -> None:
        """Forget every remembered type (``POST /_sandbox/reset``)."""
        self._kinds.clear()
