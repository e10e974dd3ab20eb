"""Many browsers at once: interleaved sequences each assemble their own order, nothing else."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson

from sandbox.testing import RunningSandbox
from tests.integration.sandbox.stream_client import COMMON, StreamClient, product

SHOPPERS = 40


async def _event(http: httpx.AsyncClient, key: str, browser: str, event_type: str, **attrs: Any) -> None:
    message = orjson.dumps({**COMMON, "browser_id": browser, "type": event_type, **attrs}).decode()
    response = await http.get("/v1.2/event/create.json", params={"client_key": key, "message": message})
    assert response.status_code == 201, response.text


async def _shop(http: httpx.AsyncClient, key: str, n: int) -> str:
    created = await http.get("/v1.2/browser/create.json", params={"client_key": key, "message": "{}"})
    browser = str(created.json()["ref"])
    await _event(http, key, browser, "IDENTITY", identifiers=[{"provider": "crm", "id": f"C-{n}"}])
    for line in range(3):
        await _event(http, key, browser, "ADD", product=product(f"L{line}", "1.25", n + 1))
    await _event(http, key, browser, "CONFIRM", product=[{"item_id": f"L{line}"} for line in range(3)])
    await _event(http, key, browser, "CHECKOUT", reference_id=f"PAR-{n}", status="PURCHASED")
    return browser


async def _all(url: str, key: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        return await asyncio.gather(*(_shop(http, key, n) for n in range(SHOPPERS)))


def test_interleaved_sequences_each_assemble_their_own_order(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    browsers = asyncio.run(_all(sandbox.url, sandbox.client_key))
    for n, browser in enumerate(browsers):
        [order] = client.get("/_sandbox/orders", params={"referenceId": f"PAR-{n}"}).json()["items"]
        assert order["price"] == 3 * 1.25 * (n + 1)
        assert len(order["orderItems"]) == 3
        guest = client.get(f"/_sandbox/guests/{order['guestRef']}").json()
        assert guest["browsers"] == [browser]
    rejected = [r for r in client.get("/_sandbox/rejections").json()["items"] if r["browserId"] in browsers]
    assert rejected == []


def test_events_can_be_paged_by_sequence(sandbox: RunningSandbox, client: httpx.Client) -> None:
    stream = StreamClient(client, sandbox.client_key)
    browser = stream.browser()
    for kind in ("VIEW", "SEARCH", "VIEW"):
        stream.ok(browser, kind)
    first = client.get("/_sandbox/events", params={"browserId": browser, "limit": 2}).json()["items"]
    assert [e["type"] for e in first] == ["VIEW", "SEARCH"]
    rest = client.get("/_sandbox/events", params={"browserId": browser, "afterSeq": first[1]["seq"]}).json()
    assert [e["type"] for e in rest["items"]] == ["VIEW"]
    assert client.get("/_sandbox/events", params={"limit": "many"}).status_code == 400
