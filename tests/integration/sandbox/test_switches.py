"""The non-default readings of [U] points, switched on by CLI flags, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.integration.sandbox.stream_client import COMMON, StreamClient


@pytest.fixture(scope="module")
def lenient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    running = start_sandbox_process(
        tmp_path_factory.mktemp("lenient"),
        lenient_common_attributes=True,
        any_pos=True,
        stream_post=True,
        identity_provider=["loyalty"],
        session_timeout=60,
        anonymous_checkout=True,
        checkout_without_confirm=True,
    )
    yield running
    running.stop()


@pytest.fixture
def stream(lenient: RunningSandbox) -> Iterator[StreamClient]:
    with httpx.Client(base_url=lenient.url) as http:
        yield StreamClient(http, lenient.client_key)


def test_later_events_may_carry_only_type_and_browser_id(stream: StreamClient) -> None:
    browser = stream.browser()
    assert stream.raw({"type": "VIEW", "browser_id": browser}).status_code == 400
    stream.ok(browser, "VIEW")
    assert stream.raw({"type": "SEARCH", "browser_id": browser}).status_code == 201
    events = stream.inspect("events", browserId=browser)["items"]
    assert [e["type"] for e in events] == ["VIEW", "SEARCH"]
    assert len({e["sessionId"] for e in events}) == 1


def test_any_point_of_sale_is_accepted(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "VIEW", pos="pop-up-store")
    assert [e["type"] for e in stream.inspect("events", browserId=browser)["items"]] == ["VIEW"]


def test_post_with_a_json_body_is_accepted(stream: StreamClient, lenient: RunningSandbox) -> None:
    browser = stream.browser()
    body = orjson.dumps({**COMMON, "type": "VIEW", "browser_id": browser})
    response = stream.http.post(f"/v1.2/event/create.json?client_key={lenient.client_key}", content=body)
    assert response.status_code == 201


def test_configured_identity_provider_resolves_and_email_does_not(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.identify(browser, "nobody@example.com")
    assert stream.inspect("guests", provider="email", id="nobody@example.com")["items"] == []
    stream.ok(browser, "IDENTITY", identifiers=[{"provider": "LOYALTY", "id": "L-7"}])
    [guest] = stream.inspect("guests", provider="loyalty", id="l-7")["items"]
    assert guest["guestType"] == "customer"


def test_configured_session_timeout_closes_sessions(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.ok(browser, "VIEW")
    stream.advance(61)
    stream.ok(browser, "VIEW")
    events = stream.inspect("events", browserId=browser)["items"]
    assert len({e["sessionId"] for e in events}) == 2


def test_anonymous_checkout_without_confirm_orders_every_line(stream: StreamClient) -> None:
    browser = stream.browser()
    stream.add(browser, "A", "2.50", 2)
    stream.add(browser, "B", "1.00", 1)
    stream.checkout(browser, "LENIENT-1")
    [order] = stream.inspect("orders", referenceId="LENIENT-1")["items"]
    assert (order["price"], order["guest"]["guestType"]) == (6.0, "visitor")
    assert [i["itemId"] for i in order["orderItems"]] == ["A", "B"]
