"""Random Stream sequences keep the sandbox's bookkeeping exact: every CHECKOUT ends as one order or one
rejection, never both, and every order holds only lines its browser ADDed, priced exactly."""

from __future__ import annotations

import random
from decimal import Decimal

from tests.integration.sandbox.stream_client import StreamClient, product

ITEMS = ("A", "B", "C")
PRICES = ("0.10", "19.99", "5.25")


def _step(stream: StreamClient, rng: random.Random, browser: str, n: int, added: dict[str, Decimal]) -> bool:
    """Send one random event; return True when it was a CHECKOUT."""
    kind = rng.choice(["ADD", "ADD", "CONFIRM", "CHECKOUT", "CLEAR_CART", "FORCE_CLOSE", "PAYMENT"])
    if kind == "ADD":
        item, price = rng.choice(ITEMS), Decimal(rng.choice(PRICES))
        stream.ok(browser, "ADD", product=product(item, float(price), 2))
        added[item] = price
    elif kind == "CONFIRM":
        stream.confirm(browser, *rng.sample(ITEMS, rng.randint(1, 3)))
    elif kind == "CHECKOUT":
        stream.checkout(browser, f"RND-{n}-{rng.randint(0, 3)}")
    elif kind == "PAYMENT":
        stream.ok(browser, "PAYMENT", pay_type="Card")
    else:
        stream.ok(browser, kind)
    return kind == "CHECKOUT"


def test_every_checkout_ends_as_exactly_one_order_or_one_rejection(stream: StreamClient) -> None:
    rng = random.Random(4242)
    outcomes = {"orders": 0, "rejections": 0}
    for n in range(25):
        browser = stream.browser()
        if rng.random() < 0.8:
            stream.identify(browser, f"rnd-{n}@example.com")
        added: dict[str, Decimal] = {}
        checkouts = sum(_step(stream, rng, browser, n, added) for _ in range(10))
        orders = [
            o
            for ref in {f"RND-{n}-{k}" for k in range(4)}
            for o in stream.inspect("orders", referenceId=ref)["items"]
        ]
        rejected = [
            r for r in stream.inspect("rejections")["items"]
            if r["browserId"] == browser and r["reason"] != "payment_without_order"
        ]  # fmt: skip
        assert len(orders) + len(rejected) == checkouts, (n, orders, rejected)
        outcomes["orders"] += len(orders)
        outcomes["rejections"] += len(rejected)
        for order in orders:
            lines = order["orderItems"]
            assert {line["itemId"] for line in lines} <= set(added)
            total = sum(Decimal(str(line["price"])) * Decimal(str(line["quantity"])) for line in lines)
            assert Decimal(str(order["price"])) == total
    assert outcomes["orders"] > 0
    assert outcomes["rejections"] > 0
