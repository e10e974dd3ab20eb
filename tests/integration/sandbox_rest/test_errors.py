"""Every documented REST v2.1 error code (§4.8), each with the documented error body."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.testing import RunningSandbox
from tests.integration.sandbox_rest.restkit import assert_error, create_order, item_body, order_body, unique


def test_missing_basic_auth_is_401(sandbox: RunningSandbox) -> None:
    assert_error(httpx.get(f"{sandbox.url}/v2.1/orders", params={"referenceId": "X"}), 401)


def test_wrong_api_token_is_401(sandbox: RunningSandbox) -> None:
    response = httpx.post(
        f"{sandbox.url}/v2.1/orders", json=order_body("X"), auth=(sandbox.client_key, "nope")
    )
    assert_error(response, 401)


def test_body_without_json_content_type_is_415(client: httpx.Client) -> None:
    response = client.post("/v2.1/orders", content=b"{}", headers={"Content-Type": "text/plain"})
    assert_error(response, 415)


def test_order_without_required_fields_is_400_naming_them(client: httpx.Client) -> None:
    body = assert_error(client.post("/v2.1/orders", json={"referenceId": "X"}), 400)
    assert "orderedAt: required" in str(body["developerMessage"])
    assert "price: required" in str(body["developerMessage"])


def test_status_uses_the_documented_spelling(client: httpx.Client) -> None:
    assert_error(client.post("/v2.1/orders", json=order_body(unique("O"), status="PARTIALLY_REFUNDED")), 400)


def test_list_needs_exactly_one_of_reference_id_and_guest_ref(client: httpx.Client) -> None:
    assert_error(client.get("/v2.1/orders", params={"referenceId": "A", "guestRef": "B"}), 400)
    assert_error(client.get("/v2.1/orders"), 400)


def test_sort_by_ordered_at_needs_guest_ref(client: httpx.Client) -> None:
    assert_error(client.get("/v2.1/orders", params={"referenceId": "A", "sort": "orderedAt"}), 400)


def test_put_cannot_change_the_reference_id(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    assert_error(client.put(f"/v2.1/orders/{created['ref']}", json=order_body("OTHER")), 400)


def test_put_cannot_move_ordered_at_beyond_two_days(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    moved = order_body(str(created["referenceId"]), orderedAt="2026-11-03T10:00:01.000Z")
    assert_error(client.put(f"/v2.1/orders/{created['ref']}", json=moved), 400)


def test_item_type_must_not_be_a_travel_type(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    assert_error(client.post(f"/v2.1/orders/{order['ref']}/orderItems", json=item_body(type="FLIGHT")), 400)


def test_item_name_longer_than_128_chars_is_400(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    assert_error(client.post(f"/v2.1/orders/{order['ref']}/orderItems", json=item_body("x" * 129)), 400)


def test_contact_without_identity_data_is_400(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    assert_error(client.post(f"/v2.1/orders/{order['ref']}/contacts", json={"firstName": "Ann"}), 400)


def test_second_primary_contact_is_400(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    path = f"/v2.1/orders/{order['ref']}/contacts"
    client.post(path, json={"emails": ["a@example.com"]}).raise_for_status()
    assert_error(client.post(path, json={"emails": ["b@example.com"]}), 400)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("default", {"a": 1}),
        ("ext", {"nested": {"a": 1}}),
        ("ext", {"Bad-Name": 1}),
        ("ext", {f"key{i}": i for i in range(101)}),
    ],
    ids=["name-not-ext", "nested-value", "non-camel-key", "over-100-keys"],
)
def test_invalid_data_extension_is_400(client: httpx.Client, name: str, body: dict[str, object]) -> None:
    order = create_order(client, unique("ORD"))
    assert_error(client.post(f"/v2.1/orders/{order['ref']}/extensions/{name}", json=body), 400)


def test_extension_post_may_not_overwrite_existing_keys(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    path = f"/v2.1/orders/{order['ref']}/extensions/ext"
    client.post(path, json={"giftWrap": True}).raise_for_status()
    assert_error(client.post(path, json={"giftWrap": False}), 400)


def test_unknown_order_is_404(client: httpx.Client) -> None:
    assert_error(client.get("/v2.1/orders/00000000-0000-0000-0000-000000000000"), 404)


def test_unknown_order_item_is_404(client: httpx.Client) -> None:
    assert_error(client.patch("/v2.1/orderItems/nope", json={"status": "REFUNDED"}), 404)


def test_unknown_guest_ref_in_list_is_404(client: httpx.Client) -> None:
    assert_error(client.get("/v2.1/orders", params={"guestRef": "nope"}), 404)


def test_missing_data_extension_is_404(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    assert_error(client.get(f"/v2.1/orders/{order['ref']}/extensions/ext"), 404)


@pytest.fixture
def faulty(client: httpx.Client) -> Iterator[httpx.Client]:
    """The client, with fault rules cleared afterwards."""
    yield client
    client.delete("/_sandbox/faults").raise_for_status()


@pytest.mark.parametrize("status", [500, 503])
def test_server_side_failures_answer_with_the_error_body(faulty: httpx.Client, status: int) -> None:
    rule = {"api": "rest", "path": "/v2.1/orders", f"p{status}": 1.0}
    faulty.post("/_sandbox/faults", json=rule).raise_for_status()
    assert_error(faulty.post("/v2.1/orders", json=order_body(unique("ORD"))), status)


def test_unknown_rest_path_is_404_with_the_error_body(client: httpx.Client) -> None:
    assert_error(client.get("/v2.1/nothing/here"), 404)
    assert_error(client.post("/v2.1/orders/x/unknown", json={}), 404)
