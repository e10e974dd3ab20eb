import random
from datetime import UTC, datetime

from worker.retry import Backoff, parse_retry_after


def test_backoff_grows_and_is_capped_with_jitter() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    rng = random.Random(1)
    delays = [backoff.delay(n, rng=rng) for n in range(1, 8)]
    assert 0.5 <= delays[0] <= 1.0
    assert 2.0 <= delays[2] <= 4.0
    assert all(4.0 <= d <= 8.0 for d in delays[4:])


def test_retry_after_wins_but_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    assert backoff.delay(1, retry_after=7.0) == 7.0
    assert backoff.delay(1, retry_after=3600.0) == 30.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Fri, 27 Nov 2026 12:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
