import asyncio

from worker.runtime.circuit import Breakers, CircuitBreaker, State


def state(breaker: CircuitBreaker) -> State:
    """The state read afresh (keeps the type checker from narrowing across calls)."""
    return breaker.state


async def test_failures_in_a_row_open_the_circuit_and_a_success_breaks_the_streak() -> None:
    breaker = CircuitBreaker("stream", threshold=3, open_seconds=60)
    breaker.record_failure()
    breaker.record_failure()
    breaker.reset_streak()
    breaker.record_failure()
    breaker.record_failure()
    assert state(breaker) is State.CLOSED
    breaker.record_failure()
    assert state(breaker) is State.OPEN


async def test_an_open_circuit_holds_callers_then_lets_one_probe_through() -> None:
    changes: list[tuple[str, State]] = []
    breaker = CircuitBreaker(
        "rest", threshold=1, open_seconds=0.2, on_change=lambda a, s: changes.append((a, s))
    )
    breaker.record_failure()
    waiters = [asyncio.create_task(breaker.wait_turn()) for _ in range(5)]
    await asyncio.sleep(0.1)
    assert not any(w.done() for w in waiters)
    await asyncio.sleep(0.2)
    done = [w for w in waiters if w.done()]
    assert len(done) == 1
    assert state(breaker) is State.HALF_OPEN
    breaker.record_success()
    turns = await asyncio.gather(*waiters)
    assert all(waited >= 0.1 for waited, _ in turns)
    assert sum(probe for _, probe in turns) == 1
    assert changes == [("rest", State.OPEN), ("rest", State.HALF_OPEN), ("rest", State.CLOSED)]


async def test_a_failed_probe_opens_the_circuit_again() -> None:
    breaker = CircuitBreaker("batch", threshold=1, open_seconds=0.05)
    breaker.record_failure()
    assert (await breaker.wait_turn())[1]
    assert state(breaker) is State.HALF_OPEN
    breaker.record_failure()
    assert state(breaker) is State.OPEN


async def test_breakers_report_open_apis() -> None:
    breakers = Breakers(threshold=1, open_seconds=10)
    breakers.of("stream").record_failure()
    breakers.of("rest")
    assert breakers.blocking
    assert breakers.open_apis() == ["stream"]


async def test_an_open_circuit_nobody_waits_on_stops_blocking_after_its_period() -> None:
    breakers = Breakers(threshold=1, open_seconds=0.05)
    breakers.of("stream").record_failure()
    assert breakers.blocking
    await asyncio.sleep(0.06)
    assert not breakers.blocking
    assert breakers.open_apis() == ["stream"]


async def test_a_probe_that_never_reports_back_is_replaced() -> None:
    breaker = CircuitBreaker("stream", threshold=1, open_seconds=0.05)
    breaker.record_failure()
    assert (await breaker.wait_turn())[1]
    _, second_probe = await breaker.wait_turn()
    assert second_probe
    assert state(breaker) is State.HALF_OPEN
