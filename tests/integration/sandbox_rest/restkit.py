"""Helpers for REST v2.1 tests against a real sandbox process: bodies and unique ids."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

ORDERED_AT = "2026-11-01T10:00:00.000Z"


def unique(prefix: str) -> str:
    """An id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def order_body(reference_id: str, **overrides: object) -> dict[str, Any]:
    """A valid order body (all four required fields plus some optional ones)."""
    body: dict[str, Any] = {
        "referenceId": reference_id,
        "orderedAt": ORDERED_AT,
        "currencyCode": "EUR",
        "price": 129.9,
        "status": "PURCHASED",
        "channel": "WEB",
        "pointOfSale": "retail-web",
        "paymentType": "Card",
        "cardType": "Visa",
    }
    return body | overrides


def item_body(name: str = "Trail Runner 2", **overrides: object) -> dict[str, Any]:
    """A valid order-item body."""
    body: dict[str, Any] = {
        "name": name,
        "type": "FOOTWEAR",
        "price": 64.95,
        "currencyCode": "EUR",
        "status": "PURCHASED",
        "quantity": 2,
        "productId": "SKU-1",
    }
    return body | overrides


def create_order(client: httpx.Client, reference_id: str, **overrides: object) -> dict[str, Any]:
    """POST an order and return its body (asserting 201)."""
    response = client.post("/v2.1/orders", json=order_body(reference_id, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is the documented error body with ``status``; return it."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"status", "code", "message", "developerMessage", "moreInfo"}
    assert body["status"] == status
    return body
