"""Circuit breakers, one per CDP API: an API that keeps failing is not hammered, and its outage is not
turned into dead letters.

``threshold`` transient failures in a row open the circuit: records that failed on that API wait
(their retry deadline does not run while the circuit is open), intake stops taking new records and
the worker reports not ready. After ``open_seconds`` one waiting record is let through as a probe;
its success closes the circuit and releases everyone, its failure opens it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable

log = logging.getLogger("worker.circuit")


class State(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    """The breaker of one API. Owned by the event loop."""

    def __init__(
        self,
        api: str,
        threshold: int,
        open_seconds: float,
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        self.api = api
        self._threshold = threshold
        self._open_seconds = open_seconds
        self._on_change = on_change
        self.state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_at = 0.0
        self._closed = asyncio.Event()
        self._closed.set()

    def record_failure(self) -> None:
        """A transient failure on this API (the probe's failure reopens at once)."""
        self._failures += 1
        if self.state is State.HALF_OPEN or (
            self.state is State.CLOSED and self._failures >= self._threshold
        ):
            self._open()

    def reset_streak(self) -> None:
        """A success somewhere: failures are no longer in a row (an open circuit stays open)."""
        self._failures = 0

    def record_success(self) -> None:
        self._failures = 0
        if self.state is not State.CLOSED:
            self._set(State.CLOSED)
            self._closed.set()

    async def wait_turn(self) -> tuple[float, bool]:
        """Wait while the circuit is open; returns the seconds waited and whether the caller is the probe.

        Returns at once when closed. When open, returns once the circuit closed, or when this caller is
        chosen as the probe after ``open_seconds`` (a probe that never reports back is replaced after
        three times that).
        """
        started = time.monotonic()
        while self.state is not State.CLOSED:
            now = time.monotonic()
            if self.state is State.OPEN and now >= self._opened_at + self._open_seconds:
                self._set(State.HALF_OPEN)
                self._probe_at = now
                return now - started, True
            if self.state is State.HALF_OPEN and now >= self._probe_at + 3 * self._open_seconds:
                self._probe_at = now
                return now - started, True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), 0.05)
        return time.monotonic() - started, False

    @property
    def blocking(self) -> bool:
        """True while intake should wait: open within its period, or half-open with a live probe.

        An open circuit whose period passed with nobody waiting to probe stops blocking, so new records
        can flow and the first one to fail on this API becomes the probe.
        """
        now = time.monotonic()
        if self.state is State.OPEN:
            return now < self._opened_at + self._open_seconds
        if self.state is State.HALF_OPEN:
            return now < self._probe_at + 3 * self._open_seconds
        return False

    def _open(self) -> None:
        self._opened_at = time.monotonic()
        self._closed.clear()
        if self.state is not State.OPEN:
            log.warning(
                "circuit for %s opened after %d transient failures in a row", self.api, self._failures
            )
        self._set(State.OPEN)

    def _set(self, state: State) -> None:
        if state is not self.state:
            self.state = state
            log.info("circuit for %s is %s", self.api, state.name.lower())
            if self._on_change:
                self._on_change(self.api, state)


class Breakers:
    """The breakers of all APIs, created on first use."""

    def __init__(
        self, threshold: int, open_seconds: float, on_change: Callable[[str, State], None] | None = None
    ) -> None:
        self._threshold = threshold
        self._open_seconds = open_seconds
        self._on_change = on_change
        self._breakers: dict[str, CircuitBreaker] = {}

    def of(self, api: str) -> CircuitBreaker:
        breaker = self._breakers.get(api)
        if breaker is None:
            breaker = CircuitBreaker(api, self._threshold, self._open_seconds, self._on_change)
            self._breakers[api] = breaker
        return breaker

    def reset_streaks(self) -> None:
        for breaker in self._breakers.values():
            breaker.reset_streak()

    @property
    def blocking(self) -> bool:
        """True while any circuit wants intake to wait."""
        return any(b.blocking for b in self._breakers.values())

    def open_apis(self) -> list[str]:
        return [api for api, b in self._breakers.items() if b.state is not State.CLOSED]
