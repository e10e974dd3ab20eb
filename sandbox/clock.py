"""The sandbox clock: wall time plus an offset that tests push forward (``POST /_sandbox/clock``)."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    """Seconds since the epoch as seen by sessions and stored timestamps.

    ``advance`` moves it forward only, so sessions can time out without waiting; the source
    of real time is injectable for unit tests.
    """

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._offset = 0.0

    def now(self) -> float:
        """Current sandbox time in epoch seconds."""
        return self._source() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (≥ 0) and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds
        return self.now()

    @property
    def offset(self) -> float:
        """Total seconds added by :meth:`advance`."""
        return self._offset

    def iso(self) -> str:
        """Current sandbox time as ISO 8601 UTC with milliseconds and ``Z`` (CDP's format)."""
        return iso_timestamp(self.now())


def iso_timestamp(epoch: float) -> str:
    """``epoch`` seconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    fraction, whole = math.modf(epoch)
    micros = round(fraction * 1_000_000)  # the rounding datetime.fromtimestamp applies
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return f"{_second_prefix(int(whole))}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=4)
def _second_prefix(whole_seconds: int) -> str:
    """The date-and-time part of one second (cached: strftime is slow and events share seconds)."""
    return datetime.fromtimestamp(whole_seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_iso(text: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive ones are taken as UTC); ``None`` if invalid."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
