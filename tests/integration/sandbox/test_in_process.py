"""serve_in_thread: the same app on a free port inside the test process."""

from __future__ import annotations

import httpx

from sandbox.config import SandboxConfig
from sandbox.server import serve_in_thread


def test_serve_in_thread_answers_and_stops() -> None:
    url, stop = serve_in_thread(SandboxConfig(client_key="thread-key"))
    try:
        created = httpx.get(
            f"{url}/v1.2/browser/create.json", params={"client_key": "thread-key", "message": "{}"}
        )
        assert created.status_code == 201
        assert httpx.get(f"{url}/_sandbox/guests").json()["count"] == 1
    finally:
        stop()
    try:
        httpx.get(f"{url}/_sandbox/health", timeout=1.0)
        answered = True
    except httpx.TransportError:
        answered = False
    assert not answered
