"""Stream API over real HTTP: every documented happy path and every documented status code (§2, §6)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.sandbox.stream_client import COMMON, StreamClient, product


def test_browser_create_returns_201_with_browser_and_guest_refs(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    response = client.get(
        "/v1.2/browser/create.json", params={"client_key": sandbox.client_key, "message": "{}"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["version"], body["client_key"]) == ("OK", "1.2", sandbox.client_key)
    guest = client.get(f"/_sandbox/guests/{body['customer_ref']}").json()
    assert guest["browsers"] == [body["ref"]]
    assert guest["guestType"] == "visitor"


def test_browser_create_with_a_wrong_client_key_is_401(client: httpx.Client) -> None:
    response = client.get("/v1.2/browser/create.json", params={"client_key": "other-tenant", "message": "{}"})
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_event_with_a_wrong_client_key_is_401(stream: StreamClient) -> None:
    browser = stream.browser()
    response = stream.raw({**COMMON, "browser_id": browser, "type": "VIEW"}, client_key="other-tenant")
    assert response.status_code == 401
    assert set(response.json()) == {"status", "code", "message", "developerMessage", "moreInfo"}


def test_event_without_browser_id_is_400(stream: StreamClient) -> None:
    response = stream.raw({**COMMON, "type": "VIEW"})
    assert response.status_code == 400
    assert "browser_id" in response.json()["developerMessage"]


def test_event_without_type_is_400(stream: StreamClient) -> None:
    response = stream.raw({**COMMON, "browser_id": stream.browser()})
    assert response.status_code == 400
    assert "type" in response.json()["developerMessage"]


def test_event_for_an_unknown_browser_is_404(stream: StreamClient) -> None:
    response = stream.send("00000000-0000-4000-8000-000000000000", "VIEW")
    assert response.status_code == 404


def test_event_without_message_is_400(client: httpx.Client, sandbox: RunningSandbox) -> None:
    response = client.get("/v1.2/event/create.json", params={"client_key": sandbox.client_key})
    assert response.status_code == 400


def test_event_with_invalid_attributes_is_400_naming_the_attribute(stream: StreamClient) -> None:
    browser = stream.browser()
    for attrs, named in (({"language": "en"}, "language"), ({"currency": "EURO"}, "currency"),
                         ({"channel": "web"}, "channel"), ({"ext": {"bad_name": 1}}, "ext")):  # fmt: skip
        response = stream.send(browser, "VIEW", **attrs)
        assert response.status_code == 400, attrs
        assert named in response.json()["developerMessage"]


def test_post_is_not_a_documented_stream_method(client: httpx.Client, sandbox: RunningSandbox) -> None:
    response = client.post(f"/v1.2/event/create.json?client_key={sandbox.client_key}", content=b"{}")
    assert response.status_code == 405


def test_accepted_event_is_201_and_listed_for_its_browser(stream: StreamClient) -> None:
    browser = stream.browser()
    body = stream.ok(browser, "VIEW", ext={"campaign": "spring", "visits": 3})
    assert (body["status"], body["version"], body["client_key"]) == ("OK", "1.2", stream.client_key)
    events = stream.inspect("events", browserId=browser)["items"]
    assert [(e["type"], e["ref"]) for e in events] == [("VIEW", body["ref"])]
    assert events[0]["message"]["ext"] == {"campaign": "spring", "visits": 3}


def test_unknown_point_of_sale_is_201_but_dropped(stream: StreamClient) -> None:
    browser = stream.browser()
    response = stream.send(browser, "VIEW", pos="no-such-shop")
    assert response.status_code == 201
    assert stream.inspect("events", browserId=browser)["items"] == []
    dropped = [d for d in stream.inspect("dropped")["items"] if d["browserId"] == browser]
    assert [(d["reason"], d["pos"]) for d in dropped] == [("unknown_point_of_sale", "no-such-shop")]


def test_identity_makes_the_browser_guest_a_customer(stream: StreamClient, client: httpx.Client) -> None:
    browser = stream.browser()
    stream.ok(
        browser, "IDENTITY", identifiers=[{"provider": "crm", "id": "C-1"}], firstname="Ann", lastname="Lee"
    )
    [guest] = stream.inspect("guests", provider="CRM", id="c-1")["items"]
    assert (guest["guestType"], guest["firstName"], guest["browsers"]) == ("customer", "Ann", [browser])


def test_identity_with_a_provider_outside_the_rules_does_not_identify(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "IDENTITY", identifiers=[{"provider": "loyalty", "id": "L-1"}])
    assert stream.inspect("guests", provider="loyalty", id="L-1")["items"] == []


def test_identity_of_a_known_customer_moves_the_browser_to_that_guest(stream: StreamClient) -> None:
    first, second = stream.browser(), stream.browser()
    stream.identify(first, "same@example.com")
    stream.identify(second, "SAME@example.com")
    [guest] = stream.inspect("guests", provider="email", id="same@example.com")["items"]
    assert guest["browsers"] == [first, second]


def test_add_contacts_identifies_the_order_owner_by_email(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "ADD_CONTACTS", contact=[{"firstname": "Bo", "email": "bo@example.com"}])
    [guest] = stream.inspect("guests", email="bo@example.com")["items"]
    assert (guest["guestType"], guest["browsers"]) == ("customer", [browser])


def session_of(stream: StreamClient, browser: str) -> dict[str, Any]:
    [session] = [s for s in stream.inspect("sessions")["items"] if s["browserId"] == browser]
    assert isinstance(session, dict)
    return session


def identified_browser(stream: StreamClient) -> str:
    browser = stream.browser()
    stream.identify(browser, f"{uuid.uuid4().hex}@example.com")
    return browser


def test_add_puts_the_line_in_the_session_cart(stream: StreamClient) -> None:
    browser = stream.browser()
    assert stream.send(browser, "ADD", product=product("A")).status_code == 201
    assert session_of(stream, browser)["cart"] == ["A"]


def test_confirm_snapshots_the_cart(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.add(browser, "A")
    assert stream.send(browser, "CONFIRM", product=[{"item_id": "A"}]).status_code == 201
    assert session_of(stream, browser)["confirmed"] == ["A"]


def test_checkout_creates_the_order(stream: StreamClient) -> None:
    browser = identified_browser(stream)
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    assert (
        stream.send(browser, "CHECKOUT", reference_id="API-CHECKOUT-1", status="CONFIRMED").status_code == 201
    )
    [order] = stream.inspect("orders", referenceId="API-CHECKOUT-1")["items"]
    assert order["status"] == "CONFIRMED"


def test_payment_records_the_payment_type(stream: StreamClient) -> None:
    browser = identified_browser(stream)
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.checkout(browser, "API-PAYMENT-1")
    assert stream.send(browser, "PAYMENT", pay_type="Voucher").status_code == 201
    [order] = stream.inspect("orders", referenceId="API-PAYMENT-1")["items"]
    assert order["paymentType"] == "Voucher"


def test_clear_cart_empties_the_cart(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.add(browser, "A")
    assert stream.send(browser, "CLEAR_CART").status_code == 201
    assert session_of(stream, browser)["cart"] == []


def test_force_close_ends_the_session(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "VIEW")
    assert stream.send(browser, "FORCE_CLOSE").status_code == 201
    stream.ok(browser, "VIEW")
    events = stream.inspect("events", browserId=browser)["items"]
    assert events[0]["sessionId"] == events[1]["sessionId"] != events[2]["sessionId"]


def test_add_consumers_is_accepted_without_identifying_anyone(stream: StreamClient) -> None:
    browser = stream.browser()
    consumer = [{"firstname": "Cy", "lastname": "Doe", "email": "cy@example.com"}]
    assert stream.send(browser, "ADD_CONSUMERS", consumer=consumer).status_code == 201
    assert stream.inspect("guests", email="cy@example.com")["items"] == []


def test_order_checkout_creates_the_order_with_items_and_extensions(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.identify(browser, "one@example.com")
    order = {
        "referenceId": "OC-1",
        "orderedAt": "2025-03-07T16:15:11.000Z",
        "status": "PURCHASED",
        "currencyCode": "EUR",
        "price": 30.5,
        "paymentType": "Card",
        "cardType": "Visa",
        "extensions": [{"name": "ext", "key": "default", "giftWrap": True}],
        "orderItems": [
            {
                "type": "FOOTWEAR",
                "name": "Shoe",
                "price": 30.5,
                "quantity": 1,
                "referenceId": "L1",
                "extensions": [{"name": "ext", "size": "42"}],
            }
        ],
    }
    stream.ok(browser, "ORDER_CHECKOUT", order=order)
    [stored] = stream.inspect("orders", referenceId="OC-1")["items"]
    assert (stored["price"], stored["cardType"], stored["createdBy"]) == (30.5, "Visa", "stream")
    assert stored["extensions"] == {"ext": {"giftWrap": True}}
    assert stored["orderItems"][0]["extensions"] == {"ext": {"size": "42"}}
    assert stored["guest"]["email"] == "one@example.com"


def test_custom_event_is_accepted_and_recorded(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "WISHLIST_SHARED", ext={"items": 2})
    assert [e["type"] for e in stream.inspect("events", browserId=browser)["items"]] == ["WISHLIST_SHARED"]
