"""The CDP sink with in-memory Stream and state: resume, redelivery, 404, sessions, browser locks."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.cdp.fakes import Crash, FakeProbe, FakeState, FakeStream
from worker.cdp import errors
from worker.cdp.progress import from_bytes
from worker.events import Event, OrderLine, OrderPlaced, event_from_dict
from worker.mapping import MappingOptions
from worker.runtime.cdp_sink import CdpSink, CdpSinkOptions
from worker.runtime.records import Record
from worker.runtime.state import StateRestoreError

EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "examples"
ORDER_FLOW = [
    "IDENTITY",
    "ADD",
    "ADD",
    "ADD",
    "ADD_CONTACTS",
    "CONFIRM",
    "CHECKOUT",
    "PAYMENT",
    "FORCE_CLOSE",
]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def event(kind: str, **changes: Any) -> Event:
    data = copy.deepcopy(json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8")))
    data["guest"]["browser_id"] = None
    for key, value in changes.items():
        data[key] = value
    return event_from_dict(data)


def with_browser(item: Event, browser: str) -> Event:
    return dataclasses.replace(item, guest=dataclasses.replace(item.guest, browser_id=browser))


def record(offset: int, key: str = "C-1", partition: int = 0) -> Record:
    return Record("orders", partition, offset, key.encode(), b"{}", (), 0)


def make_sink(stream: FakeStream, state: FakeState, clock: Clock, idle: float = 60.0) -> CdpSink:
    return CdpSink(stream, state, CdpSinkOptions(MappingOptions(), session_idle_s=idle), clock=clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def fresh(stream: FakeStream, state: FakeState, clock: Clock) -> CdpSink:
    """A sink as a restarted worker has it: progress restored from the state topic."""
    sink = make_sink(stream, state, clock)
    await sink.assigned([("orders", 0)])
    return sink


async def test_order_is_sent_in_order_on_a_new_browser_and_saved(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    await sink.process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW
    assert {sent.browser for sent in stream.sent} == {"new-1"}
    saved = from_bytes(state.tables[0]["C-1"])
    assert (saved.browser_id, saved.running, saved.offsets) == ("new-1", None, {"orders:0": (0, 0)})


async def test_a_redelivered_record_sends_nothing_again(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    order = event("OrderPlaced")
    await (await fresh(stream, state, clock)).process(record(0), order)
    await (await fresh(stream, state, clock)).process(record(0), order)
    assert stream.events() == ORDER_FLOW


async def test_a_retry_resumes_after_the_last_accepted_step(clock: Clock) -> None:
    stream, state = FakeStream(failures={6: errors.ServerError("503", status=503)}), FakeState()
    sink = await fresh(stream, state, clock)
    with pytest.raises(errors.ServerError):
        await sink.process(record(0), event("OrderPlaced"))
    await sink.process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW


async def test_progress_is_saved_before_checkout_so_a_crash_resumes_there(clock: Clock) -> None:
    stream, state = FakeStream(failures={6: Crash()}), FakeState()  # type: ignore[dict-item]  # a BaseException on purpose
    with pytest.raises(Crash):
        await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    saved = from_bytes(state.tables[0]["C-1"])
    assert saved.running is not None
    assert (saved.running.done, saved.running.pending) == (6, True)
    await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW


async def test_a_crash_before_checkout_repeats_only_replayable_steps_in_the_same_session(
    clock: Clock,
) -> None:
    stream, state = FakeStream(failures={3: Crash()}), FakeState()  # type: ignore[dict-item]  # a BaseException on purpose
    with pytest.raises(Crash):
        await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW[:3] + ORDER_FLOW
    assert {sent.browser for sent in stream.sent} == {"new-1"}
    assert stream.events().count("CHECKOUT") == 1


async def test_unknown_browser_gets_a_new_one_and_the_plan_starts_over(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    await sink.process(record(0), event("CartCleared"))
    stream.unknown.add("new-1")
    await sink.process(record(1), event("OrderPlaced"))
    assert stream.events() == ["CLEAR_CART", *ORDER_FLOW]
    assert {sent.browser for sent in stream.sent[1:]} == {"new-2"}
    await sink.process(record(2), event("CartCleared", event_id="9d1c2a3e-8b4d-4c1e-9a7f-2d5e8b9c0a11"))
    assert stream.sent[-1].browser == "new-2"


async def test_a_storefront_browser_cdp_does_not_know_is_not_tried_twice(clock: Clock) -> None:
    stream, state = FakeStream(unknown={"shop-b"}), FakeState()
    sink = await fresh(stream, state, clock)
    cleared = with_browser(event("CartCleared"), "shop-b")
    await sink.process(record(0), cleared)
    await sink.process(record(1), dataclasses.replace(cleared, event_id="e-2"))
    assert [sent.browser for sent in stream.sent] == ["new-1", "new-1"]
    assert stream.browsers == 1


async def test_an_order_reuses_the_cart_lines_its_session_already_holds(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    order = event("OrderPlaced")
    assert isinstance(order, OrderPlaced)
    lines = order.order.lines
    cart = event("CartItemRemoved", line_id="gone", cart_id="CART-1", remaining_lines=[_line_json(lines[0])])
    await sink.process(record(0), cart)
    clock.now += 10
    await sink.process(record(1), order)
    assert stream.events() == ["CLEAR_CART", "ADD", "IDENTITY", "ADD", "ADD", "ADD_CONTACTS", "CONFIRM",
                               "CHECKOUT", "PAYMENT", "FORCE_CLOSE"]  # fmt: skip


async def test_an_order_after_the_session_went_idle_adds_every_line(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    order = event("OrderPlaced")
    assert isinstance(order, OrderPlaced)
    lines = order.order.lines
    await sink.process(
        record(0), event("CartItemRemoved", line_id="x", remaining_lines=[_line_json(lines[0])])
    )
    clock.now += 61
    await sink.process(record(1), order)
    assert stream.events()[2:] == ORDER_FLOW


def _line_json(line: OrderLine) -> dict[str, Any]:
    original = None if line.original_unit_price is None else str(line.original_unit_price)
    return {"line_id": line.line_id, "product_id": line.product_id, "sku": line.sku, "name": line.name,
            "type": line.type, "quantity": line.quantity, "unit_price": str(line.unit_price),
            "original_unit_price": original, "original_currency": line.original_currency}  # fmt: skip


async def test_keys_sharing_a_browser_never_interleave(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    shared = "shop-browser"
    first = with_browser(event("OrderPlaced"), shared)
    second = with_browser(event("OrderPlaced", event_id="7e1c2a3e-8b4d-4c1e-9a7f-2d5e8b9c0a11"), shared)
    await asyncio.gather(
        sink.process(record(0, "C-1"), first), sink.process(record(0, "C-2", partition=1), second)
    )
    assert stream.events() == ORDER_FLOW + ORDER_FLOW


async def test_an_event_without_stream_steps_needs_no_browser(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    sink = await fresh(stream, state, clock)
    identified = event("GuestIdentified")
    quiet = dataclasses.replace(identified, guest=dataclasses.replace(identified.guest, identifiers=()))
    await sink.process(record(0), quiet)
    assert (stream.sent, stream.browsers) == ([], 0)
    assert from_bytes(state.tables[0]["C-1"]).finished == (quiet.event_id,)


async def test_after_a_crash_in_the_checkout_window_cdp_is_asked_before_checkout_is_repeated(
    clock: Clock,
) -> None:
    stream, state = FakeStream(crash_after={6}), FakeState()
    with pytest.raises(Crash):
        await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    probe = FakeProbe(stream)
    sink = CdpSink(
        stream, state, CdpSinkOptions(MappingOptions(), session_idle_s=60), clock=clock, probe=probe
    )
    await sink.assigned([("orders", 0)])
    await sink.process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW
    assert probe.asked == ["DE-2026-000981"]


async def test_without_a_probe_the_checkout_is_sent_again_at_least_once(clock: Clock) -> None:
    stream, state = FakeStream(crash_after={6}), FakeState()
    with pytest.raises(Crash):
        await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    await (await fresh(stream, state, clock)).process(record(0), event("OrderPlaced"))
    assert stream.events() == [*ORDER_FLOW[:7], *ORDER_FLOW[6:]]


async def test_a_checkout_cdp_surely_did_not_get_is_retried_without_asking(clock: Clock) -> None:
    stream, state = FakeStream(failures={6: errors.ServerError("503", status=503)}), FakeState()
    probe = FakeProbe(stream)
    sink = CdpSink(
        stream, state, CdpSinkOptions(MappingOptions(), session_idle_s=60), clock=clock, probe=probe
    )
    await sink.assigned([("orders", 0)])
    with pytest.raises(errors.ServerError):
        await sink.process(record(0), event("OrderPlaced"))
    await sink.process(record(0), event("OrderPlaced"))
    assert (stream.events(), probe.asked) == (ORDER_FLOW, [])


async def test_a_browser_lost_after_its_order_was_created_does_not_create_it_again(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState()
    stream.on_send = lambda step: stream.unknown.add("new-1") if step.name == "CHECKOUT" else None
    sink = await fresh(stream, state, clock)
    await sink.process(record(0), event("OrderPlaced"))
    assert stream.events() == ORDER_FLOW[:7]
    assert stream.browsers == 1
    assert from_bytes(state.tables[0]["C-1"]).offsets == {"orders:0": (0, 0)}


async def test_restored_progress_from_a_newer_worker_stops_the_worker(clock: Clock) -> None:
    state = FakeState(tables={0: {"C-1": b'{"v": 9}'}})
    with pytest.raises(StateRestoreError, match="newer"):
        await fresh(FakeStream(), state, clock)


async def test_a_corrupt_progress_record_is_ignored(clock: Clock) -> None:
    stream, state = FakeStream(), FakeState(tables={0: {"C-1": b"not json"}})
    await (await fresh(stream, state, clock)).process(record(0), event("CartCleared"))
    assert stream.events() == ["CLEAR_CART"]
