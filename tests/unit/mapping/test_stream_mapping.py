"""Mapping: each event type becomes the documented Stream sequence, with the direct-HTTP names."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, cast

import pytest

from tests.unit.mapping.conftest import EventBuilder, order_line
from worker.cdp.message import event_message, to_json
from worker.events import CartItemAdded, OrderPlaced
from worker.mapping import STREAM_MAPPERS, MappingOptions, NoRouteError, plan_for
from worker.mapping.fields import fingerprint, item_id
from worker.plans import CartLine, Plan, Step, StreamEvent

MULTI = MappingOptions(close_session_after_order=False)


def events(plan: Plan) -> list[str]:
    return [step.event.value for step in plan.steps]


def attrs(step: Step) -> dict[str, Any]:
    return dict(step.attributes)


def product(step: Step) -> dict[str, Any]:
    return cast(dict[str, Any], step.attributes["product"])


def test_order_placed_multi_event_sequence_for_an_identified_guest(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI)
    assert events(plan) == ["IDENTITY", "ADD", "ADD", "ADD", "ADD_CONTACTS", "CONFIRM", "CHECKOUT", "PAYMENT"]
    assert plan.plan_id == "6f1c2a3e-8b4d-4c1e-9a7f-2d5e8b9c0a11"
    assert plan.browser_hint == "1f9d7c2b-3e4a-4b5c-8d6e-7f8091a2b3c4"


def test_order_add_carries_every_product_field_with_exact_money(build: EventBuilder) -> None:
    event = build("OrderPlaced")
    assert isinstance(event, OrderPlaced)
    add = plan_for(event, MULTI).steps[2]
    assert product(add) == {
        "type": "APPAREL",
        "item_id": item_id("DE-2026-000981", "DE-2026-000981-2"),
        "name": "Merino Socken (3er-Pack)",
        "orderedAt": "2026-11-27T14:03:10.000Z",
        "quantity": 2,
        "price": Decimal("24.95"),
        "productId": "P-10077",
        "currency": "EUR",
        "referenceId": "DE-2026-000981-2",
        "originalPrice": Decimal("27.50"),
        "originalCurrencyCode": "CHF",
    }
    assert '"price":24.95' in to_json(add.attributes)
    assert '"originalPrice":27.50' in to_json(add.attributes)


def test_optional_line_fields_are_left_out_when_absent(build: EventBuilder) -> None:
    add = plan_for(build("OrderPlaced"), MULTI).steps[1]
    assert "originalPrice" not in product(add)
    assert "originalCurrencyCode" not in product(add)


def test_confirm_lists_every_item_id_and_checkout_names_the_order(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI)
    adds = [product(step)["item_id"] for step in plan.steps if step.event is StreamEvent.ADD]
    by_name = {step.name: step for step in plan.steps}
    assert attrs(by_name["CONFIRM"]) == {"product": [{"item_id": item} for item in adds]}
    assert attrs(by_name["CHECKOUT"]) == {"reference_id": "DE-2026-000981", "status": "PURCHASED"}
    assert attrs(by_name["PAYMENT"]) == {"pay_type": "Card"}
    assert len(set(adds)) == 3


def test_item_ids_are_stable_and_unique_per_order_and_line(build: EventBuilder) -> None:
    first = plan_for(build("OrderPlaced"), MULTI)
    again = plan_for(build("OrderPlaced", **{"event_id": "0b7e7a5e-1111-4c1e-9a7f-2d5e8b9c0a11"}), MULTI)
    other = plan_for(build("OrderPlaced", **{"order.order_id": "DE-2026-000982"}), MULTI)
    assert first.step_names == again.step_names
    assert set(first.step_names).isdisjoint(s for s in other.step_names if s.startswith("ADD:"))
    assert item_id("a:b", "c") != item_id("a", "b:c")


def test_identity_and_contacts_use_the_identity_spellings(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI)
    identifiers = [
        {"provider": "CRM", "id": "C-100482"},
        {"provider": "email", "id": "zoe.muller@example.de"},
    ]
    person = {
        "email": "zoe.muller@example.de",
        "firstname": "Zoë",
        "lastname": "Müller",
        "phone": "+49 30 1234567",
    }
    assert attrs(plan.steps[0]) == {"identifiers": identifiers, **person}
    assert attrs(plan.steps[4]) == {"contact": [{**person, "identifiers": identifiers}]}


def test_anonymous_guest_order_has_no_identity_but_keeps_the_order_steps(build: EventBuilder) -> None:
    anonymous: dict[str, Any] = {
        "customer_id": None,
        "email": None,
        "first_name": None,
        "last_name": None,
        "identifiers": [],
        "browser_id": None,
        "anonymous": True,
        "tracking_refused": False,
    }
    plan = plan_for(build("OrderPlaced", guest=anonymous), MULTI)
    assert events(plan) == ["ADD", "ADD", "ADD", "CONFIRM", "CHECKOUT", "PAYMENT"]
    assert plan.browser_hint is None


def test_switches_leave_out_identity_and_contacts(build: EventBuilder) -> None:
    plan = plan_for(
        build("OrderPlaced"),
        MappingOptions(add_contacts=False, send_identity=False, close_session_after_order=False),
    )
    assert events(plan) == ["ADD", "ADD", "ADD", "CONFIRM", "CHECKOUT", "PAYMENT"]


def test_order_without_payment_sends_no_payment(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced", **{"order.payment": None}), MULTI)
    assert events(plan)[-1] == "CHECKOUT"


def test_order_without_lines_confirms_an_empty_basket(build: EventBuilder) -> None:
    event = build("OrderPlaced")
    assert isinstance(event, OrderPlaced)  # the event contract refuses empty orders; the mapping copes
    empty = dataclasses.replace(event, order=dataclasses.replace(event.order, lines=()))
    plan = plan_for(empty, MULTI)
    assert events(plan) == ["IDENTITY", "ADD_CONTACTS", "CONFIRM", "CHECKOUT", "PAYMENT"]
    assert attrs(plan.steps[2]) == {"product": []}


def test_order_of_100_lines_adds_each_line_once_in_order(build: EventBuilder) -> None:
    lines = [order_line(n) for n in range(1, 101)]
    plan = plan_for(build("OrderPlaced", **{"order.lines": lines}), MULTI)
    adds = [step for step in plan.steps if step.event is StreamEvent.ADD]
    assert [product(step)["referenceId"] for step in adds] == [f"L-{n}" for n in range(1, 101)]
    assert len(set(plan.step_names)) == len(plan.steps)
    confirm = next(step for step in plan.steps if step.event is StreamEvent.CONFIRM)
    assert len(cast(list[Any], confirm.attributes["product"])) == 100


def test_unicode_names_survive_into_the_message(build: EventBuilder) -> None:
    name = 'Écharpe 日本 😀 "quoted"'
    plan = plan_for(build("OrderPlaced", **{"order.lines": [order_line(1, name=name)]}), MULTI)
    add = next(step for step in plan.steps if step.event is StreamEvent.ADD)
    assert product(add)["name"] == name
    assert '"name":"Écharpe 日本 😀 \\"quoted\\""' in to_json(add.attributes)


def test_zero_price_is_sent_as_an_exact_zero(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced", **{"order.lines": [order_line(1, unit_price="0.00")]}), MULTI)
    add = next(step for step in plan.steps if step.event is StreamEvent.ADD)
    assert product(add)["price"] == Decimal("0.00")
    assert '"price":0.00' in to_json(add.attributes)


def test_missing_page_falls_back_to_the_kind_of_event(build: EventBuilder, delete: object) -> None:
    assert plan_for(build("OrderPlaced", **{"context.page": delete}), MULTI).context.page == "checkout"
    assert plan_for(build("CartCleared", **{"context.page": delete}), MULTI).context.page == "cart"


def test_common_attributes_are_upper_cased(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI)
    message = event_message(plan.steps[-1], plan.context, "browser-1")
    assert message == {
        "type": "PAYMENT",
        "channel": "WEB",
        "language": "DE",
        "currency": "EUR",
        "page": "/checkout/confirmation",
        "pos": "shop.example.de",
        "browser_id": "browser-1",
        "pay_type": "Card",
    }


def test_lower_case_order_reference_is_upper_cased_on_checkout(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced", **{"order.order_id": "de-17"}), MULTI)
    assert attrs(plan.steps[-2])["reference_id"] == "DE-17"


# single event -------------------------------------------------------------------------------------------
def test_single_event_switch_sends_identity_and_order_checkout(build: EventBuilder) -> None:
    plan = plan_for(
        build("OrderPlaced"),
        MappingOptions(single_event=True, send_identity=False, close_session_after_order=False),
    )
    assert events(plan) == ["IDENTITY", "ORDER_CHECKOUT"]
    order = cast(dict[str, Any], plan.steps[1].attributes["order"])
    assert {k: order[k] for k in ("referenceId", "orderedAt", "status", "currencyCode", "price")} == {
        "referenceId": "DE-2026-000981",
        "orderedAt": "2026-11-27T14:03:10.000Z",
        "status": "PURCHASED",
        "currencyCode": "EUR",
        "price": Decimal("184.85"),
    }
    assert (order["paymentType"], order["cardType"]) == ("Card", "Visa")
    items = order["orderItems"]
    assert [(i["referenceId"], i["quantity"], i["price"]) for i in items] == [
        ("DE-2026-000981-1", 1, Decimal("129.95")),
        ("DE-2026-000981-2", 2, Decimal("24.95")),
        ("DE-2026-000981-3", 1, Decimal("5.00")),
    ]
    assert '"price":184.85' in to_json(plan.steps[1].attributes)


def test_single_event_switch_keeps_the_multi_event_flow_for_anonymous_or_unpaid_orders(
    build: EventBuilder,
) -> None:
    options = MappingOptions(single_event=True, close_session_after_order=False)
    unpaid = plan_for(build("OrderPlaced", **{"order.payment": None}), options)
    anonymous = plan_for(build("OrderPlaced", **{"guest.identifiers": []}), options)
    assert "ORDER_CHECKOUT" not in events(unpaid)
    assert "ORDER_CHECKOUT" not in events(anonymous)
    assert events(anonymous)[-3:] == ["CONFIRM", "CHECKOUT", "PAYMENT"]


def test_card_type_is_left_out_when_unknown(build: EventBuilder) -> None:
    plan = plan_for(
        build("OrderPlaced", **{"order.payment": {"type": "PayPal"}}), MappingOptions(single_event=True)
    )
    assert "cardType" not in cast(dict[str, Any], plan.steps[1].attributes["order"])


# cart events ----------------------------------------------------------------------------------------------
def test_cart_item_added_is_one_add_keyed_by_cart_and_line(build: EventBuilder) -> None:
    event = build("CartItemAdded")
    assert isinstance(event, CartItemAdded)
    plan = plan_for(event, MULTI)
    assert events(plan) == ["ADD"]
    assert product(plan.steps[0])["item_id"] == item_id(event.cart_id, event.line.line_id)
    assert (
        product(plan.steps[0])["orderedAt"] == event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    )
    assert plan.steps[0].line == CartLine(
        event.line.line_id, product(plan.steps[0])["item_id"], fingerprint(event.line, event.context.currency)
    )


def test_cart_item_updated_replaces_the_line_with_the_same_item_id(build: EventBuilder) -> None:
    line = cast(
        dict[str, Any],
        {
            "line_id": "L-9",
            "product_id": "P-1",
            "sku": None,
            "name": "Shirt",
            "type": "APPAREL",
            "quantity": 1,
            "unit_price": "10.00",
        },
    )
    added = build("CartItemAdded", cart_id="CART-1", line=line)
    updated = build("CartItemUpdated", cart_id="CART-1", line={**line, "quantity": 4})
    first, second = plan_for(added, MULTI).steps[0], plan_for(updated, MULTI).steps[0]
    assert product(first)["item_id"] == product(second)["item_id"]
    assert (product(first)["quantity"], product(second)["quantity"]) == (1, 4)


def test_cart_item_removed_clears_then_re_adds_the_remaining_lines(build: EventBuilder) -> None:
    remaining = [order_line(2), order_line(3)]
    plan = plan_for(build("CartItemRemoved", remaining_lines=remaining), MULTI)
    assert events(plan) == ["CLEAR_CART", "ADD", "ADD"]
    assert [product(step)["referenceId"] for step in plan.steps[1:]] == ["L-2", "L-3"]


def test_removing_the_last_line_only_clears_the_cart(build: EventBuilder) -> None:
    assert events(plan_for(build("CartItemRemoved", remaining_lines=[]), MULTI)) == ["CLEAR_CART"]


def test_cart_cleared_is_clear_cart(build: EventBuilder) -> None:
    plan = plan_for(build("CartCleared"), MULTI)
    assert events(plan) == ["CLEAR_CART"]
    assert plan.steps[0].closes_cart


def test_guest_identified_is_identity_or_nothing(build: EventBuilder) -> None:
    assert events(plan_for(build("GuestIdentified"), MULTI)) == ["IDENTITY"]
    assert plan_for(build("GuestIdentified", **{"guest.identifiers": []}), MULTI).steps == ()


# lines already in the session -----------------------------------------------------------
def session_of(plan: Plan) -> dict[str, CartLine]:
    return {step.line.line_id: step.line for step in plan.steps if step.line is not None}


def test_order_after_its_cart_was_streamed_sends_only_missing_lines(build: EventBuilder) -> None:
    lines = [order_line(1), order_line(2), order_line(3)]
    cart = session_of(plan_for(build("CartItemRemoved", line_id="L-0", remaining_lines=lines[:2]), MULTI))
    changed = {**lines[1], "quantity": 9}
    order = build("OrderPlaced", **{"order.lines": [lines[0], changed, lines[2]]})
    plan = plan_for(order, MULTI, cart)
    adds = [product(step)["referenceId"] for step in plan.steps if step.event is StreamEvent.ADD]
    assert adds == ["L-2", "L-3"]
    confirm = next(step for step in plan.steps if step.event is StreamEvent.CONFIRM)
    confirmed = [entry["item_id"] for entry in cast(list[dict[str, str]], confirm.attributes["product"])]
    assert confirmed[0] == cart["L-1"].item_id
    assert confirmed[1:] == [product(step)["item_id"] for step in plan.steps if step.event is StreamEvent.ADD]


def test_order_with_an_empty_session_adds_every_line(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI, {})
    assert events(plan).count("ADD") == 3


def test_by_default_orders_close_their_session_and_cart_events_do_not(build: EventBuilder) -> None:
    assert events(plan_for(build("OrderPlaced"), MappingOptions()))[-2:] == ["PAYMENT", "FORCE_CLOSE"]
    single = plan_for(build("OrderPlaced"), MappingOptions(single_event=True))
    assert events(single) == ["IDENTITY", "ORDER_CHECKOUT", "FORCE_CLOSE"]
    assert single.steps[-1].closes_session
    assert "FORCE_CLOSE" not in events(plan_for(build("CartItemRemoved"), MappingOptions()))


def test_steps_know_which_are_safe_to_repeat(build: EventBuilder) -> None:
    plan = plan_for(build("OrderPlaced"), MULTI)
    assert [step.name for step in plan.steps if not step.replayable] == ["CHECKOUT", "PAYMENT"]


# table ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_type", ["OrderImported", "OrderUpdated", "OrderCancelled", "OrderRefunded", "OrderDeleted"]
)
def test_corrections_have_no_stream_route(build: EventBuilder, event_type: str) -> None:
    with pytest.raises(NoRouteError) as caught:
        plan_for(build(event_type), MULTI)
    assert caught.value.reason == "no_route"


def test_every_stream_mapper_is_registered_once() -> None:
    assert sorted(kind.__name__ for kind in STREAM_MAPPERS) == [
        "CartCleared",
        "CartItemAdded",
        "CartItemRemoved",
        "CartItemUpdated",
        "GuestIdentified",
        "OrderPlaced",
    ]


def test_the_events_point_of_sale_wins_over_the_default(build: EventBuilder) -> None:
    options = MappingOptions(default_pos="retail-web")
    assert plan_for(build("CartItemRemoved"), options).context.pos == "boutique.example.fr"
    assert plan_for(build("OrderPlaced"), options).context.pos == "shop.example.de"
