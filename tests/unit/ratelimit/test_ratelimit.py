from worker.cdp.ratelimit import RateLimiter


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def _send(limiter: RateLimiter, count: int) -> None:
    for _ in range(count):
        await limiter.acquire()


async def test_requests_are_spaced_at_the_configured_rate_after_the_burst() -> None:
    t = FakeTime()
    limiter = RateLimiter(rate=10, burst=5, clock=t.clock, sleep=t.sleep)
    await _send(limiter, 5)
    assert t.now == 0
    await _send(limiter, 20)
    assert 1.9 <= t.now <= 2.1


async def test_429s_halve_the_rate_down_to_the_floor_and_successes_restore_it() -> None:
    t = FakeTime()
    limiter = RateLimiter(rate=100, floor=10, clock=t.clock, sleep=t.sleep)
    for expected in (50, 25, 12.5, 10, 10):
        limiter.throttled()
        assert limiter.rate == expected
    for _ in range(2000):
        await limiter.acquire()
        limiter.succeeded()
    assert limiter.rate == 100


async def test_unlimited_never_waits() -> None:
    t = FakeTime()
    limiter = RateLimiter(rate=0, clock=t.clock, sleep=t.sleep)
    limiter.throttled()
    await _send(limiter, 1000)
    assert t.now == 0
    assert limiter.unlimited
