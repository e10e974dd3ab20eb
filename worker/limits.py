"""Input limits: records too large or too wide for the worker are dead-lettered before any mapping.

A :class:`LimitedDecoder` wraps the wire-format decoder. It refuses a value longer than
``max_value_bytes`` before parsing it, then walks the decoded event and refuses one whose line
tuples (``lines``, ``remaining_lines``) hold more than ``max_order_lines`` entries, whose
``extensions`` mappings hold more than ``max_extension_keys`` keys, or whose strings (extension
keys and values included) exceed ``max_string_length`` characters. Every refusal is a
:class:`LimitError` (reason ``limit``, stage ``limits``) whose message names the field, the size
and the limit, so the dead letter says what to fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from worker.codec import Decoder
from worker.errors import PermanentError
from worker.events import Event

Headers = Sequence[tuple[str, bytes | None]]


class LimitError(PermanentError):
    """The record exceeds an input limit; it can never succeed as it is."""

    reason = "limit"
    stage = "limits"

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Limits:
    """The bounds a record must respect (from ``CDPW_MAX_*``)."""

    max_value_bytes: int = 1_048_576
    max_order_lines: int = 500
    #: Above CDP's own caps (50 Batch, 100 REST): the mapping layer explains those with CDP's rule.
    max_extension_keys: int = 100
    max_string_length: int = 4096


#: Names of event fields that hold order or cart lines.
LINE_FIELDS = frozenset({"lines", "remaining_lines"})


def check_value(value: bytes | None, limits: Limits) -> None:
    """Raise :class:`LimitError` when the raw value is larger than allowed."""
    size = len(value or b"")
    if size > limits.max_value_bytes:
        raise LimitError(f"value of {size} bytes exceeds the limit of {limits.max_value_bytes} bytes")


def check_event(event: object, limits: Limits) -> None:
    """Raise :class:`LimitError` for the first field of ``event`` that breaks a limit."""
    for problem in _problems(event, "", limits):
        raise LimitError(*problem)


Problem = tuple[str, str]


Walk = Callable[[object, str, "Limits"], Iterator[Problem]]

#: Per-type caches (event types are few): the walk of a type, and a dataclass's field names.
_WALK_OF: dict[type, Walk | None] = {}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _problems(value: object, path: str, limits: Limits) -> Iterator[Problem]:
    walk = _walk_of(type(value))
    return walk(value, path, limits) if walk is not None else iter(())


def _walk_of(kind: type) -> Walk | None:
    """How a value of type ``kind`` is walked (None: a leaf with no limit), decided once per type."""
    if kind not in _WALK_OF:
        _WALK_OF[kind] = next((walk for base, walk in _WALKS if issubclass(kind, base)), None)
    return _WALK_OF[kind]


def _walk_string(value: object, path: str, limits: Limits) -> Iterator[Problem]:
    assert isinstance(value, str)
    if len(value) > limits.max_string_length:
        yield f"string of {len(value)} characters exceeds the limit of {limits.max_string_length}", path


def _walk_dataclass(value: object, path: str, limits: Limits) -> Iterator[Problem]:
    for name in _field_names(type(value)):
        child = getattr(value, name)
        where = f"{path}.{name}" if path else name
        if name in LINE_FIELDS and len(child) > limits.max_order_lines:
            yield f"{len(child)} lines exceed the limit of {limits.max_order_lines}", where
        if name == "extensions" and len(child) > limits.max_extension_keys:
            yield f"{len(child)} extension keys exceed the limit of {limits.max_extension_keys}", where
        yield from _problems(child, where, limits)


def _field_names(kind: type) -> tuple[str, ...]:
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(item.name for item in dataclasses.fields(kind))
    return _FIELD_NAMES[kind]


def _walk_sequence(value: object, path: str, limits: Limits) -> Iterator[Problem]:
    assert isinstance(value, tuple | list)
    for index, child in enumerate(value):
        yield from _problems(child, f"{path}[{index}]", limits)


def _walk_mapping(value: object, path: str, limits: Limits) -> Iterator[Problem]:
    assert isinstance(value, Mapping)
    for key, child in value.items():
        yield from _problems(key, f"{path} key", limits)
        yield from _problems(child, f"{path}.{key}", limits)


class _IsDataclass(type):
    def __subclasscheck__(cls, subclass: type) -> bool:
        return dataclasses.is_dataclass(subclass)


class _AnyDataclass(metaclass=_IsDataclass):
    """``issubclass(t, _AnyDataclass)``: ``t`` is a dataclass (so its instances are walked by field)."""


_WALKS: tuple[tuple[type, Walk], ...] = (
    (str, _walk_string),
    (_AnyDataclass, _walk_dataclass),
    (tuple, _walk_sequence),
    (list, _walk_sequence),
    (Mapping, _walk_mapping),
)


class LimitedDecoder:
    """A :class:`~worker.codec.Decoder` that enforces :class:`Limits` around another decoder."""

    def __init__(self, inner: Decoder, limits: Limits) -> None:
        self._inner = inner
        self._limits = limits

    def decode(self, value: bytes | None, headers: Headers | None) -> Event:
        """The inner decoder's event; :class:`LimitError` when the value or the event is out of bounds."""
        check_value(value, self._limits)
        event = self._inner.decode(value, headers)
        check_event(event, self._limits)
        return event
