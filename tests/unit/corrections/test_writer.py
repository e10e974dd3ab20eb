"""REST order writer over an in-memory CDP: look-up before write, convergence, only changed extension keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.corrections.conftest import EventBuilder, order_line
from tests.unit.corrections.fakes import FakeRest
from worker.cdp.rest_errors import OrderNotVisibleError, RestRejectedError
from worker.cdp.rest_orders import RestOrderWriter, same_value
from worker.mapping.corrections import Delete, Upsert, action_for


def upsert_of(build: EventBuilder, event_type: str = "OrderUpdated", **overrides: object) -> Upsert:
    action = action_for(build(event_type, **overrides))
    assert isinstance(action, Upsert)
    return action


async def test_a_correction_of_a_missing_order_raises_order_not_visible(build: EventBuilder) -> None:
    rest = FakeRest()
    with pytest.raises(OrderNotVisibleError):
        await RestOrderWriter(rest).upsert(upsert_of(build), create=False)
    assert rest.writes == []


async def test_creating_writes_order_contact_items_and_extensions_once(build: EventBuilder) -> None:
    rest, action = FakeRest(), upsert_of(build, "OrderImported")
    writer = RestOrderWriter(rest)
    await writer.upsert(action, create=True)
    kinds = [kind for kind, _ in rest.writes]
    assert kinds.count("create_order") == 1
    assert kinds.count("create_contact") == 1
    assert kinds.count("create_item") == len(action.order.items)
    rest.writes.clear()
    await writer.upsert(action, create=True)
    assert rest.writes == [], "a repeated upsert must not write anything"


async def test_a_correction_changes_only_what_differs(build: EventBuilder) -> None:
    rest = FakeRest()
    writer = RestOrderWriter(rest)
    await writer.upsert(upsert_of(build), create=True)
    rest.writes.clear()
    lines = [order_line(1, extensions={"colour": "red"}), order_line(2)]
    overrides: dict[str, object] = {"order.lines": lines, "order.total": "6.50", "order.extensions": {"a": 1}}
    changed = upsert_of(build, "OrderUpdated", **overrides)
    await writer.upsert(changed, create=False)
    kinds = sorted(kind for kind, _ in rest.writes)
    assert kinds.count("replace_order") == 1
    assert kinds.count("create_item") == 2
    assert kinds.count("delete_item") == len(upsert_of(build).order.items)
    assert sorted(i["referenceId"] for i in rest.items.values()) == ["L-1", "L-2"]
    order_ref = next(iter(rest.orders))
    assert rest.extensions[order_ref] == {"a": 1}


async def test_extension_sync_patches_changed_keys_and_deletes_removed_ones() -> None:
    rest = FakeRest(extensions={"o1": {"keep": "x", "change": 1, "drop": True}})
    await RestOrderWriter(rest).extension("orders", "o1", {"keep": "x", "change": 2, "add": "y"}, fresh=False)
    assert rest.writes == [("delete_extension", "o1:['drop']"), ("patch_extension", "o1:['add', 'change']")]
    assert rest.extensions["o1"] == {"keep": "x", "change": 2, "add": "y"}


async def test_extension_sync_creates_then_removes_the_whole_extension() -> None:
    rest = FakeRest()
    writer = RestOrderWriter(rest)
    await writer.extension("orderItems", "i1", {"a": 1}, fresh=False)
    await writer.extension("orderItems", "i1", {}, fresh=False)
    assert [kind for kind, _ in rest.writes] == ["create_extension", "delete_extension"]
    assert "i1" not in rest.extensions


async def test_duplicate_orders_and_lines_are_removed(build: EventBuilder) -> None:
    rest, action = FakeRest(), upsert_of(build)
    writer = RestOrderWriter(rest)
    await writer.upsert(action, create=True)
    first = next(iter(rest.orders.values()))
    await rest.create_order(action.order.fields)  # a create whose answer was lost
    item = next(iter(rest.items.values()))
    await rest.create_item(first["ref"], {k: v for k, v in item.items() if k not in ("ref", "order")})
    await writer.upsert(action, create=False)
    assert len(rest.orders) == 1
    assert len(rest.items) == len(action.order.items)


async def test_delete_matches_ordered_at_within_24_hours(build: EventBuilder) -> None:
    rest, action = FakeRest(), upsert_of(build)
    await RestOrderWriter(rest).upsert(action, create=True)
    far = Delete(action.order.reference_id, "2026-11-20T10:00:00.000Z")
    assert await RestOrderWriter(rest).delete(far) == 0
    near = Delete(action.order.reference_id, action.order.ordered_at.replace("14:03", "20:03"))
    assert await RestOrderWriter(rest).delete(near) == 1
    assert rest.orders == {}


async def test_an_order_more_than_two_days_away_is_another_order(build: EventBuilder) -> None:
    rest, action = FakeRest(), upsert_of(build)
    await RestOrderWriter(rest).upsert(action, create=True)
    later = dataclasses.replace(action.order, ordered_at="2026-12-05T10:00:00.000Z")
    with pytest.raises(OrderNotVisibleError):
        await RestOrderWriter(rest).upsert(Upsert(later, create=False), create=False)


@pytest.mark.parametrize(
    ("current", "desired", "same"),
    [(129.95, "x", False), (129.95, Decimal("129.95"), True), (1, True, False),
     (True, True, True), ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z", True), (None, "a", False)],
)  # fmt: skip
def test_values_compare_as_cdp_stores_them(current: object, desired: object, same: bool) -> None:
    assert same_value(current, desired) is same


async def test_cdp_refusing_a_contact_on_an_existing_order_does_not_fail_the_correction(
    build: EventBuilder,
) -> None:
    class StreamLinked(FakeRest):
        async def create_contact(self, order_ref: str, body: Mapping[str, object]) -> dict[str, Any]:
            raise RestRejectedError("The order already has a primary contact", status=400)

    rest = StreamLinked()
    stream_order = dict(upsert_of(build).order.fields)
    await rest.create_order(stream_order)
    await RestOrderWriter(rest).upsert(upsert_of(build), create=False)
    assert len(rest.items) == len(upsert_of(build).order.items)
    with pytest.raises(RestRejectedError):
        await RestOrderWriter(StreamLinked()).upsert(upsert_of(build, "OrderImported"), create=True)
