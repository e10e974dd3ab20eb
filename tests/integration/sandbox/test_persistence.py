"""Persistence: with --db, guests, orders and events survive a restart (and orders even a crash)."""

from __future__ import annotations

from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.integration.sandbox.stream_client import StreamClient


def _order_through_stream(running: RunningSandbox, ref: str) -> str:
    with httpx.Client(base_url=running.url) as http:
        stream = StreamClient(http, running.client_key)
        browser = stream.browser()
        stream.identify(browser, "keep@example.com")
        stream.add(browser, "A", "12.50", 2)
        stream.confirm(browser, "A")
        stream.checkout(browser, ref)
        return browser


def _get(running: RunningSandbox, path: str, **params: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = httpx.get(f"{running.url}/_sandbox/{path}", params=params).json()[
        "items"
    ]
    return items


def test_restart_with_db_keeps_guests_orders_and_events(tmp_path: Path) -> None:
    db = tmp_path / "cdp.db"
    first = start_sandbox_process(tmp_path, db=db)
    browser = _order_through_stream(first, "KEEP-1")
    before = _get(first, "orders", referenceId="KEEP-1")
    assert first.stop() == 0

    second = start_sandbox_process(tmp_path, db=db)
    try:
        assert _get(second, "orders", referenceId="KEEP-1") == before
        [guest] = _get(second, "guests", email="keep@example.com")
        assert (guest["guestType"], guest["browsers"]) == ("customer", [browser])
        assert [e["type"] for e in _get(second, "events", browserId=browser)] == [
            "IDENTITY", "ADD", "CONFIRM", "CHECKOUT"
        ]  # fmt: skip
        assert httpx.get(f"{second.url}/_sandbox/orders").json()["count"] == 1
    finally:
        second.stop()


def test_orders_survive_a_crash(tmp_path: Path) -> None:
    db = tmp_path / "cdp.db"
    first = start_sandbox_process(tmp_path, db=db)
    _order_through_stream(first, "CRASH-1")
    first.kill()
    second = start_sandbox_process(tmp_path, db=db)
    try:
        [order] = _get(second, "orders", referenceId="CRASH-1")
        assert order["price"] == 25.0
    finally:
        second.stop()


def test_without_db_a_restart_starts_empty(tmp_path: Path) -> None:
    first = start_sandbox_process(tmp_path)
    _order_through_stream(first, "GONE-1")
    first.stop()
    second = start_sandbox_process(tmp_path)
    try:
        assert _get(second, "orders") == []
        assert _get(second, "guests") == []
    finally:
        second.stop()
