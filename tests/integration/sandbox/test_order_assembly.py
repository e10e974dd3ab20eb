"""Order assembly from Stream sequences over real HTTP: one right order, or none and a stated reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.sandbox.stream_client import StreamClient, product


def reference() -> str:
    return f"ORD-{uuid.uuid4().hex[:10].upper()}"


def test_correct_sequence_assembles_exactly_one_order(stream: StreamClient) -> None:
    browser, ref = stream.browser(), reference()
    stream.identify(browser, "buyer@example.com")
    stream.add(browser, "A", "19.99", 2)
    stream.add(browser, "B", "0.10", 3)
    stream.add(browser, "A", "19.99", 3)
    stream.ok(
        browser,
        "ADD_CONTACTS",
        contact=[{"firstname": "Bea", "lastname": "Buyer", "email": "buyer@example.com"}],
    )
    stream.confirm(browser, "A", "B")
    stream.checkout(browser, ref, "PURCHASED")
    stream.ok(browser, "PAYMENT", pay_type="PayPal")

    [order] = stream.inspect("orders", referenceId=ref)["items"]
    assert (order["status"], order["currencyCode"], order["paymentType"]) == ("PURCHASED", "EUR", "PayPal")
    assert order["price"] == 60.27  # 3 x 19.99 + 3 x 0.10, exact
    assert [(i["itemId"], i["quantity"], i["price"], i["status"]) for i in order["orderItems"]] == [
        ("A", 3, 19.99, "PURCHASED"),
        ("B", 3, 0.1, "PURCHASED"),
    ]
    assert (order["pointOfSale"], order["channel"], order["createdBy"]) == ("retail-web", "WEB", "stream")
    assert order["guest"]["email"] == "buyer@example.com"
    assert order["guest"]["guestType"] == "customer"
    assert [(h["status"], h["api"]) for h in order["statusHistory"]] == [("PURCHASED", "stream")]
    assert [(c["api"], c["action"], c["fields"]) for c in order["changes"]] == [
        ("stream", "create", []),
        ("stream", "update", ["paymentType"]),
    ]
    assert [r for r in stream.inspect("rejections")["items"] if r["browserId"] == browser] == []


def _confirm_unknown(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.confirm(browser, "A", "NEVER-ADDED")
    stream.checkout(browser, ref)


def _without_confirm(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.checkout(browser, ref)


def _split_by_inactivity(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.advance(21 * 60)
    stream.confirm(browser, "A")
    stream.checkout(browser, ref)


def _split_by_force_close(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.ok(browser, "FORCE_CLOSE")
    stream.checkout(browser, ref)


def _add_after_confirm(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.add(browser, "B")
    stream.checkout(browser, ref)


def _cleared(stream: StreamClient, browser: str, ref: str) -> None:
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.ok(browser, "CLEAR_CART")
    stream.checkout(browser, ref)


def _unidentified_order_checkout(stream: StreamClient, browser: str, ref: str) -> None:
    order = {"referenceId": ref, "orderedAt": "2025-03-07T16:15:11.000Z", "status": "PURCHASED",
             "currencyCode": "EUR", "price": 10, "paymentType": "Voucher"}  # fmt: skip
    stream.ok(browser, "ORDER_CHECKOUT", order=order)


WRONG: dict[str, tuple[Callable[[StreamClient, str, str], None], bool]] = {
    "confirm_unknown_item": (_confirm_unknown, True),
    "checkout_without_confirm": (_without_confirm, True),
    "split_across_sessions": (_split_by_inactivity, True),
    "split_across_sessions/force_close": (_split_by_force_close, True),
    "cart_changed_after_confirm": (_add_after_confirm, True),
    "cart_cleared": (_cleared, True),
    "guest_not_identified": (_unidentified_order_checkout, False),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_sequence_assembles_no_order_and_says_why(stream: StreamClient, case: str) -> None:
    scenario, identify_first = WRONG[case]
    browser, ref = stream.browser(), reference()
    if identify_first:
        stream.identify(browser, f"{uuid.uuid4().hex}@example.com")
    scenario(stream, browser, ref)
    assert stream.inspect("orders", referenceId=ref)["items"] == []
    rejected = [r for r in stream.inspect("rejections")["items"] if r["browserId"] == browser]
    assert [(r["reason"], r["referenceId"], r["api"]) for r in rejected] == [
        (case.split("/", maxsplit=1)[0], ref, "stream")
    ]
    assert rejected[0]["detail"]


def _ordered(stream: StreamClient, ref: str) -> str:
    browser = stream.browser()
    stream.identify(browser, f"{uuid.uuid4().hex}@example.com")
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.checkout(browser, ref)
    return browser


def rejections_of(stream: StreamClient, browser: str) -> list[Any]:
    return [r["reason"] for r in stream.inspect("rejections")["items"] if r["browserId"] == browser]


def test_second_checkout_of_the_same_reference_creates_no_second_order(stream: StreamClient) -> None:
    ref = reference()
    _ordered(stream, ref)
    again = _ordered(stream, ref)
    assert len(stream.inspect("orders", referenceId=ref)["items"]) == 1
    assert rejections_of(stream, again) == ["duplicate_reference"]


def test_redelivered_checkout_in_the_same_session_is_a_duplicate_reference(stream: StreamClient) -> None:
    ref = reference()
    browser = _ordered(stream, ref)
    stream.checkout(browser, ref)
    assert len(stream.inspect("orders", referenceId=ref)["items"]) == 1
    assert rejections_of(stream, browser) == ["duplicate_reference"]


def test_second_checkout_in_one_session_creates_no_second_order(stream: StreamClient) -> None:
    ref, other = reference(), reference()
    browser = _ordered(stream, ref)
    stream.checkout(browser, other)
    assert stream.inspect("orders", referenceId=other)["items"] == []
    assert rejections_of(stream, browser) == ["cart_already_checked_out"]


def test_checkout_for_an_anonymous_guest_creates_no_order(stream: StreamClient) -> None:
    browser, ref = stream.browser(), reference()
    stream.add(browser, "A")
    stream.confirm(browser, "A")
    stream.checkout(browser, ref)
    assert stream.inspect("orders", referenceId=ref)["items"] == []
    assert rejections_of(stream, browser) == ["guest_not_identified"]


def test_payment_without_an_order_is_recorded(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "PAYMENT", pay_type="Card")
    assert rejections_of(stream, browser) == ["payment_without_order"]


def test_session_survives_activity_within_the_timeout(stream: StreamClient) -> None:
    browser, ref = stream.browser(), reference()
    stream.identify(browser, f"{uuid.uuid4().hex}@example.com")
    stream.ok(browser, "ADD", product=product("A"))
    stream.advance(19 * 60)
    stream.confirm(browser, "A")
    stream.advance(19 * 60)
    stream.checkout(browser, ref)
    assert len(stream.inspect("orders", referenceId=ref)["items"]) == 1
