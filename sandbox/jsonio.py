"""Exact JSON in and out: numbers with a fraction become ``Decimal``, ``Decimal`` goes out as a number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return orjson.Fragment(_plain(value).encode())
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _plain(value: Decimal) -> str:
    """A Decimal as a JSON number literal (no exponent for ordinary money values)."""
    text = format(value, "f")
    return text if value.is_finite() else "null"


def dumps(value: object) -> bytes:
    """Serialise to compact JSON bytes; ``Decimal`` values are written as exact numbers."""
    return orjson.dumps(value, default=_default)


def loads(data: bytes | str) -> Any:
    """Parse JSON; floats are returned as exact ``Decimal`` of their shortest representation."""
    return exact(orjson.loads(data))


def exact(value: Any) -> Any:
    """Replace every float inside ``value`` by ``Decimal(repr(float))`` (round-trips the literal)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [exact(item) for item in value]
    return value
