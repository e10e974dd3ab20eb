"""Poison records of every kind the worker must dead-letter, each with the reason it must carry.

Every poison record has a key of its own (``POISON-<kind>-<n>``), so the good traffic's keys never
wait behind or follow it, and the verdict can tell it apart in the dead-letter topic.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Event = dict[str, Any]
Mutation = Callable[[Event], Event]

#: Worker settings the poison kinds rely on (the campaign starts every worker with them).
LIMIT_SETTINGS = {"CDPW_MAX_VALUE_BYTES": "65536", "CDPW_MAX_ORDER_LINES": "50"}
OVERSIZE_BYTES = 70_000


@dataclass(frozen=True)
class PoisonKind:
    """A way to spoil a record and the dead-letter reason it must end with."""

    name: str
    reason: str
    base: str  # "placed" (a Stream order) or "imported" (a Batch order)
    spoil: Callable[[Event], bytes | None]


def _json(event: Event) -> bytes:
    return json.dumps(event).encode()


def _edit(change: Mutation) -> Callable[[Event], bytes | None]:
    def spoil(event: Event) -> bytes | None:
        return _json(change(copy.deepcopy(event)))

    return spoil


def _set(event: Event, path: str, value: object) -> Event:
    *parents, last = path.split(".")
    target: Any = event
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return event


def _drop_order_id(event: Event) -> Event:
    del event["order"]["order_id"]
    return event


def _many_lines(event: Event) -> Event:
    line = event["order"]["lines"][0]
    event["order"]["lines"] = [{**line, "line_id": f"{line['line_id']}-{n}"} for n in range(60)]
    return event


def _padded(event: Event) -> bytes:
    text = _json(event)
    return text + b" " * (OVERSIZE_BYTES - len(text))


KINDS = (
    PoisonKind("corrupt_json", "decode", "placed", lambda e: _json(e)[: len(_json(e)) // 2]),
    PoisonKind("not_an_object", "decode", "placed", lambda e: b"[1, 2, 3]"),
    PoisonKind("tombstone", "empty", "placed", lambda e: None),
    PoisonKind("unknown_event_type", "unknown_schema", "placed",
               _edit(lambda e: _set(e, "event_type", "OrderTeleported"))),
    PoisonKind("missing_field", "invalid", "placed", _edit(_drop_order_id)),
    PoisonKind("wrong_type", "invalid", "placed", _edit(lambda e: _set(e, "order.lines.0.quantity", "two"))),
    PoisonKind("bad_currency", "invalid", "placed", _edit(lambda e: _set(e, "order.currency", "EURO"))),
    PoisonKind("negative_quantity", "invalid", "placed",
               _edit(lambda e: _set(e, "order.lines.0.quantity", -2))),
    PoisonKind("oversize_value", "limit", "placed", _padded),
    PoisonKind("too_many_lines", "limit", "placed", _edit(_many_lines)),
    PoisonKind("too_many_extension_keys", "limit", "imported",
               _edit(lambda e: _set(e, "order.extensions", {f"attr{n}": n for n in range(150)}))),
    PoisonKind("overlong_string", "limit", "placed",
               _edit(lambda e: _set(e, "order.lines.0.name", "n" * 5000))),
    PoisonKind("cdp_400_channel", "rejected", "placed",
               _edit(lambda e: _set(e, "context.channel", "TELEPATHY"))),
    PoisonKind("cdp_extension_limits", "extension_limits", "imported",
               _edit(lambda e: _set(e, "order.extensions", {f"attr{n}": n for n in range(60)}))),
    PoisonKind("batch_error_line", "batch_record_failed", "imported",
               _edit(lambda e: _set(e, "order.payment", {"type": "Card", "card_type": "Amex"}))),
)  # fmt: skip
REASONS = {kind.name: kind.reason for kind in KINDS}


@dataclass(frozen=True)
class PoisonRecord:
    """One poison record to produce."""

    kind: str
    key: str
    value: bytes | None


def own_guest(base: Event, kind: str, n: int) -> Event:
    """``base`` moved to a guest, event id and order id nobody else uses."""
    event = copy.deepcopy(base)
    email = f"poison.{kind.replace('_', '-')}.{n}@example.com"
    event["event_id"] = str(uuid.uuid4())
    event["guest"] = {**event["guest"], "customer_id": f"POISON-{kind}-{n}", "email": email,
                      "identifiers": [{"provider": "email", "id": email}], "browser_id": None}  # fmt: skip
    order_id = f"POISON-{kind}-{n}".upper()
    event["order"]["order_id"] = order_id
    for index, line in enumerate(event["order"]["lines"]):
        line["line_id"] = f"{order_id}-L{index}"
    return event


def poison_records(bases: dict[str, Event], per_kind: int) -> list[PoisonRecord]:
    """``per_kind`` records of every kind, built from a good ``placed`` and ``imported`` event."""
    found = []
    for kind in KINDS:
        for n in range(1, per_kind + 1):
            event = own_guest(bases[kind.base], kind.name, n)
            found.append(PoisonRecord(kind.name, f"POISON-{kind.name}-{n}", kind.spoil(event)))
    return found
