"""Inspection API: events per browser in arrival order, filters, reset, clock and config."""

from __future__ import annotations

import httpx

from tests.integration.sandbox.stream_client import StreamClient


def test_events_are_listed_per_browser_in_arrival_order(stream: StreamClient) -> None:
    first, second = stream.browser(), stream.browser()
    for browser, kind in ((first, "VIEW"), (second, "SEARCH"), (first, "SEARCH"), (first, "VIEW_MORE")):
        stream.ok(browser, kind)
    assert [e["type"] for e in stream.inspect("events", browserId=first)["items"]] == [
        "VIEW",
        "SEARCH",
        "VIEW_MORE",
    ]
    assert [e["type"] for e in stream.inspect("events", browserId=second)["items"]] == ["SEARCH"]
    sessions = {e["sessionId"] for e in stream.inspect("events", browserId=first)["items"]}
    assert len(sessions) == 1


def test_open_sessions_show_cart_and_confirmation(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.add(browser, "A")
    stream.add(browser, "B")
    stream.confirm(browser, "B")
    [session] = [s for s in stream.inspect("sessions")["items"] if s["browserId"] == browser]
    assert (session["cart"], session["confirmed"], session["orderRef"]) == (["A", "B"], ["B"], None)


def test_rejections_filter_by_reason(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "PAYMENT", pay_type="Card")
    kept = stream.inspect("rejections", reason="payment_without_order")["items"]
    assert browser in [r["browserId"] for r in kept]
    assert all(r["reason"] == "payment_without_order" for r in kept)


def test_clock_moves_forward_only(client: httpx.Client) -> None:
    before = client.get("/_sandbox/clock").json()["offsetSeconds"]
    after = client.post("/_sandbox/clock", json={"advance_seconds": 60}).json()["offsetSeconds"]
    assert after == before + 60
    assert client.post("/_sandbox/clock", json={"advance_seconds": -1}).status_code == 400


def test_config_shows_switches_but_not_the_api_token(client: httpx.Client) -> None:
    config = client.get("/_sandbox/config").json()
    assert config["strict"]["require_all_common"] is True
    assert "api_token" not in config


def test_inspection_is_read_only(client: httpx.Client) -> None:
    assert client.post("/_sandbox/orders", json={}).status_code == 405
    assert client.delete("/_sandbox/guests").status_code == 405


def test_unknown_order_is_404(client: httpx.Client) -> None:
    assert client.get("/_sandbox/orders/no-such-order").status_code == 404


def test_stats_count_what_happened(stream: StreamClient, client: httpx.Client) -> None:
    before = client.get("/_sandbox/stats").json()
    browser = stream.browser()
    stream.ok(browser, "VIEW")
    stream.ok(browser, "PAYMENT", pay_type="Card")
    stream.send(browser, "VIEW", pos="nowhere")
    after = client.get("/_sandbox/stats").json()
    assert after["browsers"] - before["browsers"] == 1
    assert after["events"] - before["events"] == 2
    assert after["dropped"] - before["dropped"] == 1
    assert after["rejectionsByReason"]["payment_without_order"] >= 1


def test_reset_forgets_everything(stream: StreamClient, client: httpx.Client) -> None:
    browser = stream.browser()
    stream.ok(browser, "VIEW")
    assert client.post("/_sandbox/reset").status_code == 200
    for path in ("events", "guests", "orders", "rejections", "dropped", "batches", "sessions"):
        assert stream.inspect(path)["items"] == [], path
    assert stream.send(browser, "VIEW").status_code == 404
