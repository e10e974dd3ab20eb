"""The CDP sink as a dead-letter replay runs it: progress in memory, existing orders skipped."""

from __future__ import annotations

import pytest

from tests.unit.cdp.fakes import FakeProbe, FakeStream
from tests.unit.cdp.test_sink import ORDER_FLOW, Clock, event, record
from worker.cdp.rest_errors import RestTransientError
from worker.mapping import MappingOptions
from worker.runtime.cdp_sink import CdpSink, CdpSinkOptions
from worker.runtime.state import MemoryState

REPLAY = CdpSinkOptions(MappingOptions(), session_idle_s=60, skip_existing_orders=True)


async def replay_sink(stream: FakeStream, probe: FakeProbe) -> CdpSink:
    sink = CdpSink(stream, MemoryState(), REPLAY, clock=Clock(), probe=probe)
    await sink.assigned([("orders", 0)])
    return sink


async def test_a_replayed_order_cdp_lacks_is_sent_in_full_after_asking() -> None:
    stream = FakeStream()
    probe = FakeProbe(stream)
    await (await replay_sink(stream, probe)).process(record(0), event("OrderPlaced"))
    assert (stream.events(), probe.asked) == (ORDER_FLOW, ["DE-2026-000981"])


async def test_replaying_the_same_order_twice_creates_it_once() -> None:
    stream = FakeStream()
    probe = FakeProbe(stream)
    await (await replay_sink(stream, probe)).process(record(0), event("OrderPlaced"))
    await (await replay_sink(stream, probe)).process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW
    assert probe.asked == ["DE-2026-000981", "DE-2026-000981"]


async def test_when_cdp_cannot_tell_the_replay_is_retried_not_sent() -> None:
    stream = FakeStream()
    with pytest.raises(RestTransientError):
        await (await replay_sink(stream, FakeProbe(stream, blind=True))).process(
            record(0), event("OrderPlaced")
        )
    assert stream.events() == []


async def test_events_without_an_order_are_replayed_without_asking() -> None:
    stream = FakeStream()
    probe = FakeProbe(stream)
    await (await replay_sink(stream, probe)).process(record(0), event("CartItemAdded"))
    assert stream.events() and probe.asked == []


async def test_the_live_sink_never_asks_before_a_first_attempt() -> None:
    stream = FakeStream()
    probe = FakeProbe(stream)
    options = CdpSinkOptions(MappingOptions(), session_idle_s=60)
    sink = CdpSink(stream, MemoryState(), options, clock=Clock(), probe=probe)
    await sink.process(record(0), event("OrderPlaced"))
    assert (stream.events(), probe.asked) == (ORDER_FLOW, [])
