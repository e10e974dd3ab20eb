"""Orders assembled from Stream CHECKOUT are visible to, and correctable through, REST v2.1."""

from __future__ import annotations

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.sandbox.stream_client import StreamClient
from tests.integration.sandbox_rest.restkit import unique


def test_stream_checkout_order_is_found_and_patched_over_rest(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    stream = StreamClient(httpx.Client(base_url=sandbox.url), sandbox.client_key)
    browser, reference_id, email = stream.browser(), unique("ORD"), f"{unique('s').lower()}@example.com"
    stream.identify(browser, email)
    stream.add(browser, "A", "19.99", 2)
    stream.ok(browser, "ADD_CONTACTS", contact=[{"firstname": "Sam", "email": email}])
    stream.confirm(browser, "A")
    stream.checkout(browser, reference_id)

    (listed,) = client.get("/v2.1/orders", params={"referenceId": reference_id, "expand": "true"}).json()[
        "items"
    ]
    guest_ref = client.get("/v2.1/guests", params={"email": email}).json()["items"][0]["ref"]
    by_guest = client.get("/v2.1/orders", params={"guestRef": guest_ref}).json()["items"]
    assert [o["ref"] for o in by_guest] == [listed["ref"]]
    lines = client.get(listed["orderItems"]["href"], params={"expand": "true"}).json()["items"]
    assert [(line["quantity"], line["price"]) for line in lines] == [(2, 19.99)]

    patch = {k: listed[k] for k in ("referenceId", "orderedAt", "currencyCode", "price")} | {
        "status": "CANCELLED"
    }
    assert client.patch(listed["href"], json=patch).status_code == 201
    (shown,) = stream.inspect("orders", referenceId=reference_id)["items"]
    assert (shown["createdBy"], shown["modifiedBy"]) == ("stream", "rest")
    assert [(h["status"], h["api"]) for h in shown["statusHistory"]] == [
        ("PURCHASED", "stream"),
        ("CANCELLED", "rest"),
    ]
