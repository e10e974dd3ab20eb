"""Realistic commerce traffic for the demo and the benchmarks: guests browsing carts and checking out.

Each guest's events come in a plausible order (items added, a quantity changed, an item removed,
then an order placed or the cart cleared); guests are interleaved at random, as on a busy shop.
Events are the JSON form of the commerce event schemas, keyed by customer id.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

FIRST = ("Zoë", "Liam", "Mia", "Noah", "Léa", "Oskar", "Ana", "Jonas", "Chloé", "Mateo", "Saanvi", "Björn")
LAST = ("Müller", "Smith", "García", "Rossi", "Dubois", "Nowak", "Jensen", "Silva", "Kowalski", "O'Brien")
PRODUCTS = (
    ("P-88213", "Trail Runner", "FOOTWEAR", "129.95"),
    ("P-10077", "Merino Socks (3-pack)", "APPAREL", "24.95"),
    ("P-20931", "Foulard en soie imprimé", "ACCESSORIES", "35.50"),
    ("P-31002", "Rain Shell Jacket", "APPAREL", "189.00"),
    ("P-40410", "Insulated Bottle 750 ml", "EQUIPMENT", "29.90"),
    ("P-51515", "Headlamp 400 lm", "EQUIPMENT", "44.00"),
    ("P-62020", "Wool Beanie", "ACCESSORIES", "19.99"),
    ("P-73737", "Hiking Poles (pair)", "EQUIPMENT", "79.00"),
)
Event = dict[str, Any]


@dataclass(frozen=True)
class Shop:
    """Where the traffic happens."""

    point_of_sale: str = "retail-web"
    channel: str = "WEB"
    currency: str = "EUR"
    language: str = "EN"


def _ts(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Guest:
    def __init__(self, number: int, rng: random.Random, shop: Shop, clock: datetime) -> None:
        self.rng = rng
        self.shop = shop
        self.clock = clock
        self.customer_id = f"C-{number:06d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{number}@example.com".lower().replace("'", "")
        self.guest = {
            "customer_id": self.customer_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "identifiers": [{"provider": "email", "id": email}],
            "browser_id": None,
            "anonymous": False,
            "tracking_refused": False,
        }
        self.carts = 0

    def _event(self, event_type: str, page: str, **body: Any) -> Event:
        self.clock += timedelta(seconds=self.rng.uniform(1, 30))
        context = {
            "channel": self.shop.channel,
            "point_of_sale": self.shop.point_of_sale,
            "language": self.shop.language,
            "currency": self.shop.currency,
            "page": page,
        }
        return {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": _ts(self.clock),
            "guest": self.guest,
            "context": context,
            **body,
        }

    def line(self, cart_id: str, n: int) -> Event:
        product_id, name, kind, price = self.rng.choice(PRODUCTS)
        return {
            "line_id": f"{cart_id}-L{n}",
            "product_id": product_id,
            "sku": f"{product_id}-{n}",
            "name": name,
            "type": kind,
            "quantity": self.rng.randint(1, 3),
            "unit_price": price,
            "extensions": {},
        }

    def session(self, checkout_ratio: float, max_lines: int = 5) -> list[Event]:
        """One shopping session: a cart built up and changed, then (usually) an order."""
        self.carts += 1
        cart_id = f"CART-{self.customer_id}-{self.carts}"
        lines = [self.line(cart_id, n) for n in range(1, self.rng.randint(1, max_lines) + 1)]
        events = [self._event("CartItemAdded", "/product", cart_id=cart_id, line=line) for line in lines]
        if len(lines) > 1 and self.rng.random() < 0.3:
            line = lines[0] = {**lines[0], "quantity": lines[0]["quantity"] + 1}
            events.append(
                self._event(
                    "CartItemUpdated",
                    "/cart",
                    cart_id=cart_id,
                    line=line,
                    previous_quantity=line["quantity"] - 1,
                )
            )
        if len(lines) > 1 and self.rng.random() < 0.3:
            removed = lines.pop()
            events.append(
                self._event(
                    "CartItemRemoved",
                    "/cart",
                    cart_id=cart_id,
                    line_id=removed["line_id"],
                    remaining_lines=list(lines),
                )
            )
        if self.rng.random() < checkout_ratio:
            events.append(self.order(cart_id, lines))
        elif self.rng.random() < 0.5:
            events.append(self._event("CartCleared", "/cart", cart_id=cart_id))
        return events

    def order(self, cart_id: str, lines: list[Event]) -> Event:
        total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
        payment = self.rng.choice(
            ({"type": "Card", "card_type": "Visa"}, {"type": "PayPal", "card_type": None})
        )
        order = {
            "order_id": f"ORD-{cart_id.removeprefix('CART-')}",
            "ordered_at": _ts(self.clock),
            "status": "PURCHASED",
            "currency": self.shop.currency,
            "total": str(total),
            "payment": payment,
            "lines": list(lines),
            "extensions": {"giftWrap": self.rng.random() < 0.2},
        }
        return self._event("OrderPlaced", "/checkout/confirmation", order=order)


def generate(
    guests: int,
    sessions_per_guest: int = 1,
    checkout_ratio: float = 0.7,
    seed: int = 7,
    shop: Shop | None = None,
    max_lines: int = 5,
) -> list[tuple[str, Event]]:
    """``(key, event)`` pairs: every guest's sessions in order, guests interleaved at random."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=1)
    queues = []
    for number in range(1, guests + 1):
        guest = _Guest(number, rng, shop or Shop(), start)
        events = [e for _ in range(sessions_per_guest) for e in guest.session(checkout_ratio, max_lines)]
        queues.append((guest.customer_id, events))
    return _interleave(queues, rng)


def _interleave(queues: list[tuple[str, list[Event]]], rng: random.Random) -> list[tuple[str, Event]]:
    positions = [0] * len(queues)
    live = [i for i, (_, events) in enumerate(queues) if events]
    out: list[tuple[str, Event]] = []
    while live:
        pick = rng.randrange(len(live))
        index = live[pick]
        key, events = queues[index]
        out.append((key, events[positions[index]]))
        positions[index] += 1
        if positions[index] == len(events):
            live[pick] = live[-1]
            live.pop()
    return out


def orders_only(count: int, guests: int, seed: int = 11, max_lines: int = 5) -> list[tuple[str, Event]]:
    """``count`` OrderPlaced events (1..max_lines lines) spread over ``guests`` guests."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=1)
    people = [_Guest(n, rng, Shop(), start) for n in range(1, guests + 1)]
    out = []
    for n in range(count):
        guest = people[n % guests]
        guest.carts += 1
        cart_id = f"CART-{guest.customer_id}-{guest.carts}"
        lines = [guest.line(cart_id, i) for i in range(1, rng.randint(1, max_lines) + 1)]
        out.append((guest.customer_id, guest.order(cart_id, lines)))
    return out
