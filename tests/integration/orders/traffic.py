"""Order traffic for the integration tests and the checks of what the sandbox assembled from it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx

from worker.tools.traffic import generate

Event = dict[str, Any]


def shop_traffic(guests: int, orders_per_guest: int, seed: int = 3) -> list[tuple[str, Event]]:
    """Each guest builds, changes and checks out ``orders_per_guest`` carts (1-5 lines); guests interleave."""
    return generate(guests, sessions_per_guest=orders_per_guest, checkout_ratio=1.0, seed=seed, max_lines=5)


def placed_orders(traffic: list[tuple[str, Event]]) -> dict[str, Event]:
    """The OrderPlaced events by CDP reference id (the order id, upper-cased)."""
    return {e["order"]["order_id"].upper(): e for _, e in traffic if e["event_type"] == "OrderPlaced"}


def sandbox_orders(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/_sandbox/orders", params={"limit": "100000"}, timeout=30)
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def rejections(url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/rejections", timeout=30).json()["items"]
    return items


def expected_lines(event: Event) -> list[tuple[str, int, Decimal]]:
    return sorted(
        (line["line_id"], line["quantity"], Decimal(line["unit_price"])) for line in event["order"]["lines"]
    )


def actual_lines(order: dict[str, Any]) -> list[tuple[str, int, Decimal]]:
    return sorted((item["referenceId"], int(item["quantity"]), Decimal(str(item["price"])))
                  for item in order["orderItems"])  # fmt: skip


def order_problems(expected: dict[str, Event], orders: list[dict[str, Any]]) -> list[str]:
    """Every difference between the placed orders and the sandbox's orders (empty when all match)."""
    counts = Counter(order["referenceId"] for order in orders)
    problems = [f"{ref}: {n} orders" for ref, n in counts.items() if n > 1]
    problems += [f"{ref}: missing" for ref in expected.keys() - counts.keys()]
    problems += [f"{ref}: unexpected" for ref in counts.keys() - expected.keys()]
    for order in orders:
        event = expected.get(order["referenceId"])
        if event is not None:
            problems += _differences(event, order)
    return problems


def _differences(event: Event, order: dict[str, Any]) -> list[str]:
    ref, found = order["referenceId"], []
    if actual_lines(order) != expected_lines(event):
        found.append(f"{ref}: lines {actual_lines(order)} != {expected_lines(event)}")
    if order["status"] != event["order"]["status"]:
        found.append(f"{ref}: status {order['status']}")
    guest = order.get("guest") or {}
    if guest.get("email") != event["guest"]["email"]:
        found.append(f"{ref}: guest {guest.get('email')} != {event['guest']['email']}")
    if order.get("paymentType") != event["order"]["payment"]["type"]:
        found.append(f"{ref}: payment {order.get('paymentType')}")
    return found
