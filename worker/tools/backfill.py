"""``cdp-worker backfill``: historical orders straight to the Batch API, and the daily reconciliation.

``--file orders.jsonl``: each line is a commerce order event (JSON form).
``--reconcile-hours 24``: the reconciliation mode. The input topics are read from that many hours
ago up to their current end; every order *created through Stream* in that window (an OrderPlaced the
routing table sends to Stream) is folded with its later corrections into its latest full state and
re-upserted through Batch in full (Stream cannot carry data extensions; a Batch upsert also repairs
an order whose Stream assembly failed). Orders deleted since are skipped. A correction consumed by
the running worker while the reconciliation runs may be overwritten by the state read at its start;
run it at a quiet hour, or run it twice.

In the file mode each line (OrderImported, OrderPlaced, OrderUpdated...; OrderDeleted becomes a
Batch delete) is sent as it is. Records go through the same Batch uploader as the worker
(files cut at ``CDPW_BATCH_MAX_RECORDS`` and split at ``CDPW_BATCH_MAX_BYTES`` gzipped, one upload at
a time, statuses polled, error logs read), with a progress bar on stderr and a final report of
accepted and rejected records. Rejected lines (with CDP's log line) can be written to a file.
Exit code 0 when every line was accepted, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from confluent_kafka import Consumer, KafkaError, TopicPartition

from worker.app import kafka_common
from worker.cdp.batch import BatchUploader
from worker.codec import Decoder, build_decoder
from worker.config import Settings, load_settings
from worker.errors import ConfigurationError, PermanentError, TransientError, WorkerError
from worker.events import (
    Event,
    OrderCancelled,
    OrderDeleted,
    OrderPlaced,
    OrderRefunded,
    OrderUpdated,
    event_from_dict,
)
from worker.mapping.corrections import (
    Action,
    Route,
    RoutingPolicy,
    Upsert,
    action_for,
    reference_id,
    route_for,
)
from worker.runtime.intake import to_record
from worker.runtime.records import Record
from worker.runtime.router_sink import build_batch_uploader, routing_policy

TOPIC = "backfill"
BAR_WIDTH = 30
#: Uploads tried per record before it is reported rejected (a failed file fails all its records).
ATTEMPTS = 5


@dataclass
class Report:
    """What happened to the file's lines."""

    total: int = 0
    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.accepted + len(self.rejected)

    def summary(self) -> str:
        return f"backfill: {self.total} records, {self.accepted} accepted, {len(self.rejected)} rejected"


def read_actions(path: Path, report: Report, default_pos: str) -> Iterator[tuple[int, Action]]:
    """``(line number, action)`` for every valid line; invalid lines are rejected in ``report``."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            report.total += 1
            try:
                yield number, action_for(event_from_dict(json.loads(line)), default_pos)
            except (json.JSONDecodeError, WorkerError) as exc:
                report.rejected.append((number, f"invalid: {exc}"))


def stream_created(events: Iterable[Event], policy: RoutingPolicy) -> list[Event]:
    """The latest full-state event of every order created through Stream among ``events`` (in order).

    An order counts when its OrderPlaced is routed to Stream; later corrections replace its state;
    a deletion drops it. Orders first seen through a correction were not created in the window.
    """
    latest: dict[str, Event] = {}
    for event in events:
        if isinstance(event, OrderDeleted):
            latest.pop(reference_id(event.order_id), None)
        elif isinstance(event, OrderPlaced) and route_for(event, policy) is Route.STREAM:
            latest[reference_id(event.order.order_id)] = event
        elif isinstance(event, OrderUpdated | OrderCancelled | OrderRefunded):
            ref = reference_id(event.order.order_id)
            if ref in latest:
                latest[ref] = event
    return list(latest.values())


def read_window(settings: Settings, since_ms: int, out: IO[str]) -> Iterator[Event]:
    """Every decodable event of the input topics from ``since_ms`` to their current end, per partition."""
    conf = {**kafka_common(settings), "group.id": f"cdp-worker-reconcile-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "enable.partition.eof": True}  # fmt: skip
    consumer = Consumer(conf)
    decoder = build_decoder(settings.wire_format, settings.schema_dir, settings.schema_registry_url or None)
    try:
        wanted = [TopicPartition(topic, p, since_ms) for topic in settings.kafka_topics
                  for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions]  # fmt: skip
        starts = [tp for tp in consumer.offsets_for_times(wanted, timeout=10) if tp.offset >= 0]
        consumer.assign(starts)
        yield from _drain(consumer, decoder, {(tp.topic, tp.partition) for tp in starts}, out)
    finally:
        consumer.close()


def _drain(
    consumer: Consumer, decoder: Decoder, open_parts: set[tuple[str, int]], out: IO[str]
) -> Iterator[Event]:
    # End of partition is taken from the fetch response (PARTITION_EOF), not from a watermark query.
    while open_parts:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        error = msg.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                open_parts.discard((msg.topic() or "", msg.partition() or 0))
            continue
        record = to_record(msg)
        try:
            yield decoder.decode(record.value, record.headers)
        except WorkerError as exc:
            out.write(
                f"skipping undecodable record {record.topic}/{record.partition}@{record.offset}: {exc}\n"
            )


def progress(report: Report, out: IO[str]) -> None:
    """One carriage-returned progress line: bar, records done of total, accepted, rejected."""
    share = report.done / report.total if report.total else 1.0
    filled = int(share * BAR_WIDTH)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    out.write(
        f"\r[{bar}] {report.done}/{report.total} accepted {report.accepted} rejected {len(report.rejected)}"
    )
    out.flush()


async def _send(uploader: BatchUploader, number: int, action: Action, report: Report, out: IO[str]) -> None:
    record = Record(TOPIC, 0, number, None, None, (), 0)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await uploader.submit(record, action)
        except PermanentError as exc:
            report.rejected.append((number, str(getattr(exc, "body", "") or exc)))
        except TransientError:
            await asyncio.sleep(min(2.0**attempt, 30.0))
            continue
        else:
            report.accepted += 1
        progress(report, out)
        return
    report.rejected.append((number, f"gave up after {ATTEMPTS} failed uploads"))


def reconcile_actions(
    settings: Settings, hours: float, report: Report, out: IO[str]
) -> list[tuple[int, Action]]:
    """The full-state Batch upserts of the Stream-created orders of the last ``hours`` hours."""
    since_ms = int((time.time() - hours * 3600) * 1000)
    orders = stream_created(read_window(settings, since_ms, out), routing_policy(settings, True))
    found: list[tuple[int, Action]] = []
    for number, event in enumerate(orders, 1):
        report.total += 1
        try:
            action = action_for(event, settings.cdp_point_of_sale)
        except WorkerError as exc:
            report.rejected.append((number, f"invalid: {exc}"))
            continue
        assert isinstance(action, Upsert)
        found.append((number, Upsert(action.order, create=True)))
    return found


async def _send_all(uploader: BatchUploader, actions: Iterable[tuple[int, Action]], slots: int,
                    report: Report, out: IO[str]) -> None:  # fmt: skip
    """Send every action with at most ``slots`` in flight, so a large file is never all in memory."""
    free = asyncio.Semaphore(slots)
    running: set[asyncio.Task[None]] = set()
    failures: list[BaseException] = []

    def finished(task: asyncio.Task[None]) -> None:
        running.discard(task)
        free.release()
        error = None if task.cancelled() else task.exception()
        if error is not None:
            failures.append(error)

    for number, action in actions:
        await free.acquire()
        if failures:
            break
        task = asyncio.create_task(_send(uploader, number, action, report, out))
        running.add(task)
        task.add_done_callback(finished)
    await asyncio.gather(*running, return_exceptions=True)
    if failures:
        raise failures[0]


async def backfill_async(source: Path | float, settings: Settings, rejected_path: Path | None,
                         out: IO[str]) -> Report:  # fmt: skip
    """Send ``source`` (a JSON-lines file, or hours of reconciliation) through the Batch uploader."""
    report = Report()
    if isinstance(source, Path):
        actions: Iterable[tuple[int, Action]] = read_actions(source, report, settings.cdp_point_of_sale)
    else:
        actions = reconcile_actions(settings, source, report, out)
    uploader = build_batch_uploader(settings, None)
    try:
        # Two files' worth of records in flight: the next file fills while one uploads.
        await _send_all(uploader, actions, 2 * settings.batch_max_records, report, out)
    finally:
        await uploader.aclose()
    progress(report, out)
    out.write("\n")
    if rejected_path is not None:
        with rejected_path.open("w", encoding="utf-8") as sink:
            for number, reason in sorted(report.rejected):
                sink.write(json.dumps({"line": number, "reason": reason}) + "\n")
    return report


def backfill(file: str | None, rejected: str | None, reconcile_hours: float | None = None) -> int:
    """The ``backfill`` subcommand; exit code 0 when every record was accepted."""
    settings = load_settings()
    if (file is None) == (reconcile_hours is None):
        raise ConfigurationError("backfill: give exactly one of --file or --reconcile-hours")
    source: Path | float = Path(file) if file is not None else float(reconcile_hours or 0)
    report = asyncio.run(backfill_async(source, settings, Path(rejected) if rejected else None, sys.stderr))
    print(report.summary())
    for number, reason in sorted(report.rejected)[:20]:
        print(f"  line {number}: {reason[:300]}")
    return 0 if not report.rejected else 1
