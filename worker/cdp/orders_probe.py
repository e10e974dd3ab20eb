"""Does CDP hold an order with this reference id? (REST ``GET /v2.1/orders?referenceId=``).

Used only when a step that creates an order may have reached CDP without our seeing the answer
(timeout, dropped connection, crash before the progress was saved): if the order exists, the step
is done and must not be repeated. CDP assembles Stream orders asynchronously, so "not found" is
not proof; the caller then sends the step again (at least once). Any failure answers ``None``,
except 401/403: a wrong client key or API token is a configuration error that stops the worker.
"""

from __future__ import annotations

import logging

import httpx

from worker.cdp.rest_errors import RestAuthError

log = logging.getLogger("worker.cdp")
ORDERS_PATH = "/v2.1/orders"


class OrderProbe:
    """Looks an order up by ``referenceId`` with Basic auth (client key, API token)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def exists(self, reference_id: str) -> bool | None:
        """True / False when CDP answered, ``None`` when it could not tell; raises
        :class:`RestAuthError` on 401/403."""
        try:
            response = await self._http.get(ORDERS_PATH, params={"referenceId": reference_id, "limit": "1"})
        except httpx.HTTPError as exc:
            log.warning("order look-up failed", extra={"error": repr(exc)})
            return None
        if response.status_code == 404:
            return False
        if response.status_code in (401, 403):
            raise RestAuthError(
                f"order look-up refused with {response.status_code}: check the client key and API token"
            )
        if response.status_code != 200:
            log.warning("order look-up refused", extra={"status": response.status_code})
            return None
        try:
            items = response.json().get("items")
        except (ValueError, AttributeError):
            return None
        return bool(items) if isinstance(items, list) else None

    async def aclose(self) -> None:
        await self._http.aclose()


def order_probe(base_url: str, client_key: str, api_token: str, timeout_s: float) -> OrderProbe | None:
    """A probe when an API token is configured (REST needs it); ``None`` otherwise."""
    if not api_token:
        return None
    http = httpx.AsyncClient(base_url=base_url, auth=(client_key, api_token), timeout=timeout_s,
                             headers={"Accept": "application/json"})  # fmt: skip
    return OrderProbe(http)
