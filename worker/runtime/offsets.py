"""Offset tracking: which offset of each partition may be committed.

Records of one partition are taken in offset order but may finish in any order (different keys run
concurrently). Only the contiguous finished prefix is committable: the committable offset of a
partition is the offset of its oldest unfinished record, or one past the newest finished record.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

TopicPartition = tuple[str, int]


@dataclass
class _Partition:
    pending: deque[tuple[int, int]] = field(default_factory=deque)  # (offset, timestamp ms), in offset order
    done: set[int] = field(default_factory=set)
    committable: int | None = None


class OffsetTracker:
    """Tracks taken and finished offsets per partition. Not thread-safe: one owner (the event loop)."""

    def __init__(self) -> None:
        self._partitions: dict[TopicPartition, _Partition] = {}

    def take(self, tp: TopicPartition, offset: int, timestamp_ms: int) -> None:
        """Record that ``offset`` was taken; offsets of one partition must be taken in increasing order."""
        self._partitions.setdefault(tp, _Partition()).pending.append((offset, timestamp_ms))

    def finish(self, tp: TopicPartition, offset: int) -> None:
        """Mark ``offset`` finished and advance the partition's committable offset if possible."""
        part = self._partitions.get(tp)
        if part is None:
            return
        part.done.add(offset)
        pending = part.pending
        while pending and pending[0][0] in part.done:
            first, _ = pending.popleft()
            part.done.discard(first)
            part.committable = first + 1

    def committable(self) -> dict[TopicPartition, int]:
        """The offset to commit for every partition that has one."""
        return {tp: p.committable for tp, p in self._partitions.items() if p.committable is not None}

    def oldest_pending_timestamp(self, tp: TopicPartition) -> int | None:
        """Kafka timestamp (ms) of the partition's oldest unfinished record, if any."""
        part = self._partitions.get(tp)
        return part.pending[0][1] if part and part.pending else None

    def pending_count(self, tp: TopicPartition) -> int:
        part = self._partitions.get(tp)
        return len(part.pending) if part else 0

    def forget(self, tps: list[TopicPartition]) -> None:
        """Drop partitions no longer owned: nothing is ever committed for them again."""
        for tp in tps:
            self._partitions.pop(tp, None)

    def partitions(self) -> list[TopicPartition]:
        return list(self._partitions)
