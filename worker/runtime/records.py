"""What the runtime moves around: a consumed Kafka record and the unit of work made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from worker.events import Event

Headers = tuple[tuple[str, bytes | None], ...]


@dataclass(frozen=True, slots=True)
class Record:
    """A Kafka record as consumed, bytes untouched (the dead-letter topic gets them back verbatim)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    timestamp_ms: int

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


@dataclass(slots=True)
class Work:
    """One record on its way through a key lane: the decoded event, or why it could not be decoded."""

    record: Record
    lane_key: object
    event: Event | None = None
    error: BaseException | None = None
    taken_at: float = 0.0
    revoked: bool = False
    attempts: int = 0
    first_failure: float | None = None
    last_failure: float | None = None
    circuit_wait: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)
