"""Stream sessions and order assembly (pure: no I/O; time is passed in)."""

from __future__ import annotations

from sandbox.config import StrictSwitches


class SessionBook:
    """Open sessions per (browser, channel, point of sale)."""

    def __init__(self, timeout_seconds: float, strict: StrictSwitches) -> None:
        self.timeout_seconds = timeout_seconds
        self.strict = strict
