"""Reconciliation fold (pure): the latest state of each Stream-created order, deletions dropped."""

from __future__ import annotations

from tests.unit.corrections.conftest import EventBuilder
from worker.mapping.corrections import RoutingPolicy
from worker.tools.backfill import stream_created


def test_stream_created_orders_keep_their_latest_state(build: EventBuilder) -> None:
    placed = build("OrderPlaced", **{"order.order_id": "DE-2026-000981"})
    updated = build("OrderUpdated")
    cancelled = build("OrderCancelled", **{"order.order_id": "DE-2026-000981"})
    assert stream_created([placed, updated, cancelled], RoutingPolicy()) == [cancelled]


def test_deleted_untracked_and_unknown_orders_are_left_out(build: EventBuilder) -> None:
    placed = build("OrderPlaced", **{"order.order_id": "A-1"})
    deleted = build("OrderDeleted", order_id="A-1", ordered_at="2026-11-27T14:03:10.000Z")
    untracked = build("OrderPlaced", **{"order.order_id": "B-1", "guest.tracking_refused": True})
    correction_only = build("OrderUpdated", **{"order.order_id": "C-1"})
    imported = build("OrderImported")
    events = [placed, deleted, untracked, correction_only, imported]
    assert stream_created(events, RoutingPolicy()) == []
