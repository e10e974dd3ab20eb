"""The [U] switches of the REST emulation, flipped by CLI flags on their own sandbox process."""

from __future__ import annotations

from pathlib import Path

import httpx

from sandbox.testing import running_sandbox
from tests.integration.sandbox_rest.restkit import assert_error, item_body, order_body, unique


def test_create_dedup_switch_returns_the_two_day_match(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, rest_create_dedup=True, rest_ext_max_keys=50) as sandbox:
        client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
        reference_id = unique("ORD")
        first = client.post("/v2.1/orders", json=order_body(reference_id)).json()
        again = client.post(
            "/v2.1/orders", json=order_body(reference_id, orderedAt="2026-11-02T10:00:00.000Z")
        )
        assert again.json()["ref"] == first["ref"]
        too_many = {f"key{i}": i for i in range(51)}
        assert_error(client.post(f"/v2.1/orders/{first['ref']}/extensions/ext", json=too_many), 400)


def test_default_create_does_not_deduplicate_and_item_status_is_an_enum(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as sandbox:
        client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
        reference_id = unique("ORD")
        refs = {client.post("/v2.1/orders", json=order_body(reference_id)).json()["ref"] for _ in range(2)}
        assert len(refs) == 2
        order_ref = refs.pop()
        assert_error(
            client.post(f"/v2.1/orders/{order_ref}/orderItems", json=item_body(status="Confirmed")), 400
        )


def test_free_text_item_status_switch_accepts_mixed_case(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, rest_item_status_free_text=True) as sandbox:
        client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
        order = client.post("/v2.1/orders", json=order_body(unique("ORD"))).json()
        response = client.post(f"/v2.1/orders/{order['ref']}/orderItems", json=item_body(status="Confirmed"))
        assert response.status_code == 201
