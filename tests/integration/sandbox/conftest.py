"""Fixtures: a real sandbox process per test (fresh state) and an httpx client bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A sandbox subprocess with default (strict) settings, stopped after the test."""
    running = start_sandbox_process(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """An httpx client whose base URL is the sandbox."""
    with httpx.Client(base_url=sandbox.url, timeout=10.0) as http:
        yield http
