"""REST v2.1 orders over real HTTP: every documented happy path of §4.1-§4.2."""

from __future__ import annotations

import httpx

from tests.integration.sandbox_rest.restkit import create_order, item_body, order_body, unique


def test_create_order_answers_201_with_ref_href_and_fields(client: httpx.Client) -> None:
    reference_id = unique("ORD")
    body = create_order(client, reference_id)
    assert body["referenceId"] == reference_id
    assert body["price"] == 129.9
    assert body["status"] == "PURCHASED"
    assert str(body["href"]).endswith(f"/v2.1/orders/{body['ref']}")
    assert body["createdAt"] == body["modifiedAt"]


def test_retrieve_order_returns_what_was_created(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    response = client.get(f"/v2.1/orders/{created['ref']}")
    assert response.status_code == 200
    assert response.json()["referenceId"] == created["referenceId"]


def test_list_by_reference_id_returns_collection_of_links(client: httpx.Client) -> None:
    reference_id = unique("ORD")
    first = create_order(client, reference_id)
    second = create_order(client, reference_id, orderedAt="2026-10-01T10:00:00.000Z")
    response = client.get("/v2.1/orders", params={"referenceId": reference_id})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"href", "offset", "limit", "items"}
    assert [item["ref"] for item in body["items"]] == [first["ref"], second["ref"]]
    assert "referenceId" not in body["items"][0]


def test_list_by_guest_ref_expands_sorts_and_pages(client: httpx.Client) -> None:
    email = f"{unique('guest').lower()}@example.com"
    refs = []
    for day in ("03", "01", "02"):
        order = create_order(client, unique("ORD"), orderedAt=f"2026-11-{day}T10:00:00.000Z")
        client.post(f"/v2.1/orders/{order['ref']}/contacts", json={"emails": [email]}).raise_for_status()
        refs.append(order["ref"])
    guest_ref = client.get("/v2.1/guests", params={"email": email}).json()["items"][0]["ref"]
    params = {"guestRef": guest_ref, "expand": "true", "sort": "orderedAt", "offset": 1, "limit": 1}
    body = client.get("/v2.1/orders", params=params).json()
    assert (body["offset"], body["limit"]) == (1, 1)
    assert [item["orderedAt"] for item in body["items"]] == ["2026-11-02T10:00:00.000Z"]


def test_put_replaces_fields_and_keeps_ordered_at_within_two_days(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    replacement = order_body(str(created["referenceId"]), orderedAt="2026-11-02T09:00:00.000Z", price=99)
    del replacement["paymentType"], replacement["cardType"]
    response = client.put(f"/v2.1/orders/{created['ref']}", json=replacement)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["price"] == 99
    assert body["orderedAt"] == created["orderedAt"]
    assert "paymentType" not in body


def test_patch_changes_status_and_keeps_other_fields(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"), pointOfSale="retail-app")
    patch = {k: created[k] for k in ("referenceId", "orderedAt", "currencyCode", "price")}
    response = client.patch(f"/v2.1/orders/{created['ref']}", json=patch | {"status": "PARTIALY_REFUNDED"})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "PARTIALY_REFUNDED"
    assert response.json()["pointOfSale"] == "retail-app"


def test_delete_order_removes_it_and_its_items(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    item = client.post(f"/v2.1/orders/{created['ref']}/orderItems", json=item_body()).json()
    response = client.delete(f"/v2.1/orders/{created['ref']}")
    assert response.status_code == 200
    assert client.get(f"/v2.1/orders/{created['ref']}").status_code == 404
    assert client.get(f"/v2.1/orderItems/{item['ref']}").status_code == 404


def test_rest_writes_are_recorded_as_rest_in_the_status_history(client: httpx.Client) -> None:
    created = create_order(client, unique("ORD"))
    patch = {k: created[k] for k in ("referenceId", "orderedAt", "currencyCode", "price")}
    client.patch(f"/v2.1/orders/{created['ref']}", json=patch | {"status": "REFUNDED"}).raise_for_status()
    state = client.get("/_page/state.json").json()
    order = next(o for o in state["unlinked"] if o["ref"] == created["ref"])
    assert (order["createdBy"], order["modifiedBy"]) == ("rest", "rest")
    assert [(h["status"], h["api"]) for h in order["history"]] == [
        ("PURCHASED", "rest"),
        ("REFUNDED", "rest"),
    ]
