"""Client-side rate limit per CDP API: a token bucket whose rate drops while 429s arrive.

``rate`` requests per second (0: unlimited), bursts up to ``burst``. Each 429 halves the current
rate (not below ``floor``); each success window of ``rate`` requests without a 429 adds back a tenth
of the configured rate (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """Token bucket with AIMD on throttling. Owned by one event loop."""

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        floor: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.configured = rate
        self.rate = rate
        self._burst = float(burst or max(1, int(rate)))
        self._floor = min(floor, rate) if rate > 0 else floor
        self._clock = clock
        self._sleep = sleep
        self._tokens = self._burst
        self._stamp = clock()
        self._since_throttle = 0

    @property
    def unlimited(self) -> bool:
        return self.configured <= 0

    async def acquire(self) -> None:
        """Wait for a token (returns at once when unlimited)."""
        if self.unlimited:
            return
        self._refill()
        self._tokens -= 1  # taken now, possibly on credit: later callers wait for the debt too
        if self._tokens < 0:
            await self._sleep(-self._tokens / self.rate)

    def observe(self, status: int) -> None:
        """Learn from an HTTP answer: a 429 slows down, a success may speed up again."""
        if status == 429:
            self.throttled()
        elif status < 300:
            self.succeeded()

    def throttled(self) -> None:
        """CDP answered 429: halve the rate."""
        if self.unlimited:
            return
        self._refill()
        self.rate = max(self._floor, self.rate / 2)
        self._tokens = min(self._tokens, 0.0)
        self._since_throttle = 0

    def succeeded(self) -> None:
        """A request went through: after a full window of successes, raise the rate a step."""
        if self.unlimited or self.rate >= self.configured:
            return
        self._since_throttle += 1
        if self._since_throttle >= max(self.rate, 1):
            self._refill()
            self.rate = min(self.configured, self.rate + self.configured / 10)
            self._since_throttle = 0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
