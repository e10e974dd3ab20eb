"""Event → plain data: the JSON form (strings for money and times) and the Avro datum form."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal

from worker.events.model import Event

Leaf = Callable[[object], object]


def event_to_dict(event: Event) -> dict[str, object]:
    """The JSON form of ``event``: Decimal → ``"19.90"``, datetime → ISO 8601 with offset.

    ``event_from_dict(event_to_dict(e)) == e`` for every valid event.
    """
    return _record(event, _json_leaf)


def event_to_record(event: Event) -> dict[str, object]:
    """The Avro datum of ``event`` (Decimal and datetime kept) for fastavro's writers."""
    return _record(event, _avro_leaf)


def field_value(event: Event, dotted: str) -> str | None:
    """The text of a scalar field named by a dotted path (``order.order_id``), None if absent or null.

    Used to derive ordering keys from events; a path that names an object gives None.
    """
    value: object = event
    for name in dotted.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    if is_dataclass(value) or isinstance(value, tuple | Mapping):
        return None
    return str(_json_leaf(value))


def _record(item: object, leaf: Leaf) -> dict[str, object]:
    return {spec.name: _plain(getattr(item, spec.name), leaf) for spec in fields(item)}  # type: ignore[arg-type]  # item is always a dataclass instance here


def _plain(value: object, leaf: Leaf) -> object:
    if is_dataclass(value):
        return _record(value, leaf)
    if isinstance(value, tuple):
        return [_plain(item, leaf) for item in value]
    if isinstance(value, Mapping):
        return dict(value)
    return leaf(value)


def _json_leaf(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return _avro_leaf(value)


def _avro_leaf(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value
