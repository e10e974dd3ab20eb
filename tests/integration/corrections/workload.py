"""A generated order workload with random corrections, and an independent model of CDP's final state.

Guests (keyed by customer id) place orders; some guests are anonymous or refused tracking (their
orders go to REST/Batch, not Stream); some orders are imported (offline). Each order then receives
0-4 random corrections: status changes, line changes, extension changes, a cancellation, a refund,
or a deletion (the order's last event). Every event carries the order's full state.

The model replays the events on plain dicts, knowing only what each API keeps: a Stream-created order
carries no data extensions (multi-event Stream has nowhere to put them) until a correction writes
the full order; every REST/Batch write makes the order equal the event's state; a deletion removes it.
"""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from worker.tools.traffic import PRODUCTS

Event = dict[str, Any]
STATUSES = ("PURCHASED", "CONFIRMED", "PAYMENT_PENDING")


def _ts(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Shopper:
    key: str
    guest: dict[str, Any]
    rng: random.Random
    clock: datetime
    orders: int = 0
    events: list[Event] = field(default_factory=list)

    def event(self, event_type: str, **body: Any) -> Event:
        self.clock += timedelta(seconds=self.rng.uniform(1, 20))
        context = {
            "channel": "WEB",
            "point_of_sale": "retail-web",
            "language": "EN",
            "currency": "EUR",
            "page": "/orders",
        }
        found = {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": _ts(self.clock),
            "guest": self.guest,
            "context": context,
            **body,
        }
        self.events.append(found)
        return found


def _guest(number: int, kind: str) -> tuple[str, dict[str, Any]]:
    if kind == "anonymous":
        return f"ANON-{number:05d}", {
            "customer_id": None,
            "email": None,
            "first_name": None,
            "last_name": None,
            "identifiers": [],
            "browser_id": None,
            "anonymous": True,
            "tracking_refused": False,
        }
    email = f"shopper.{number}@example.com"
    guest: dict[str, Any] = {
        "customer_id": f"C-{number:05d}",
        "email": email,
        "first_name": "Ana",
        "last_name": "Silva",
        "identifiers": [{"provider": "email", "id": email}],
        "browser_id": None,
        "anonymous": False,
        "tracking_refused": kind == "refused",
    }
    return guest["customer_id"], guest


def _line(rng: random.Random, order_id: str, n: int) -> dict[str, Any]:
    product_id, name, kind, price = rng.choice(PRODUCTS)
    extensions = {"giftNote": f"note {n}"} if rng.random() < 0.3 else {}
    return {
        "line_id": f"{order_id}-L{n}",
        "product_id": product_id,
        "sku": None,
        "name": name,
        "type": kind,
        "quantity": rng.randint(1, 3),
        "unit_price": price,
        "extensions": extensions,
    }


def _total(lines: list[dict[str, Any]]) -> str:
    return str(sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal("0.00")))


def _new_order(shopper: _Shopper) -> dict[str, Any]:
    shopper.orders += 1
    rng = shopper.rng
    order_id = f"ORD-{shopper.key}-{shopper.orders}"
    lines = [_line(rng, order_id, n) for n in range(1, rng.randint(1, 4) + 1)]
    payment = rng.choice(({"type": "Card", "card_type": "Visa"}, {"type": "PayPal", "card_type": None}))
    extensions = {"giftWrap": rng.random() < 0.5, "loyaltyTier": rng.choice(("gold", "silver"))}
    return {
        "order_id": order_id,
        "ordered_at": _ts(shopper.clock),
        "status": "PURCHASED",
        "currency": "EUR",
        "total": _total(lines),
        "payment": payment,
        "lines": lines,
        "extensions": extensions,
    }


def _change_lines(shopper: _Shopper, order: dict[str, Any]) -> None:
    lines, rng = order["lines"], shopper.rng
    choice = rng.random()
    if choice < 0.4:
        pick = rng.randrange(len(lines))
        lines[pick] = {**lines[pick], "quantity": lines[pick]["quantity"] % 5 + 1}
    elif choice < 0.7 or len(lines) == 1:
        used = {int(line["line_id"].rsplit("-L", 1)[1]) for line in lines}
        lines.append(_line(rng, order["order_id"], max(used) + 1))
    else:
        lines.pop(rng.randrange(len(lines)))
    order["total"] = _total(lines)


def _change_extensions(shopper: _Shopper, order: dict[str, Any]) -> None:
    ext, rng = order["extensions"], shopper.rng
    ext["loyaltyTier"] = rng.choice(("gold", "silver", "bronze"))
    if "giftWrap" in ext and rng.random() < 0.5:
        del ext["giftWrap"]
    else:
        ext["campaignCode"] = f"C{rng.randint(1, 99)}"
    line = rng.choice(order["lines"])
    line["extensions"] = {} if line["extensions"] else {"engraving": "yes", "engravingLines": 2}


def _correct(shopper: _Shopper, order: dict[str, Any]) -> bool:
    """Send one random correction; False when the order was deleted (no more events for it)."""
    rng, roll = shopper.rng, shopper.rng.random()
    if roll < 0.1:
        shopper.event("OrderDeleted", order_id=order["order_id"], ordered_at=order["ordered_at"])
        return False
    if roll < 0.2:
        order["status"] = "CANCELLED"
        shopper.event("OrderCancelled", order=copy.deepcopy(order), cancelled_at=_ts(shopper.clock))
        return True
    if roll < 0.3:
        order["status"] = "REFUNDED"
        refund = {
            "refund_id": f"R-{uuid.uuid4().hex[:8]}",
            "refunded_at": _ts(shopper.clock),
            "amount": order["total"],
            "full": True,
            "lines": [],
        }
        shopper.event("OrderRefunded", order=copy.deepcopy(order), refund=refund)
        return True
    changes = [rng.choice(("STATUS", "LINES", "EXTENSIONS"))]
    if changes == ["STATUS"]:
        order["status"] = rng.choice(STATUSES)
    elif changes == ["LINES"]:
        _change_lines(shopper, order)
        changes.append("TOTAL")
    else:
        _change_extensions(shopper, order)
    shopper.event("OrderUpdated", order=copy.deepcopy(order), changes=changes)
    return True


def _shop(shopper: _Shopper, orders: int, import_ratio: float) -> None:
    for _ in range(orders):
        order = _new_order(shopper)
        imported = shopper.rng.random() < import_ratio
        if imported:
            shopper.event("OrderImported", order=copy.deepcopy(order), source="CALL_CENTER")
        else:
            shopper.event("OrderPlaced", order=copy.deepcopy(order))
        for _ in range(shopper.rng.randint(0, 4)):
            if not _correct(shopper, order):
                break


def workload(
    orders: int, seed: int = 5, orders_per_guest: int = 2, import_ratio: float = 0.1
) -> list[tuple[str, Event]]:
    """``(key, event)`` pairs for about ``orders`` orders; guests interleave, each keeps its order."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=2)
    queues: list[_Shopper] = []
    for number in range(1, orders // orders_per_guest + 1):
        kind = rng.choices(("tracked", "anonymous", "refused"), weights=(8, 1, 1))[0]
        key, guest = _guest(number, kind)
        shopper = _Shopper(key, guest, random.Random(rng.random()), start)
        _shop(shopper, orders_per_guest, import_ratio)
        queues.append(shopper)
    return _interleave(queues, rng)


def _interleave(queues: list[_Shopper], rng: random.Random) -> list[tuple[str, Event]]:
    pending = [(s.key, list(reversed(s.events))) for s in queues if s.events]
    out: list[tuple[str, Event]] = []
    while pending:
        index = rng.randrange(len(pending))
        key, events = pending[index]
        out.append((key, events.pop()))
        if not events:
            pending[index] = pending[-1]
            pending.pop()
    return out


def expected_state(traffic: list[tuple[str, Event]], reconciled: bool = False) -> dict[str, dict[str, Any]]:
    """The model: CDP reference id → the order CDP must hold at the end (deleted orders absent).

    ``reconciled``: after the reconciliation re-upserted Stream-created orders in full.
    """
    state: dict[str, dict[str, Any]] = {}
    for _, event in traffic:
        kind = event["event_type"]
        if kind == "OrderDeleted":
            state.pop(event["order_id"].upper(), None)
            continue
        order = event["order"]
        guest = event["guest"]
        untracked = guest["anonymous"] or guest["tracking_refused"]
        streamed = kind == "OrderPlaced" and not untracked and not reconciled
        state[order["order_id"].upper()] = _cdp_view(order, event["guest"], streamed)
    return state


def _cdp_view(order: dict[str, Any], guest: dict[str, Any], streamed: bool) -> dict[str, Any]:
    lines = {
        line["line_id"]: (
            line["quantity"],
            Decimal(line["unit_price"]),
            {} if streamed else line["extensions"],
        )
        for line in order["lines"]
    }
    view: dict[str, Any] = {
        "status": order["status"],
        "price": Decimal(order["total"]),
        "paymentType": order["payment"]["type"],
        "lines": lines,
        "extensions": {} if streamed else order["extensions"],
        "email": guest["email"],
    }
    return view


def actual_state(orders: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The sandbox's orders (``/_sandbox/orders``) in the model's shape, by reference id (all duplicates)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        lines = {
            item["referenceId"]: (
                int(item["quantity"]),
                Decimal(str(item["price"])),
                item["extensions"].get("ext", {}),
            )
            for item in order["orderItems"]
        }
        view: dict[str, Any] = {
            "status": order["status"],
            "price": Decimal(str(order["price"])),
            "paymentType": order.get("paymentType"),
            "lines": lines,
            "extensions": order["extensions"].get("ext", {}),
            "email": (order.get("guest") or {}).get("email"),
        }
        found.setdefault(order["referenceId"], []).append(view)
    return found


def state_problems(expected: dict[str, dict[str, Any]], actual: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every difference between the model and the sandbox (empty when they agree)."""
    problems = [f"{ref}: {len(views)} orders" for ref, views in actual.items() if len(views) > 1]
    problems += [f"{ref}: missing" for ref in expected.keys() - actual.keys()]
    problems += [f"{ref}: should not exist" for ref in actual.keys() - expected.keys()]
    for ref, want in expected.items():
        got = actual.get(ref, [want])[0]
        problems += [f"{ref}: {key} {got[key]!r} != {want[key]!r}" for key in want if got[key] != want[key]]
    return problems
