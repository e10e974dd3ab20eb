"""The sandbox store on a real (in-memory) SQLite database: the API the REST and Batch code uses."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.repo_journal import rejection
from sandbox.repo_orders import within_window
from sandbox.rows import GuestFields, Identifier, ItemFields, OrderFields
from sandbox.store import Store, open_store

NOW = "2025-03-07T16:15:11.000Z"


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store(None)
    yield opened
    opened.close()


def order_fields(reference: str = "ORD-1", ordered_at: str = NOW) -> OrderFields:
    return OrderFields(
        reference, ordered_at, "PURCHASED", "EUR", Decimal("44.99"), point_of_sale="retail-web"
    )


def test_order_round_trips_with_exact_price_and_first_history_entry(store: Store) -> None:
    order = store.orders.create(order_fields(), "rest", NOW)
    again = store.orders.get(order.order_ref)
    assert again is not None
    assert again.fields.price == Decimal("44.99")
    assert (again.created_by, again.modified_by) == ("rest", "rest")
    assert [(h.status, h.api) for h in store.orders.history(order.order_ref)] == [("PURCHASED", "rest")]


def test_status_change_is_recorded_with_the_changing_api(store: Store) -> None:
    order = store.orders.create(order_fields(), "stream", NOW)
    store.orders.update(order.order_ref, {"payment_type": "Card"}, "stream", NOW)
    changed = store.orders.update(order.order_ref, {"status": "REFUNDED"}, "batch", NOW)
    assert (changed.created_by, changed.modified_by, changed.fields.payment_type) == (
        "stream",
        "batch",
        "Card",
    )
    assert [(h.status, h.api) for h in store.orders.history(order.order_ref)] == [
        ("PURCHASED", "stream"),
        ("REFUNDED", "batch"),
    ]


def test_matching_uses_the_two_day_ordered_at_window(store: Store) -> None:
    store.orders.create(order_fields("ORD-1", "2025-03-07T00:00:00.000Z"), "rest", NOW)
    assert len(store.orders.find_matching("ORD-1", "2025-03-08T23:59:59.000Z")) == 1
    assert store.orders.find_matching("ORD-1", "2025-03-09T00:00:01.000Z") == []
    assert store.orders.find_matching("ORD-2", "2025-03-07T00:00:00.000Z") == []
    assert not within_window("2025-03-07T00:00:00Z", "garbage")


def test_items_and_extensions_go_with_a_deleted_order(store: Store) -> None:
    order = store.orders.create(order_fields(), "rest", NOW)
    item = store.items.create(order.order_ref, ItemFields("Shoe", "FOOTWEAR", Decimal("1.5"), "EUR"), "rest")
    store.extensions.put("order", order.order_ref, {"giftWrap": True})
    store.extensions.put("order_item", item.item_ref, {"size": "42"})
    assert store.orders.delete(order.order_ref)
    assert store.items.get(item.item_ref) is None
    assert store.extensions.get("order_item", item.item_ref) is None
    assert store.extensions.get("order", order.order_ref) is None
    assert not store.orders.delete(order.order_ref)


def test_item_update_and_extension_merge_and_key_delete(store: Store) -> None:
    order = store.orders.create(order_fields(), "rest", NOW)
    item = store.items.create(
        order.order_ref, ItemFields("Shoe", "FOOTWEAR", Decimal("1.5"), "EUR"), "stream"
    )
    updated = store.items.update(item.item_ref, {"quantity": Decimal(3)}, "rest")
    assert (updated.fields.quantity, updated.created_by, updated.modified_by) == (
        Decimal(3),
        "stream",
        "rest",
    )
    store.extensions.merge("order", order.order_ref, {"a": 1})
    store.extensions.merge("order", order.order_ref, {"b": "x"})
    assert store.extensions.delete_keys("order", order.order_ref, ["a"]).data == {"b": "x"}  # type: ignore[union-attr]


def test_guests_are_found_by_email_and_identifier_case_insensitively(store: Store) -> None:
    guest = store.guests.create(GuestFields("customer", email="Ann@Example.com"), "batch", NOW)
    store.guests.add_identifier(guest.guest_ref, Identifier("CRM", "C-42"))
    assert [g.guest_ref for g in store.guests.find_by_email("ann@example.COM")] == [guest.guest_ref]
    found = store.guests.find_by_identifier("crm", "c-42")
    assert found is not None
    assert found.guest_ref == guest.guest_ref


def test_rejections_keep_reason_and_event_types(store: Store) -> None:
    store.journal.add_rejection(rejection("checkout_without_confirm", "no CONFIRM", "stream", NOW,
                                          browser_id="b", event_types=("ADD", "CHECKOUT")))  # fmt: skip
    [kept] = store.journal.rejections("checkout_without_confirm")
    assert (kept.event_types, kept.browser_id, kept.seq) == (("ADD", "CHECKOUT"), "b", 1)


def test_data_survives_reopening_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "cdp.db")
    first = open_store(path)
    order = first.orders.create(order_fields(), "rest", NOW)
    first.close()
    second = open_store(path)
    assert second.orders.get(order.order_ref) is not None
    second.reset()
    assert second.orders.all() == []
    second.close()


def test_reset_also_empties_tables_other_modules_created(store: Store) -> None:
    store.conn.execute("CREATE TABLE module_rows (x TEXT)")
    store.conn.execute("INSERT INTO module_rows VALUES ('kept?')")
    store.guests.create(GuestFields(), "stream", NOW)
    store.reset()
    assert store.conn.execute("SELECT COUNT(*) FROM module_rows").fetchone()[0] == 0
    assert store.guests.all() == []


def test_trim_keeps_the_newest_events(store: Store) -> None:
    for n in range(5):
        store.journal.add_event(
            ref=f"e{n}", browser_id="b", session_id="s", type_="VIEW", at=NOW, raw_message="{}"
        )
    assert store.journal.trim_events(2) == 3
    assert [e.ref for e in store.journal.events()] == ["e3", "e4"]


def test_change_log_names_the_api_and_the_changed_fields(store: Store) -> None:
    order = store.orders.create(order_fields(), "stream", NOW)
    store.orders.update(order.order_ref, {"payment_type": "Card"}, "stream", NOW)
    store.orders.update(order.order_ref, {"status": "CANCELLED", "price": Decimal(0)}, "rest", NOW)
    assert [(c.api, c.action, c.fields) for c in store.orders.changes(order.order_ref)] == [
        ("stream", "create", ()),
        ("stream", "update", ("payment_type",)),
        ("rest", "update", ("status", "price")),
    ]
