"""The sandbox clock: forward-only offset and CDP's timestamp format."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from sandbox.clock import Clock, iso_timestamp, parse_iso


def test_advance_moves_forward_only() -> None:
    clock = Clock(source=lambda: 1000.0)
    assert clock.advance(60) == 1060.0
    assert clock.offset == 60
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_iso_timestamp_matches_datetime_to_the_millisecond() -> None:
    rng = random.Random(5)
    samples = [0.0, 1741364111.9999996, 480291521.3529997, *(rng.uniform(0, 2e9) for _ in range(20000))]
    for epoch in samples:
        moment = datetime.fromtimestamp(epoch, tz=UTC)
        expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        assert iso_timestamp(epoch) == expected, epoch


def test_parse_iso_accepts_z_and_offsets_and_refuses_garbage() -> None:
    assert parse_iso("2025-03-07T16:15:11.000Z") == datetime(2025, 3, 7, 16, 15, 11, tzinfo=UTC)
    assert parse_iso("2025-03-07T17:15:11+01:00") == datetime(2025, 3, 7, 16, 15, 11, tzinfo=UTC)
    assert parse_iso("2025-03-07") == datetime(2025, 3, 7, tzinfo=UTC)
    assert parse_iso("yesterday") is None
