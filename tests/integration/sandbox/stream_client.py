"""A tiny Stream API client for the sandbox tests: real HTTP GETs with URL-encoded JSON messages."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

COMMON: dict[str, Any] = {
    "channel": "WEB",
    "language": "EN",
    "currency": "EUR",
    "page": "checkout",
    "pos": "retail-web",
}


def product(item_id: str, price: float | str = 10.0, quantity: int = 1) -> dict[str, Any]:
    """An ADD ``product`` with every documented field."""
    return {
        "type": "FOOTWEAR",
        "item_id": item_id,
        "name": f"Shoe {item_id}",
        "orderedAt": "2025-03-07T16:15:11.000Z",
        "quantity": quantity,
        "price": float(price),
        "productId": f"P-{item_id}",
        "currency": "EUR",
        "referenceId": f"R-{item_id}",
    }


class StreamClient:
    """Sends Stream events for one tenant; every event carries the seven common attributes."""

    def __init__(self, http: httpx.Client, client_key: str) -> None:
        self.http = http
        self.client_key = client_key

    def browser(self) -> str:
        """A new browser id."""
        response = self.http.get(
            "/v1.2/browser/create.json", params={"client_key": self.client_key, "message": "{}"}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["ref"])

    def raw(self, message: dict[str, Any], client_key: str | None = None) -> httpx.Response:
        """GET event/create.json with ``message`` as given."""
        params = {"client_key": client_key or self.client_key, "message": orjson.dumps(message).decode()}
        return self.http.get("/v1.2/event/create.json", params=params)

    def send(self, browser_id: str, event_type: str, **attrs: Any) -> httpx.Response:
        """One event with the common attributes (``attrs`` may override them)."""
        return self.raw({**COMMON, "browser_id": browser_id, "type": event_type, **attrs})

    def ok(self, browser_id: str, event_type: str, **attrs: Any) -> dict[str, Any]:
        """Send and require 201; return the response body."""
        response = self.send(browser_id, event_type, **attrs)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def identify(self, browser_id: str, email: str) -> None:
        """IDENTITY by the email identity rule."""
        self.ok(browser_id, "IDENTITY", identifiers=[{"provider": "email", "id": email}], email=email)

    def add(self, browser_id: str, item_id: str, price: float | str = 10.0, quantity: int = 1) -> None:
        """ADD one line."""
        self.ok(browser_id, "ADD", product=product(item_id, price, quantity))

    def confirm(self, browser_id: str, *item_ids: str) -> None:
        """CONFIRM the given lines."""
        self.ok(browser_id, "CONFIRM", product=[{"item_id": item} for item in item_ids])

    def checkout(self, browser_id: str, reference_id: str, status: str = "PURCHASED") -> None:
        """CHECKOUT."""
        self.ok(browser_id, "CHECKOUT", reference_id=reference_id, status=status)

    def inspect(self, path: str, **params: str) -> Any:
        """GET an inspection endpoint and return its JSON."""
        response = self.http.get(f"/_sandbox/{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward."""
        assert self.http.post("/_sandbox/clock", json={"advance_seconds": seconds}).status_code == 200
