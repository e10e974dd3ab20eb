"""``cdp-worker dlq replay --through-worker``: dead letters processed by the worker's own pipeline.

Nothing is written to the source topic, so other consumers of it never see the replay. Each
selected dead letter becomes again the record it was (source topic, partition, offset, key, value,
original headers, timestamp) plus ``cdpw.replay.count``, and runs, in this process, through the same
decoder, input limits, key lanes, routing, CDP clients, fate table, retries and circuit breakers as
in a running worker, in source order per key. A record that fails again goes back to the dead-letter
topic with the count raised (``--max-replays`` stops loops); the dead letters themselves are never
removed, so an interrupted replay loses nothing.

The Stream sink keeps its progress in memory (the state topic's partitions belong to the running
workers), and a plan that creates an order first asks CDP over REST whether the order exists, so
replaying a dead letter twice never creates its order twice. That look-up needs the API token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import Producer
from prometheus_client import CollectorRegistry

from worker.app import (
    ProducerPoller,
    build_sink,
    decoder_for,
    engine_options,
    kafka_common,
    producer_conf,
)
from worker.config import Settings
from worker.errors import ConfigurationError, WorkerError
from worker.events import Event
from worker.metrics import Metrics, create_metrics
from worker.runtime.cdp_sink import build_cdp_sink
from worker.runtime.deadletters import DeadLetterWriter, Failure
from worker.runtime.engine import Engine
from worker.runtime.records import Record
from worker.runtime.router_sink import build_router_sink
from worker.runtime.sinks import Sink
from worker.tools.dlq_letters import DeadLetter

log = logging.getLogger("worker.dlq")

Where = tuple[str, int, int]


def source_position(letter: DeadLetter, fallback_topic: str) -> Where:
    """Where ``letter``'s record was in its source topic (the dead letter's own position if unknown)."""
    topic = letter.header("__connect.errors.topic") or fallback_topic
    partition = letter.header("__connect.errors.partition")
    offset = letter.header("__connect.errors.offset")
    if partition.isdigit() and offset.isdigit():
        return (topic, int(partition), int(offset))
    return (topic, letter.partition, letter.offset)


def source_record(letter: DeadLetter, fallback_topic: str) -> Record:
    """The record ``letter`` was made from, with its replay count raised by one."""
    topic, partition, offset = source_position(letter, fallback_topic)
    headers = tuple(letter.replayed_headers())
    return Record(topic, partition, offset, letter.key, letter.value, headers, letter.timestamp_ms)


def latest_per_record(letters: Iterable[DeadLetter], fallback_topic: str) -> list[DeadLetter]:
    """One dead letter per source record (the most replayed one), in source order.

    A record replayed through the worker and dead-lettered again has two letters with the same source
    position; replaying both would process it twice. Source order per partition keeps each key's order.
    """
    latest: dict[Where, DeadLetter] = {}
    for letter in letters:
        where = source_position(letter, fallback_topic)
        if where not in latest or letter.replays >= latest[where].replays:
            latest[where] = letter
    return [latest[where] for where in sorted(latest)]


def _where(record: Record) -> Where:
    return (record.topic, record.partition, record.offset)


@dataclass
class Outcomes:
    """What became of each replayed record, by source position."""

    done: set[Where] = field(default_factory=set)
    dead: set[Where] = field(default_factory=set)

    def of(self, record: Record) -> str:
        where = _where(record)
        return "dead_letter" if where in self.dead else "done" if where in self.done else "unfinished"


class _ObservedSink:
    """The real sink, noting each record it accepted."""

    def __init__(self, sink: Sink, outcomes: Outcomes) -> None:
        self._sink = sink
        self._outcomes = outcomes

    async def process(self, record: Record, event: Event) -> None:
        await self._sink.process(record, event)
        self._outcomes.done.add(_where(record))

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        await self._sink.assigned(partitions)

    async def aclose(self) -> None:
        await self._sink.aclose()


class _ObservedDeadLetters:
    """The dead-letter writer, noting each record it wrote."""

    def __init__(self, writer: DeadLetterWriter, outcomes: Outcomes) -> None:
        self._writer = writer
        self._outcomes = outcomes

    async def send(self, record: Record, failure: Failure) -> None:
        await self._writer.send(record, failure)
        self._outcomes.dead.add(_where(record))


def replay_sink(settings: Settings, metrics: Metrics) -> Sink:
    """The configured sink; the CDP one in replay mode (memory progress, existing orders skipped)."""
    if settings.sink != "cdp":
        return build_sink(settings, metrics)
    if not settings.cdp_api_token.get_secret_value():
        raise ConfigurationError(
            "dlq replay --through-worker needs CDPW_CDP_API_TOKEN: it asks CDP whether an order exists "
            "before creating it again"
        )
    return build_router_sink(
        settings, metrics, build_cdp_sink(settings, metrics, kafka_common(settings), True)
    )


@dataclass
class Replay:
    """One replay run: the records, how fast they are taken, and what became of them."""

    settings: Settings
    records: list[Record]
    rate: float = 0.0
    outcomes: Outcomes = field(default_factory=Outcomes)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        self.fatal = self.fatal or error
        self.stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        metrics = create_metrics(CollectorRegistry())
        poller = ProducerPoller(Producer(producer_conf(self.settings)))
        writer = DeadLetterWriter(
            poller.producer.produce, self.settings.dlq_topic, self.settings.kafka_group_id, loop
        )
        sink = _ObservedSink(replay_sink(self.settings, metrics), self.outcomes)
        dead = _ObservedDeadLetters(writer, self.outcomes)
        engine = Engine(
            decoder_for(self.settings), sink, dead, metrics, engine_options(self.settings), self.fail
        )
        poller.start()
        try:
            await engine.assigned(sorted({record.tp for record in self.records}))
            await self._feed(engine)
            await self._finish(engine)
        finally:
            await engine.aclose()
            await asyncio.to_thread(poller.close)

    async def _feed(self, engine: Engine) -> None:
        """Hand the records over at ``rate`` per second, holding back while a circuit is open or the
        in-flight bound is reached."""
        pace = 1 / self.rate if self.rate > 0 else 0.0
        for taken, record in enumerate(self.records):
            # The engine's circuits and releases change without an event to await: poll them.
            while not self.stopping.is_set() and not self._room(engine, taken):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            if self.stopping.is_set():
                return
            engine.accept([record])
            await asyncio.sleep(pace)

    def _room(self, engine: Engine, taken: int) -> bool:
        return engine.accepting and taken - engine.released_total < self.settings.max_in_flight

    async def _finish(self, engine: Engine) -> None:
        """Wait until every record is finished, or (after a stop) at most the drain deadline."""
        idle = asyncio.ensure_future(engine.lanes.wait_idle())
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({idle, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not idle.done():
            idle.cancel()
            await engine.drain(self.settings.drain_timeout_s)


async def _replay(replay: Replay) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, replay.stopping.set)
    await replay.run()


def replay_through_worker(
    settings: Settings, letters: list[DeadLetter], rate: float, dry_run: bool
) -> tuple[int, str]:
    """Run ``letters`` (already filtered) through the worker's pipeline, one printed line per letter;
    returns the exit code and the summary line."""
    fallback = settings.kafka_topics[0]
    records = [source_record(letter, fallback) for letter in letters]
    if dry_run:
        return _dry_run(settings, letters, records)
    replay = Replay(settings, records, rate)
    asyncio.run(_replay(replay))
    counts = {"done": 0, "dead_letter": 0, "unfinished": 0}
    for letter, record in zip(letters, records, strict=True):
        outcome = replay.outcomes.of(record)
        counts[outcome] += 1
        _print({"action": "replayed through the worker", "outcome": outcome, **letter.summary()})
    summary = (
        f"replayed {len(records)} through the worker: {counts['done']} done, "
        f"{counts['dead_letter']} dead-lettered again, {counts['unfinished']} unfinished"
        + (f" (stopped by {replay.fatal!r})" if replay.fatal else "")
    )
    return (0 if replay.fatal is None and not counts["unfinished"] else 1), summary


def _dry_run(settings: Settings, letters: list[DeadLetter], records: list[Record]) -> tuple[int, str]:
    """Say what would be replayed and whether each record decodes now (e.g. after a schema fix)."""
    decoder = decoder_for(settings)
    for letter, record in zip(letters, records, strict=True):
        try:
            decoder.decode(record.value, record.headers)
            error = None
        except WorkerError as exc:
            error = f"{type(exc).__name__}: {exc}"
        _print({"action": "would replay through the worker", "decodes": error is None, "decode_error": error,
                **letter.summary()})  # fmt: skip
    return 0, f"would replay {len(records)} through the worker"


def _print(item: dict[str, object]) -> None:
    print(json.dumps(item, ensure_ascii=False), flush=True)
