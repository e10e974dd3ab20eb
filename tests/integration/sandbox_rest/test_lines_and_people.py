"""REST v2.1 order items, contacts, consumers, extensions and guest look-up (§4.3-§4.7)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.sandbox_rest.restkit import create_order, item_body, unique


def _order_with_item(client: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    order = create_order(client, unique("ORD"))
    response = client.post(f"/v2.1/orders/{order['ref']}/orderItems", json=item_body())
    assert response.status_code == 201, response.text
    return order, response.json()


def test_create_and_list_order_items(client: httpx.Client) -> None:
    order, item = _order_with_item(client)
    assert str(item["order"]["href"]).endswith(str(order["ref"]))
    listed = client.get(f"/v2.1/orders/{order['ref']}/orderItems", params={"expand": "true"}).json()
    assert [(i["ref"], i["name"], i["quantity"]) for i in listed["items"]] == [
        (item["ref"], "Trail Runner 2", 2)
    ]


def test_retrieve_put_patch_and_delete_an_order_item(client: httpx.Client) -> None:
    _, item = _order_with_item(client)
    path = f"/v2.1/orderItems/{item['ref']}"
    assert client.get(path).json()["name"] == "Trail Runner 2"
    put = client.put(path, json=item_body("Trail Runner 3", language="EN"))
    assert (put.status_code, put.json()["name"], put.json()["language"]) == (201, "Trail Runner 3", "EN")
    patched = client.patch(path, json={"status": "REFUNDED"})
    assert (patched.status_code, patched.json()["status"], patched.json()["name"]) == (
        201,
        "REFUNDED",
        "Trail Runner 3",
    )
    assert client.delete(path).status_code == 200
    assert client.get(path).status_code == 404


def test_contact_links_the_order_to_a_guest_named_by_the_last_href_segment(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    email = f"{unique('ann').lower()}@example.com"
    contact = {
        "firstName": "Ann",
        "lastName": "Lee",
        "emails": [email],
        "identifiers": [{"provider": "crm", "id": email}],
    }
    response = client.post(f"/v2.1/orders/{order['ref']}/contacts", json=contact)
    assert response.status_code == 201, response.text
    guest_ref = response.json()["guest"]["href"].rsplit("/", 1)[-1]
    guest = client.get(f"/v2.1/guests/{guest_ref}").json()
    assert (guest["firstName"], guest["emails"], guest["guestType"]) == ("Ann", [email], "customer")
    listed = client.get("/v2.1/orders", params={"guestRef": guest_ref}).json()
    assert [i["ref"] for i in listed["items"]] == [order["ref"]]
    assert client.get(f"/v2.1/orders/{order['ref']}").json()["contact"]["href"] == response.json()["href"]


def test_second_contact_with_the_same_identifier_reuses_the_guest(client: httpx.Client) -> None:
    identifier = {"provider": "crm", "id": unique("CRM")}
    guests = []
    for _ in range(2):
        order = create_order(client, unique("ORD"))
        contact = client.post(
            f"/v2.1/orders/{order['ref']}/contacts", json={"identifiers": [identifier]}
        ).json()
        guests.append(contact["guest"]["href"])
    assert guests[0] == guests[1]


def test_contact_can_be_read_replaced_and_deleted(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    email = f"{unique('c').lower()}@example.com"
    contact = client.post(f"/v2.1/orders/{order['ref']}/contacts", json={"emails": [email]}).json()
    path = f"/v2.1/orderContacts/{contact['ref']}"
    assert client.get(path).json()["emails"] == [email]
    replaced = client.put(path, json={"emails": [email], "firstName": "Bo"})
    assert (replaced.status_code, replaced.json()["firstName"]) == (201, "Bo")
    assert client.delete(path).status_code == 200
    assert "contact" not in client.get(f"/v2.1/orders/{order['ref']}").json()


def test_consumer_is_created_with_links_to_consumed_items(client: httpx.Client) -> None:
    order, item = _order_with_item(client)
    body = {"firstName": "Kim", "lastName": "Park", "orderItems": {"items": [{"href": item["href"]}]}}
    response = client.post(f"/v2.1/orders/{order['ref']}/consumers", json=body)
    assert response.status_code == 201, response.text
    consumer = client.get(f"/v2.1/orderConsumers/{response.json()['ref']}").json()
    assert consumer["orderItems"]["items"] == [{"href": item["href"]}]
    guest = client.get(consumer["guest"]["href"]).json()
    assert guest["guestType"] == "traveller"


def test_order_data_extension_create_read_patch_put_delete(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    path = f"/v2.1/orders/{order['ref']}/extensions/ext"
    created = client.post(path, json={"giftWrap": True, "loyaltyTier": "gold"})
    assert created.status_code == 201, created.text
    assert client.get(path).json() | {"href": ""} == {
        "href": "",
        "name": "ext",
        "key": "default",
        "giftWrap": True,
        "loyaltyTier": "gold",
    }
    assert client.patch(path, json={"points": 120}).json()["points"] == 120
    replaced = client.put(path, json={"channelNote": "phone"}).json()
    assert "giftWrap" not in replaced
    assert client.delete(path).status_code == 200
    assert client.get(path).status_code == 404


def test_order_item_data_extension_is_stored_per_item(client: httpx.Client) -> None:
    _, item = _order_with_item(client)
    path = f"/v2.1/orderItems/{item['ref']}/extensions/ext"
    assert client.post(path, json={"shoeSize": 42, "widthFit": "wide"}).status_code == 201
    listed = client.get(f"/v2.1/orderItems/{item['ref']}/extensions").json()
    assert [(e["name"], e["shoeSize"]) for e in listed["items"]] == [("ext", 42)]


def test_guest_look_up_by_email_and_by_identifier(client: httpx.Client) -> None:
    order = create_order(client, unique("ORD"))
    email, crm = f"{unique('look').lower()}@example.com", unique("CRM")
    contact = {"emails": [email], "identifiers": [{"provider": "crm", "id": crm}]}
    guest_href = client.post(f"/v2.1/orders/{order['ref']}/contacts", json=contact).json()["guest"]["href"]
    by_email = client.get("/v2.1/guests", params={"email": email.upper()}).json()
    by_id = client.get("/v2.1/guests", params={"identifiers.provider": "crm", "identifiers.id": crm}).json()
    assert [i["href"] for i in by_email["items"]] == [guest_href]
    assert [i["href"] for i in by_id["items"]] == [guest_href]
