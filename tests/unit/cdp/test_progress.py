"""Per-key Stream progress: resume or restart rules, browser retirement, redelivery, JSON round trip."""

from __future__ import annotations

import dataclasses

import pytest

from worker.cdp import progress as prog
from worker.plans import CartLine, Step, StreamEvent

IDLE = 60.0
LINE = CartLine("L-1", "item-1", "fp-1")
ADD = Step("ADD:item-1", StreamEvent.ADD, line=LINE)
CHECKOUT = Step("CHECKOUT", StreamEvent.CHECKOUT)
CLOSE = Step("FORCE_CLOSE", StreamEvent.FORCE_CLOSE)


def started(plan: str = "p1", browser: str = "b1", now: float = 0.0) -> prog.Progress:
    return prog.begin(prog.Progress(), plan, browser, now, IDLE)


def test_a_new_plan_starts_at_its_first_step_with_an_empty_cart() -> None:
    state = started()
    assert state.running == prog.Running("p1", "b1")
    assert prog.cart_of(state) == {}


def test_accepted_steps_count_and_fill_the_session_cart() -> None:
    state = prog.accepted(started(), ADD, now=5.0)
    assert state.running is not None
    assert state.running.done == 1
    assert state.session == prog.Session("b1", 5.0, (LINE,))


def test_the_next_plan_is_planned_against_the_live_session_cart() -> None:
    state = prog.begin(prog.accepted(started(), ADD, 5.0), "p2", "b1", now=30.0, idle_s=IDLE)
    assert prog.cart_of(state) == {"L-1": LINE}


def test_an_idle_session_counts_as_closed() -> None:
    state = prog.begin(prog.accepted(started(), ADD, 5.0), "p2", "b1", now=65.0, idle_s=IDLE)
    assert prog.cart_of(state) == {}


def test_a_plan_resumes_in_its_live_session_and_restarts_when_it_closed() -> None:
    half = prog.accepted(started(), ADD, 5.0)
    resumed = prog.begin(half, "p1", "b1", now=30.0, idle_s=IDLE)
    restarted = prog.begin(half, "p1", "b1", now=100.0, idle_s=IDLE)
    assert resumed.running is not None
    assert restarted.running is not None
    assert (resumed.running.done, restarted.running.done) == (1, 0)


def test_an_order_created_before_its_session_closed_is_not_sent_again() -> None:
    ordered = prog.accepted(prog.accepted(started(), ADD, 5.0), CHECKOUT, 6.0)
    later = prog.begin(ordered, "p1", "b1", now=500.0, idle_s=IDLE)
    assert later.running is not None
    assert later.running.done == 2
    assert prog.order_left_behind(later, now=500.0, idle_s=IDLE)
    assert not prog.order_left_behind(ordered, now=10.0, idle_s=IDLE)


def test_checkout_and_force_close_empty_the_session() -> None:
    after_checkout = prog.accepted(prog.accepted(started(), ADD, 1.0), CHECKOUT, 2.0)
    assert after_checkout.session is not None
    assert after_checkout.session.cart == ()
    assert prog.accepted(after_checkout, CLOSE, 3.0).session is None


def test_browser_choice_prefers_the_running_plan_then_the_event_then_the_stored_one() -> None:
    state = dataclasses.replace(started(), browser_id="stored")
    assert prog.choose_browser(state, "p1", "shop") == "b1"
    assert prog.choose_browser(state, "p2", "shop") == "shop"
    assert prog.choose_browser(state, "p2", None) == "stored"


def test_a_lost_browser_is_never_chosen_again_and_its_plan_starts_over() -> None:
    state = prog.browser_lost(prog.accepted(started(browser="shop"), ADD, 1.0), "shop")
    assert (state.running, state.session, state.dead_browsers) == (None, None, ("shop",))
    assert prog.choose_browser(state, "p1", "shop") is None


def at(partition: int, offset: int, timestamp_ms: int = 1000) -> prog.Position:
    return prog.Position("orders", partition, offset, timestamp_ms)


def test_finished_records_are_recognised_by_offset_or_event_id() -> None:
    done = prog.finish(started(), "p1", at(3, 41))
    assert prog.already_finished(done, "p9", at(3, 40, timestamp_ms=900))
    assert prog.already_finished(done, "p1", at(3, 99, timestamp_ms=5000))
    assert not prog.already_finished(done, "p9", at(3, 42))
    assert not prog.already_finished(done, "p9", at(2, 1))


def test_a_newer_record_at_an_old_offset_is_not_a_redelivery() -> None:
    done = prog.finish(started(), "p1", at(3, 41, timestamp_ms=1000))
    assert not prog.already_finished(done, "p9", at(3, 0, timestamp_ms=2000))  # the topic was recreated


def test_only_recent_event_ids_are_kept() -> None:
    state = prog.Progress()
    for n in range(40):
        state = prog.finish(state, f"e{n}", at(0, n))
    assert state.finished == tuple(f"e{n}" for n in range(24, 40))


def test_progress_survives_its_json_form() -> None:
    state = prog.with_pending(prog.accepted(started(), ADD, 5.5), True)
    state = dataclasses.replace(
        state, dead_browsers=("old",), finished=("e0",), offsets={"orders:0": (7, 1234)}
    )
    assert prog.from_bytes(prog.to_bytes(state)) == state
    assert prog.from_bytes(prog.to_bytes(prog.Progress())) == prog.Progress()


@pytest.mark.parametrize("raw", [b"", b"{}", b"[1]", b'{"browser": 1}'])
def test_unreadable_progress_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match="unreadable"):
        prog.from_bytes(raw)


def test_progress_from_a_newer_worker_is_refused_not_misread() -> None:
    newer = prog.to_bytes(prog.Progress()).replace(b'"v":1', b'"v":2')
    with pytest.raises(prog.NewerProgressError, match="v2"):
        prog.from_bytes(newer)
