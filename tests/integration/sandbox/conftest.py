"""Fixtures: a real sandbox process per test module and an httpx client bound to it.

Tests share the module's sandbox, so each one works with its own browsers and order references and
filters inspection results by them.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.integration.sandbox.stream_client import StreamClient


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox subprocess with default (strict) settings, stopped after the module."""
    running = start_sandbox_process(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """An httpx client whose base URL is the sandbox."""
    with httpx.Client(base_url=sandbox.url, timeout=10.0) as http:
        yield http


@pytest.fixture
def stream(client: httpx.Client, sandbox: RunningSandbox) -> StreamClient:
    """A Stream API client for the sandbox."""
    return StreamClient(client, sandbox.client_key)
