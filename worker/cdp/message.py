"""Stream messages: one event as compact JSON with exact decimal money, URL-encoded.  [pure]

orjson cannot write a :class:`~decimal.Decimal` as a number, and ``float`` would turn ``0.10`` into
``0.1`` or worse; money is therefore rendered by hand as a JSON number with exactly its digits
(``129.95``, ``0.00``), everything else by orjson.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from decimal import Decimal

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
    """Compact JSON of ``value``; a Decimal becomes a number with its exact digits, never a float.

    One orjson pass over the whole value (orjson writes dicts, lists, tuples and leaves itself;
    :func:`_fallback` hands it a Decimal as a ready-made JSON number and any other Mapping as a
    dict). Keys are written as text (``str``, and orjson's own rendering of non-``str`` keys).
    Raises ``ValueError`` for a non-finite Decimal and ``TypeError`` for a value orjson cannot write.
    """
    try:
        return orjson.dumps(value, default=_fallback, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError as error:
        if isinstance(error.__cause__, ValueError):
            raise error.__cause__ from None
        raise


def _fallback(value: object) -> object:
    """What orjson writes in place of a value it has no rule for: exact money, a Mapping's items."""
    if isinstance(value, Decimal):
        return orjson.Fragment(_decimal(value))
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return format(value, "f")


#: The characters ``encodeURIComponent`` leaves as they are (ASCII letters, digits and these).
URI_COMPONENT_SAFE = "-_.!~*'()"


def url_encoded(message: Mapping[str, object]) -> str:
    """``message`` as JSON, percent-encoded like ``encodeURIComponent`` (UTF-8, spaces as ``%20``).

    The same text as ``urllib.parse.quote(json, safe=URI_COMPONENT_SAFE)``, by one ``str.translate``
    over the UTF-8 bytes (each byte as one latin-1 character) instead of quote's per-byte Python loop.
    """
    raw = to_json(message).encode("utf-8").decode("latin-1")
    return raw.translate(_percent_table())


@functools.cache
def _percent_table() -> tuple[str, ...]:
    """Byte value → its encoded form: itself when safe, else ``%XX`` (upper-case hex, as quote)."""
    safe = frozenset(string.ascii_letters + string.digits + URI_COMPONENT_SAFE)
    return tuple(chr(byte) if chr(byte) in safe else f"%{byte:02X}" for byte in range(256))
