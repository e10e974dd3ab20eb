"""Session and order-assembly rules of the Stream sandbox, driven with an explicit clock."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from sandbox.config import StrictSwitches
from sandbox.sessions import OrderDraft, SessionBook, Violation
from sandbox.stream_payloads import AddProduct

KEY = ("browser-1", "WEB", "retail-web")
TIMEOUT = 1200.0


def line(item_id: str, price: str = "10.00", quantity: int = 1) -> AddProduct:
    return AddProduct(
        item_id=item_id,
        type="FOOTWEAR",
        name=f"Item {item_id}",
        ordered_at="2025-03-07T16:15:11.000Z",
        quantity=Decimal(quantity),
        price=Decimal(price),
        product_id=f"P-{item_id}",
        currency="EUR",
        reference_id=f"R-{item_id}",
        original_price=None,
        original_currency=None,
    )


def book(**switches: bool) -> SessionBook:
    return SessionBook(TIMEOUT, dataclasses.replace(StrictSwitches(), **switches))


def reason(outcome: OrderDraft | Violation) -> str:
    assert isinstance(outcome, Violation), outcome
    return outcome.reason


def test_confirmed_lines_become_the_order_with_the_latest_add_per_item() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A", "5.00", 1))
    sessions.add(s, line("B", "2.50", 4))
    sessions.add(s, line("A", "7.25", 2))
    sessions.confirm(s, ("A", "B"))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert [(ln.item_id, ln.price, ln.quantity) for ln in draft.lines] == [
        ("A", Decimal("7.25"), Decimal(2)),
        ("B", Decimal("2.50"), Decimal(4)),
    ]
    assert (draft.reference_id, draft.status) == ("ORD-1", "PURCHASED")


def test_unconfirmed_lines_stay_out_of_the_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.add(s, line("B"))
    sessions.confirm(s, ("B",))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert [ln.item_id for ln in draft.lines] == ["B"]


def test_session_stays_open_until_the_inactivity_timeout() -> None:
    sessions = book()
    first = sessions.session(KEY, 0)
    assert sessions.session(KEY, TIMEOUT - 1) is first
    assert sessions.session(KEY, 2 * TIMEOUT - 2) is first
    later = sessions.session(KEY, 3 * TIMEOUT)
    assert later is not first
    assert first.closed_by == "inactivity"


def test_sessions_are_per_browser_channel_and_point_of_sale() -> None:
    sessions = book()
    web = sessions.session(KEY, 0)
    app = sessions.session(("browser-1", "MOBILE_APP", "retail-app"), 0)
    other = sessions.session(("browser-2", "WEB", "retail-web"), 0)
    assert len({web.session_id, app.session_id, other.session_id}) == 3


def test_force_close_opens_a_new_session_on_the_next_event() -> None:
    sessions = book()
    first = sessions.session(KEY, 0)
    sessions.force_close(first)
    assert sessions.session(KEY, 1) is not first
    assert first.closed_by == "force_close"


def test_confirm_of_an_item_never_added_voids_the_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A", "GHOST"))
    assert reason(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)) == "confirm_unknown_item"


def test_confirm_of_an_unknown_item_skips_the_line_when_switched() -> None:
    sessions = book(confirm_unknown_item_voids_order=False)
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A", "GHOST"))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert [ln.item_id for ln in draft.lines] == ["A"]


def test_checkout_without_confirm_creates_no_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    assert reason(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)) == "checkout_without_confirm"


def test_checkout_without_confirm_orders_every_line_when_switched() -> None:
    sessions = book(checkout_requires_confirm=False)
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.add(s, line("B"))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert [ln.item_id for ln in draft.lines] == ["A", "B"]


def test_confirm_in_a_later_session_than_the_adds_is_a_split_sequence() -> None:
    sessions = book()
    first = sessions.session(KEY, 0)
    sessions.add(first, line("A"))
    second = sessions.session(KEY, TIMEOUT + 1)
    sessions.confirm(second, ("A",))
    assert reason(sessions.checkout(second, "ORD-1", "PURCHASED", identified=True)) == "split_across_sessions"


def test_checkout_in_a_later_session_than_the_confirm_is_a_split_sequence() -> None:
    sessions = book()
    first = sessions.session(KEY, 0)
    sessions.add(first, line("A"))
    sessions.confirm(first, ("A",))
    sessions.force_close(first)
    second = sessions.session(KEY, 1)
    assert reason(sessions.checkout(second, "ORD-1", "PURCHASED", identified=True)) == "split_across_sessions"


def test_cart_survives_session_close_when_switched() -> None:
    sessions = book(cart_survives_session_close=True)
    first = sessions.session(KEY, 0)
    sessions.add(first, line("A"))
    sessions.confirm(first, ("A",))
    second = sessions.session(KEY, TIMEOUT + 1)
    assert isinstance(sessions.checkout(second, "ORD-1", "PURCHASED", identified=True), OrderDraft)


def test_add_after_confirm_that_is_not_confirmed_creates_no_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A",))
    sessions.add(s, line("B"))
    assert reason(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)) == "cart_changed_after_confirm"


def test_re_adding_a_confirmed_item_after_confirm_updates_the_line() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A", "1.00"))
    sessions.confirm(s, ("A",))
    sessions.add(s, line("A", "3.00"))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert draft.lines[0].price == Decimal("3.00")


def test_clear_cart_after_confirm_creates_no_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A",))
    sessions.clear_cart(s)
    assert reason(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)) == "cart_cleared"


def test_clear_cart_then_a_new_basket_orders_only_the_new_lines() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.clear_cart(s)
    sessions.add(s, line("B"))
    sessions.confirm(s, ("B",))
    draft = sessions.checkout(s, "ORD-1", "PURCHASED", identified=True)
    assert isinstance(draft, OrderDraft)
    assert [ln.item_id for ln in draft.lines] == ["B"]


def test_second_checkout_in_the_same_session_creates_no_order() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A",))
    assert isinstance(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True), OrderDraft)
    sessions.checked_out(s, "order-ref-1")
    assert reason(sessions.checkout(s, "ORD-2", "PURCHASED", identified=True)) == "cart_already_checked_out"


@pytest.mark.parametrize(("required", "expected"), [(True, "guest_not_identified"), (False, None)])
def test_checkout_for_an_unidentified_guest_follows_the_switch(required: bool, expected: str | None) -> None:
    sessions = book(checkout_requires_identified_guest=required)
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A",))
    outcome = sessions.checkout(s, "ORD-1", "PURCHASED", identified=False)
    assert (outcome.reason if isinstance(outcome, Violation) else None) == expected


def test_lenient_context_remembers_channel_and_pos_per_browser() -> None:
    sessions = book(require_all_common=False)
    assert sessions.context_of("browser-1") is None
    sessions.remember_context("browser-1", "WEB", "retail-web")
    assert sessions.context_of("browser-1") == ("WEB", "retail-web")


def test_prune_closes_idle_sessions_and_forgets_old_closed_ones() -> None:
    sessions = book()
    idle = sessions.session(KEY, 0)
    busy = sessions.session(("browser-2", "WEB", "retail-web"), TIMEOUT)
    assert sessions.prune(TIMEOUT + 1, keep_closed_seconds=10 * TIMEOUT) == 1
    assert idle.closed_by == "inactivity"
    assert sessions.open_sessions(TIMEOUT + 1) == [busy]
    assert sessions.previous(KEY) is idle
    sessions.prune(20 * TIMEOUT, keep_closed_seconds=10 * TIMEOUT)
    assert sessions.previous(KEY) is None


def test_a_later_correct_confirm_replaces_a_wrong_one() -> None:
    sessions = book()
    s = sessions.session(KEY, 0)
    sessions.add(s, line("A"))
    sessions.confirm(s, ("A", "GHOST"))
    sessions.confirm(s, ("A",))
    assert isinstance(sessions.checkout(s, "ORD-1", "PURCHASED", identified=True), OrderDraft)
