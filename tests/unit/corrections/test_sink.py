"""Corrections sink and router: update-before-create window, fallbacks, routes to Stream / REST / Batch."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.cdp.fakes import FakeState
from tests.unit.cdp.fakes import FakeStream as FakeCdpStream
from tests.unit.corrections.conftest import EventBuilder
from tests.unit.corrections.fakes import FakeRest
from worker.cdp.batch import BatchRecordRejectedError
from worker.cdp.rest_errors import BatchTransientError, OrderNotVisibleError, RestTransientError
from worker.cdp.rest_orders import RestOrderWriter
from worker.events import Event
from worker.mapping.corrections import Action, Route, RoutingPolicy, Upsert
from worker.runtime.cdp_sink import CdpSink, CdpSinkOptions
from worker.runtime.corrections_sink import CorrectionOptions, CorrectionsSink, OrderNeverAppearedError
from worker.runtime.records import Record
from worker.runtime.router_sink import CorrectionRate, RouterSink

RECORD = Record(topic="t", partition=0, offset=1, key=b"k", value=b"{}", headers=(), timestamp_ms=0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeBatch:
    def __init__(self) -> None:
        self.actions: list[Action] = []

    async def submit(self, record: Record, action: Action) -> None:
        self.actions.append(action)

    async def aclose(self) -> None:
        return None


class FakeStream:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def process(self, record: Record, event: Event) -> None:
        self.events.append(event)

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def finished_before(self, record: Record, event: Event) -> bool:
        return False

    async def note_finished(self, record: Record, event: Event) -> None:
        return None


def sink(
    rest: FakeRest, clock: Clock, fallback: str = "create", batch: FakeBatch | None = None
) -> CorrectionsSink:
    options = CorrectionOptions(wait_s=30.0, fallback=fallback)  # type: ignore[arg-type]  # test picks literals
    return CorrectionsSink(RestOrderWriter(rest), options, batch=batch, clock=clock)


async def test_a_correction_waits_for_its_order_then_the_fallback_creates_it(build: EventBuilder) -> None:
    rest, clock = FakeRest(), Clock()
    corrections = sink(rest, clock)
    event = build("OrderUpdated")
    for moment in (0.0, 10.0, 29.0):
        clock.now = moment
        with pytest.raises(OrderNotVisibleError):
            await corrections.handle(RECORD, event, Route.REST)
    clock.now = 31.0
    await corrections.handle(RECORD, event, Route.REST)
    assert [o["referenceId"] for o in rest.orders.values()] == ["DE-2026-000981"]


async def test_the_order_appearing_within_the_window_is_corrected_not_recreated(build: EventBuilder) -> None:
    rest, clock = FakeRest(), Clock()
    corrections = sink(rest, clock)
    with pytest.raises(OrderNotVisibleError):
        await corrections.handle(RECORD, build("OrderUpdated"), Route.REST)
    await corrections.handle(RECORD, build("OrderPlaced", **{"guest.anonymous": True}), Route.REST)
    clock.now = 5.0
    await corrections.handle(RECORD, build("OrderUpdated"), Route.REST)
    assert len(rest.orders) == 1
    assert next(iter(rest.orders.values()))["status"] == "CONFIRMED"


async def test_dead_letter_fallback(build: EventBuilder) -> None:
    rest, clock = FakeRest(), Clock()
    corrections = sink(rest, clock, fallback="dead_letter")
    with pytest.raises(OrderNotVisibleError):
        await corrections.handle(RECORD, build("OrderCancelled"), Route.REST)
    clock.now = 40.0
    with pytest.raises(OrderNeverAppearedError):
        await corrections.handle(RECORD, build("OrderCancelled"), Route.REST)
    assert rest.orders == {}


async def test_batch_fallback_sends_the_full_order_as_an_upsert(build: EventBuilder) -> None:
    rest, clock, batch = FakeRest(), Clock(), FakeBatch()
    corrections = sink(rest, clock, fallback="batch", batch=batch)
    with pytest.raises(OrderNotVisibleError):
        await corrections.handle(RECORD, build("OrderRefunded"), Route.REST)
    clock.now = 40.0
    await corrections.handle(RECORD, build("OrderRefunded"), Route.REST)
    assert len(batch.actions) == 1
    assert isinstance(batch.actions[0], Upsert)
    assert rest.orders == {}


async def test_a_deletion_of_an_order_that_never_appears_is_done_after_the_window(
    build: EventBuilder,
) -> None:
    rest, clock = FakeRest(), Clock()
    corrections = sink(rest, clock)
    with pytest.raises(OrderNotVisibleError):
        await corrections.handle(RECORD, build("OrderDeleted"), Route.REST)
    clock.now = 31.0
    await corrections.handle(RECORD, build("OrderDeleted"), Route.REST)
    assert rest.writes == []


async def test_router_sends_each_event_to_its_api(build: EventBuilder) -> None:
    rest, stream, batch = FakeRest(), FakeStream(), FakeBatch()
    router = RouterSink(stream, sink(rest, Clock(), batch=batch), RoutingPolicy())
    await router.process(RECORD, build("OrderPlaced"))
    await router.process(RECORD, build("OrderImported"))
    await router.process(RECORD, build("OrderPlaced", **{"guest.tracking_refused": True}))
    assert [e.event_type for e in stream.events] == ["OrderPlaced"]
    assert len(batch.actions) == 1
    assert len(rest.orders) == 1


async def test_a_high_correction_rate_moves_rest_corrections_to_batch(build: EventBuilder) -> None:
    clock, batch = Clock(), FakeBatch()
    rate = CorrectionRate(threshold_per_s=0.25, window_s=4.0, clock=clock)
    router = RouterSink(FakeStream(), sink(FakeRest(), clock, batch=batch), RoutingPolicy(), rate)
    routes = [router.route(build("OrderUpdated")) for _ in range(2)]
    assert routes == [Route.REST, Route.BATCH]
    clock.now = 100.0
    assert router.route(build("OrderUpdated")) is Route.REST


async def test_a_retried_record_keeps_its_first_route(build: EventBuilder) -> None:
    class RestDown(FakeRest):
        async def find_orders(self, reference_id: str) -> list[dict[str, object]]:
            raise RestTransientError("REST find_orders: HTTP 503", status=503)

    clock = Clock()
    rate = CorrectionRate(threshold_per_s=0.25, window_s=4.0, clock=clock)
    router = RouterSink(FakeStream(), sink(RestDown(), clock, batch=FakeBatch()), RoutingPolicy(), rate)
    router.route(build("OrderUpdated"))  # the next correction in the window is hot: Batch
    with pytest.raises(BatchTransientError):  # the Batch path's order look-up fails on REST
        await router.process(RECORD, build("OrderUpdated"))
    clock.now = 10.0  # the rate is low again; the retry stays on Batch, a new record takes REST
    with pytest.raises(BatchTransientError):
        await router.process(RECORD, build("OrderUpdated"))
    with pytest.raises(RestTransientError):
        await router.process(dataclasses.replace(RECORD, offset=2), build("OrderUpdated"))


async def test_a_batch_delete_that_finds_no_order_waits_then_is_done(build: EventBuilder) -> None:
    class NothingToDelete(FakeBatch):
        async def submit(self, record: Record, action: Action) -> None:
            raise BatchRecordRejectedError("Batch error log: code 404: No order found", status=404)

    clock = Clock()
    corrections = sink(FakeRest(), clock, batch=NothingToDelete())
    with pytest.raises(OrderNotVisibleError):
        await corrections.handle(RECORD, build("OrderDeleted"), Route.BATCH)
    clock.now = 31.0
    await corrections.handle(RECORD, build("OrderDeleted"), Route.BATCH)


async def test_a_delete_retried_after_it_may_have_applied_is_done_at_once(build: EventBuilder) -> None:
    class LostAnswer(FakeRest):
        async def delete_order(self, order_ref: str) -> None:
            await super().delete_order(order_ref)
            raise RestTransientError("REST delete_order: ReadTimeout")  # applied, answer lost

    rest, clock = LostAnswer(), Clock()
    corrections = sink(rest, clock)
    await corrections.handle(RECORD, build("OrderPlaced", **{"guest.anonymous": True}), Route.REST)
    deletion = build("OrderDeleted", order_id="DE-2026-000981", ordered_at="2026-11-27T14:03:10.000Z")
    with pytest.raises(RestTransientError):
        await corrections.handle(RECORD, deletion, Route.REST)
    await corrections.handle(RECORD, deletion, Route.REST)  # nothing left: done, no wait window
    assert rest.orders == {}


async def test_a_batch_delete_retried_after_a_failed_file_is_done_on_404(build: EventBuilder) -> None:
    class FileThenNothing(FakeBatch):
        async def submit(self, record: Record, action: Action) -> None:
            self.actions.append(action)
            if len(self.actions) == 1:
                raise BatchTransientError("Batch status: HTTP 503")  # the file may have been applied
            raise BatchRecordRejectedError("Batch error log: code 404: No order found", status=404)

    batch = FileThenNothing()
    corrections = sink(FakeRest(), Clock(), batch=batch)
    with pytest.raises(BatchTransientError):
        await corrections.handle(RECORD, build("OrderDeleted"), Route.BATCH)
    await corrections.handle(RECORD, build("OrderDeleted"), Route.BATCH)
    assert len(batch.actions) == 2


def _stream_sink(state: FakeState) -> CdpSink:
    """The Stream sink (the router's ledger), on a state topic that outlives a worker restart."""
    return CdpSink(FakeCdpStream(), state, CdpSinkOptions())


async def test_a_deletion_redelivered_after_a_restart_is_skipped_not_waited_for(build: EventBuilder) -> None:
    state, rest = FakeState(), FakeRest()
    placed = build("OrderPlaced", **{"guest.anonymous": True})  # an order over REST
    deletion = build("OrderDeleted", order_id="DE-2026-000981", ordered_at="2026-11-27T14:03:10.000Z")
    at = [dataclasses.replace(RECORD, offset=n) for n in (1, 2)]
    first = RouterSink(_stream_sink(state), sink(rest, Clock()), RoutingPolicy())
    await first.assigned([("t", 0)])
    await first.process(at[0], placed)
    await first.process(at[1], deletion)
    assert rest.orders == {}

    # a new worker restores the progress and gets both records again (their offsets were not committed)
    ledger = _stream_sink(state)
    again = RouterSink(ledger, sink(rest, Clock()), RoutingPolicy())
    await again.assigned([("t", 0)])
    await again.process(at[0], placed)  # not created again: it is before the finished deletion
    await again.process(at[1], deletion)  # no OrderNotVisibleError: the deletion is known as finished
    assert rest.orders == {}
    # a record after the deletion is not skipped; a Stream sink without progress lets the redelivery wait
    assert not ledger.finished_before(dataclasses.replace(RECORD, offset=3), build("OrderUpdated"))
    with pytest.raises(OrderNotVisibleError):
        await RouterSink(FakeStream(), sink(rest, Clock()), RoutingPolicy()).process(at[1], deletion)
