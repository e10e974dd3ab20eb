"""One sandbox process per test module, and an authenticated client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.testing import RunningSandbox, running_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox process shared by the tests of one module."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """A client with the sandbox's Basic credentials."""
    with httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth, timeout=10.0) as http:
        yield http
