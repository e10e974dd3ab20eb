"""Stream messages: one event as compact JSON with exact decimal money, URL-encoded.  [pure]

orjson cannot write a :class:`~decimal.Decimal` as a number, and ``float`` would turn ``0.10`` into
``0.1`` or worse; money is therefore rendered by hand as a JSON number with exactly its digits
(``129.95``, ``0.00``), everything else by orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from urllib.parse import quote

import orjson

from worker.plans import Step, StreamContext


def common_attributes(context: StreamContext, browser_id: str) -> dict[str, object]:
    """The seven attributes every direct-HTTP event carries (cdp-api.md §2.3)."""
    return {
        "channel": context.channel,
        "language": context.language,
        "currency": context.currency,
        "page": context.page,
        "pos": context.pos,
        "browser_id": browser_id,
    }


def event_message(step: Step, context: StreamContext, browser_id: str) -> dict[str, object]:
    """The full Stream event of ``step``: ``type``, the common attributes, then the step's own."""
    return {"type": step.event.value, **common_attributes(context, browser_id), **step.attributes}


def to_json(value: object) -> str:
    """Compact JSON of ``value``; a Decimal becomes a number with its exact digits, never a float."""
    return _ENCODERS.get(type(value), _plain)(value)


def _decimal(value: object) -> str:
    assert isinstance(value, Decimal)
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return format(value, "f")


def _object(value: object) -> str:
    assert isinstance(value, Mapping)
    parts = (f"{orjson.dumps(str(key)).decode()}:{to_json(item)}" for key, item in value.items())
    return "{" + ",".join(parts) + "}"


def _array(value: object) -> str:
    assert isinstance(value, list | tuple)
    return "[" + ",".join(to_json(item) for item in value) + "]"


def _plain(value: object) -> str:
    if isinstance(value, Mapping):
        return _object(value)
    return orjson.dumps(value).decode()


_ENCODERS: dict[type, Callable[[object], str]] = {
    Decimal: _decimal,
    dict: _object,
    list: _array,
    tuple: _array,
}


def url_encoded(message: Mapping[str, object]) -> str:
    """``message`` as JSON, percent-encoded like ``encodeURIComponent`` (UTF-8, spaces as ``%20``)."""
    return quote(to_json(message), safe="-_.!~*'()")
