"""The end of a run: is every record reflected exactly once, and what are the figures?

A good record must leave its effect in the sandbox (the orders equal the model: none missing,
none twice, none that should not exist, every field as the model says) and must not be in the
dead-letter topic. A poison record must be in the dead-letter topic with its kind's reason (a
copy written again after a kill between the dead letter and the commit is counted, not an error:
dead letters are at-least-once). Every produced record must be finished (its offset committed).
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from tests.chaos.avro import AVRO_REASONS
from tests.chaos.poison import REASONS
from tests.chaos.rig import seq_of
from tests.chaos.workload import Workload
from tests.integration.corrections.workload import actual_state, state_problems
from tests.integration.orders.traffic import rejections, sandbox_orders
from tests.support.kafka import headers_of


@dataclass(frozen=True)
class Letter:
    """What the verdict needs of one dead letter."""

    key: str
    reason: str
    stage: str
    source: tuple[int, int]  # (partition, offset) of the original record


@dataclass
class Verdict:
    """Figures of the run and the invariant's violations (empty when it holds)."""

    figures: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    #: The story of the orders the violations name (:mod:`tests.chaos.story`); '' when none.
    story: str = ""


#: A topic read gives up when no record arrived for this long before its end (tansu on S3 is slow).
IDLE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Log:
    """A topic's records up to its end, and that end per partition (the high watermark).

    The ends count offsets, not records: a broker that lost a record it had acknowledged may leave
    its offset empty, and a consumer commits past it.
    """

    messages: list[Message]
    ends: dict[int, int]

    @property
    def end_total(self) -> int:
        return sum(self.ends.values())


def read_topic(bootstrap: str, topic: str, idle_timeout: float = IDLE_TIMEOUT_S) -> list[Message]:
    """Every record of ``topic`` up to its current end (see :func:`read_log`)."""
    return read_log(bootstrap, topic, idle_timeout).messages


def read_log(bootstrap: str, topic: str, idle_timeout: float = IDLE_TIMEOUT_S) -> Log:
    """Every record of ``topic`` up to its current end, with the ends; raises :class:`TimeoutError`
    when no record arrives for ``idle_timeout`` seconds before the end (a partial read would make
    records look lost).

    The end is the high watermark that the broker's Fetch answers carry: tansu's ListOffsets answer
    is wrong (the memory engine answers the last batch's base offset + 1, the S3 engine answered 1
    for a partition of 7 records in 3 batches), so reading up to it would miss records.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"chaos-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})  # fmt: skip
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        found = _read_until_end(consumer, topic, dict.fromkeys(partitions, 0), idle_timeout)
        ends = {p: max(consumer.get_watermark_offsets(TopicPartition(topic, p), cached=True)[1], 0)
                for p in partitions}  # fmt: skip
        return Log(found, ends)
    finally:
        consumer.close()


def _read_until_end(
    consumer: Consumer, topic: str, next_offsets: dict[int, int], idle_timeout: float
) -> list[Message]:
    found: list[Message] = []
    idle_since = time.monotonic()
    while not _at_end(consumer, topic, next_offsets):
        if time.monotonic() - idle_since > idle_timeout:
            raise TimeoutError(f"{topic}: {len(found)} records read, then none for {idle_timeout:.0f}s "
                               f"before the end ({next_offsets})")  # fmt: skip
        message = consumer.poll(0.5)
        if message is None or message.error() is not None:
            continue
        found.append(message)
        next_offsets[message.partition() or 0] = (message.offset() or 0) + 1
        idle_since = time.monotonic()
    return found


def _at_end(consumer: Consumer, topic: str, next_offsets: dict[int, int]) -> bool:
    """Every partition read up to the high watermark of its last Fetch answer (before one: not at end)."""
    for partition, offset in next_offsets.items():
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)
        if high < 0 or offset < high:
            return False
    return True


def lost_and_doubled(acked: set[int], log: Log) -> tuple[set[int], int]:
    """Indexes of records the broker acknowledged but the log lacks, and how many extra copies it holds."""
    seqs = Counter(seq_of(message) for message in log.messages)
    return acked - set(seqs), sum(n - 1 for n in seqs.values() if n > 1)


def confirmed_dead_letters(workdir: Path, topic: str, log: Log) -> set[str]:
    """Keys of the source records whose dead letter a worker logged as confirmed by the broker."""
    pattern = re.compile(rf"dead-lettered {re.escape(topic)}/(\d+)@(\d+) ")
    positions = set()
    for path in workdir.glob("worker-*.log"):
        positions |= {(int(m[1]), int(m[2])) for m in pattern.finditer(path.read_text(errors="replace"))}
    return {
        (m.key() or b"").decode(errors="replace")
        for m in log.messages
        if (m.partition(), m.offset()) in positions
    }


def letter(message: Message) -> Letter:
    headers = headers_of(message)
    source = (int(headers.get("__connect.errors.partition", b"-1")),
              int(headers.get("__connect.errors.offset", b"-1")))  # fmt: skip
    return Letter((message.key() or b"").decode(), headers.get("cdpw.reason", b"").decode(),
                  headers.get("cdpw.stage", b"").decode(), source)  # fmt: skip


def dead_letter_check(work: Workload, letters: list[Letter], verdict: Verdict, confirmed: set[str]) -> None:
    """Every poison record dead-lettered with its reason; no good record dead-lettered.

    ``confirmed``: keys of records whose dead letter a worker logged as confirmed by the broker; one of
    them missing from the topic was lost by the broker (counted), not forgotten by the worker.
    """
    poison_keys = {item.key: item.kind for item in work.poison}
    reasons = {**REASONS, **AVRO_REASONS}
    copies = Counter(item.source for item in letters)
    verdict.figures["dead_letters_by_reason"] = dict(Counter(item.reason for item in _unique(letters)))
    verdict.figures["dead_letter_copies_after_kills"] = sum(n - 1 for n in copies.values())
    seen = {item.key: item for item in letters}
    for key, kind in poison_keys.items():
        found = seen.get(key)
        if found is None and key in confirmed:
            verdict.figures.setdefault("broker_lost_dead_letters", []).append(key)
        elif found is None:
            verdict.violations.append(f"poison {key}: not in the dead-letter topic")
        elif found.reason != reasons[kind]:
            verdict.violations.append(f"poison {key}: reason {found.reason!r}, expected {reasons[kind]!r}")
    good = [item for item in _unique(letters) if item.key not in poison_keys]
    verdict.figures["good_records_dead_lettered"] = len(good)
    verdict.violations += [f"good record {g.key} dead-lettered ({g.stage}/{g.reason})" for g in good[:20]]


def _unique(letters: list[Letter]) -> list[Letter]:
    return list({item.source: item for item in letters}.values())


def order_check(work: Workload, sandbox_url: str, verdict: Verdict) -> None:
    """The sandbox's orders equal the model: none lost, none duplicated, none wrong or extra."""
    expected = work.expected_orders()
    actual = actual_state(sandbox_orders(sandbox_url))
    problems = state_problems(expected, actual)
    lost = [p for p in problems if p.endswith(": missing")]
    duplicated = [p for p in problems if p.endswith(" orders")]
    verdict.figures["orders"] = {
        "expected": len(expected), "in_sandbox": sum(len(v) for v in actual.values()),
        "lost": len(lost), "duplicated": len(duplicated),
        "unexpected": sum(p.endswith("should not exist") for p in problems),
        "wrong_fields": len(problems) - len(lost) - len(duplicated)
        - sum(p.endswith("should not exist") for p in problems),
    }  # fmt: skip
    verdict.violations += sorted(problems, key=lambda p: p.endswith(": missing"))[:40]
    refused = Counter(item["reason"] for item in rejections(sandbox_url))
    verdict.figures["sandbox_rejected_sequences"] = dict(refused)


def record_figures(work: Workload, produced: int, committed: int, log_end: int, verdict: Verdict) -> None:
    """``committed`` against the source log's end (offsets: a record the broker lost may leave a gap)."""
    labels = Counter(record.label for record in work.records)
    verdict.figures["records"] = {
        "produced": produced, "committed": committed, "source_log_end": log_end, "good": len(work.good),
        "poison": len(work.poison), "by_type": dict(sorted(labels.items())),
    }  # fmt: skip
    if produced != len(work.records):
        verdict.violations.append(f"produced {produced} of {len(work.records)} records")
    if committed != log_end:
        verdict.violations.append(f"{log_end - committed} records never finished (committed {committed})")
