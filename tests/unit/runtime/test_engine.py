"""The engine's fates with in-memory fakes: retries capped by attempts, rejections held or dead-lettered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from tests.support.kafka import cart_event
from worker.errors import DeadLetterError, DeadLetterPendingError, RejectedError, TransientError
from worker.events import Event, event_from_dict
from worker.metrics import create_metrics
from worker.retry import Backoff
from worker.runtime.deadletters import Failure
from worker.runtime.engine import Engine, EngineOptions
from worker.runtime.records import Record


class JsonDecoder:
    def decode(self, value: bytes | None, headers: Sequence[tuple[str, bytes | None]] | None) -> Event:
        assert value is not None
        return event_from_dict(json.loads(value))


class FailingSink:
    def __init__(self, error: Exception, failures: int, more: Sequence[Exception] = ()) -> None:
        self.error, self.failures, self.calls = error, failures, 0
        self.errors = [*[error] * failures, *more]

    async def process(self, record: Record, event: Event) -> None:
        self.calls += 1
        if self.calls <= len(self.errors):
            raise self.errors[self.calls - 1]

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        return None

    async def aclose(self) -> None:
        return None


class Letters:
    def __init__(self) -> None:
        self.sent: list[tuple[Record, Failure]] = []

    async def send(self, record: Record, failure: Failure) -> None:
        self.sent.append((record, failure))


async def _run(sink: FailingSink, **options: object) -> tuple[Engine, Letters]:
    letters = Letters()
    opts = EngineOptions(backoff=Backoff(base=0.001, cap=0.002), **options)  # type: ignore[arg-type]
    engine = Engine(JsonDecoder(), sink, letters, create_metrics(CollectorRegistry()), opts, lambda e: None)
    value = json.dumps(cart_event("g", 1)).encode()
    engine.accept([Record("t", 0, 0, b"g", value, (), 0)])
    assert await engine.drain(10)
    return engine, letters


async def test_a_transient_failure_is_retried_until_the_attempt_cap_then_dead_lettered() -> None:
    sink = FailingSink(TransientError("503"), failures=100)
    engine, letters = await _run(sink, retry_max_attempts=4)
    assert sink.calls == 4
    assert [f.attempts for _, f in letters.sent] == [4]
    assert engine.tracker.committable() == {("t", 0): 1}


async def test_a_transient_failure_that_heals_is_done_without_a_dead_letter() -> None:
    sink = FailingSink(TransientError("503"), failures=3)
    engine, letters = await _run(sink)
    assert sink.calls == 4
    assert letters.sent == []
    assert engine.tracker.committable() == {("t", 0): 1}


async def test_policy_hold_retries_a_rejection_and_continue_dead_letters_it_at_once() -> None:
    held = FailingSink(RejectedError("400", status=400), failures=2)
    _, letters = await _run(held, dlq_key_policy="hold", dlq_hold_s=30.0)
    assert (held.calls, letters.sent) == (3, [])
    rejected = FailingSink(RejectedError("400", status=400), failures=2)
    _, letters = await _run(rejected)
    assert rejected.calls == 1
    assert [f.error for _, f in letters.sent] == [rejected.error]


def _on(api: str) -> TransientError:
    error = TransientError(f"{api} down")
    error.api = api  # type: ignore[attr-defined]  # CDP errors carry their API as a class attribute
    return error


async def test_a_probe_failing_on_another_api_leaves_no_circuit_stuck() -> None:
    sink = FailingSink(_on("stream"), failures=1, more=[_on("rest")])
    engine, letters = await _run(sink, circuit_threshold=1, circuit_open_s=0.05)
    assert sink.calls == 3
    assert letters.sent == []
    await asyncio.sleep(0.06)
    assert engine.accepting


class GatedSink(FailingSink):
    """Fails for good, but only once the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(RejectedError("400", status=400), failures=100)
        self.gate = asyncio.Event()

    async def process(self, record: Record, event: Event) -> None:
        await self.gate.wait()
        await super().process(record, event)


async def test_records_of_a_revoked_partition_are_never_dead_lettered_nor_started_late() -> None:
    sink, letters = GatedSink(), Letters()
    opts = EngineOptions(backoff=Backoff(base=0.001, cap=0.002))
    engine = Engine(JsonDecoder(), sink, letters, create_metrics(CollectorRegistry()), opts, lambda e: None)
    value = json.dumps(cart_event("g", 1)).encode()
    engine.accept([Record("t", 0, 0, b"g", value, (), 0)])
    await asyncio.sleep(0.01)
    revoking = asyncio.create_task(engine.revoke([("t", 0)], timeout=5))
    await asyncio.sleep(0.01)
    sink.gate.set()
    assert await revoking == {}
    engine.accept([Record("t", 0, 1, b"g", value, (), 0)])
    assert await engine.drain(5)
    assert letters.sent == []
    assert sink.calls == 1
    assert engine.released_total == 2


class SlowRestoreSink(FailingSink):
    """Restores its state on assignment only when the test lets it."""

    def __init__(self) -> None:
        super().__init__(TransientError("unused"), failures=0)
        self.restored = asyncio.Event()

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        await self.restored.wait()


async def test_the_engine_says_it_is_restoring_until_the_sink_restored_its_state() -> None:
    sink = SlowRestoreSink()
    engine = Engine(JsonDecoder(), sink, Letters(), create_metrics(CollectorRegistry()), EngineOptions(),
                    lambda e: None)  # fmt: skip
    assigning = asyncio.ensure_future(engine.assigned([("t", 0)]))
    await asyncio.sleep(0.01)
    assert engine.restoring == 1
    sink.restored.set()
    await assigning
    assert engine.restoring == 0


class OutageLetters(Letters):
    """The broker confirms dead letters only after ``outage`` failed attempts."""

    def __init__(self, outage: int) -> None:
        super().__init__()
        self.outage, self.attempts = outage, 0

    async def send(self, record: Record, failure: Failure) -> None:
        self.attempts += 1
        if self.attempts <= self.outage:
            raise DeadLetterPendingError("not confirmed: Local: Message timed out")
        await super().send(record, failure)


async def test_a_dead_letter_the_broker_did_not_confirm_is_written_again_without_stopping() -> None:
    letters, stops = OutageLetters(outage=3), list[BaseException]()
    opts = EngineOptions(backoff=Backoff(base=0.001, cap=0.002))
    engine = Engine(JsonDecoder(), FailingSink(RejectedError("400", status=400), failures=1), letters,
                    create_metrics(CollectorRegistry()), opts, stops.append)  # fmt: skip
    engine.accept([Record("t", 0, 0, b"g", json.dumps(cart_event("g", 1)).encode(), (), 0)])
    assert await engine.drain(10)
    assert (letters.attempts, len(letters.sent), stops) == (4, 1, [])
    assert engine.tracker.committable() == {("t", 0): 1}


async def test_a_dead_letter_the_broker_refused_stops_the_worker_uncommitted() -> None:
    class Refusing(Letters):
        async def send(self, record: Record, failure: Failure) -> None:
            raise DeadLetterError("refused: Broker: Topic authorization failed")

    stops: list[BaseException] = []
    engine = Engine(JsonDecoder(), FailingSink(RejectedError("400", status=400), failures=1), Refusing(),
                    create_metrics(CollectorRegistry()), EngineOptions(), stops.append)  # fmt: skip
    engine.accept([Record("t", 0, 0, b"g", json.dumps(cart_event("g", 1)).encode(), (), 0)])
    assert await engine.drain(10)
    assert [type(e) for e in stops] == [DeadLetterError]
    assert engine.tracker.committable() == {}
