"""Stream client against a scripted loopback HTTP server: the request it sends and every answer's fate."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import aiohttp
import orjson
import pytest
from prometheus_client import CollectorRegistry

from tests.unit.cdp.stream_server import Script, ScriptedServer, respond, scripted_server
from worker.cdp import errors
from worker.cdp.ratelimit import RateLimiter
from worker.cdp.stream import StreamClient, StreamHttpOptions, open_stream_session
from worker.errors import Fate, fate_of
from worker.fates import FateTable, fate_table
from worker.metrics import Metrics, create_metrics
from worker.plans import Step, StreamContext, StreamEvent

CONTEXT = StreamContext(channel="WEB", pos="retail-web", language="EN", currency="EUR", page="checkout")
ADD = Step(
    "ADD:i1",
    StreamEvent.ADD,
    {"product": {"item_id": "i1", "name": "Zoë's scarf & hat", "price": Decimal("0.10")}},
)


@contextlib.asynccontextmanager
async def client_for(
    script: Script,
    fates: FateTable | None = None,
    limiter: RateLimiter | None = None,
    *,
    timeout_s: float = 5.0,
    max_connections: int = 4,
    pool_wait_s: float | None = None,
) -> AsyncIterator[tuple[StreamClient, Metrics, ScriptedServer]]:
    """A Stream client (key ``key/1``) bound to a server playing ``script``; closed afterwards."""
    async with scripted_server(script) as server:
        http = StreamHttpOptions(server.url, timeout_s, max_connections, pool_wait_s)
        metrics = create_metrics(CollectorRegistry())
        client = StreamClient(http, "key/1", metrics, fates or fate_table(), limiter)
        try:
            yield client, metrics, server
        finally:
            await client.aclose()


def requests_of(metrics: Metrics, status_class: str) -> float:
    counter = metrics.cdp_requests.labels(api="stream", step="ADD", status_class=status_class)
    value: float = counter._value.get()
    return value


async def test_send_is_a_get_with_the_client_key_and_the_url_encoded_message() -> None:
    async with client_for(respond(201)) as (client, metrics, server):
        await client.send(ADD, CONTEXT, "b-1")
    path, raw_query = urlsplit(server.targets[0]).path, urlsplit(server.targets[0]).query
    assert path == "/v1.2/event/create.json"
    assert " " not in raw_query and "+" not in raw_query
    query = parse_qs(raw_query)
    assert query["client_key"] == ["key/1"]
    message = orjson.loads(query["message"][0])
    assert message == {
        "type": "ADD",
        "channel": "WEB",
        "language": "EN",
        "currency": "EUR",
        "page": "checkout",
        "pos": "retail-web",
        "browser_id": "b-1",
        "product": {"item_id": "i1", "name": "Zoë's scarf & hat", "price": 0.1},
    }
    assert '"price":0.10' in query["message"][0]
    assert requests_of(metrics, "2xx") == 1


async def test_requests_share_one_keep_alive_connection() -> None:
    async with client_for(respond(201)) as (client, _, server):
        for n in range(5):
            await client.send(ADD, CONTEXT, f"b-{n}")
    assert (len(server.targets), server.connections) == (5, 1)


async def test_create_browser_returns_the_ref() -> None:
    body = b'{"status":"OK","version":"1.2","ref":"b-42","customer_ref":"g"}'
    async with client_for(respond(201, body)) as (client, _, server):
        assert await client.create_browser() == "b-42"
    assert urlsplit(server.targets[0]).path == "/v1.2/browser/create.json"


async def test_create_browser_without_ref_is_retried() -> None:
    async with client_for(respond(201, b"<html>")) as (client, _, _server):
        with pytest.raises(errors.ServerError):
            await client.create_browser()


async def test_400_is_a_dead_letter_with_status_and_body() -> None:
    body = b'{"status":400,"message":"browser_id is required"}'
    async with client_for(respond(400, body)) as (client, metrics, _):
        with pytest.raises(errors.StreamRejectedError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    error = caught.value
    assert fate_of(error) is Fate.DEAD_LETTER
    assert (error.status, error.stage, error.api) == (400, "stream", "stream")
    assert "browser_id is required" in error.body
    assert requests_of(metrics, "4xx") == 1


async def test_404_means_the_browser_is_unknown() -> None:
    async with client_for(respond(404, b'{"status":404}')) as (client, _, _server):
        with pytest.raises(errors.UnknownBrowserError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert caught.value.status == 404


async def test_a_redirect_is_not_followed_and_is_a_dead_letter() -> None:
    async with client_for(respond(302, b"", location="/elsewhere")) as (client, _, server):
        with pytest.raises(errors.StreamRejectedError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert caught.value.status == 302
    assert len(server.targets) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_stop_the_worker(status: int) -> None:
    async with client_for(respond(status, b"{}")) as (client, _, _server):
        with pytest.raises(errors.StreamAuthError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert fate_of(caught.value) is Fate.STOP
    assert "CDPW_CDP_CLIENT_KEY" in str(caught.value)


async def test_429_is_retried_after_the_servers_delay() -> None:
    async with client_for(respond(429, b"{}", retry_after="3")) as (client, _, _server):
        with pytest.raises(errors.ThrottledError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert (caught.value.retry_after, caught.value.reason, caught.value.status) == (3.0, "throttled", 429)
    assert fate_of(caught.value) is Fate.RETRY


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (408, errors.ThrottledError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (599, errors.ServerError),
    ],
)
async def test_408_and_5xx_are_retried(status: int, kind: type[Exception]) -> None:
    async with client_for(respond(status, b"{}")) as (client, metrics, _):
        with pytest.raises(kind) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert fate_of(caught.value) is Fate.RETRY
    assert requests_of(metrics, "5xx" if status >= 500 else "4xx") == 1


async def test_the_session_is_opened_on_first_use_and_closed_by_aclose() -> None:
    opened: list[aiohttp.ClientSession] = []

    def opener(options: StreamHttpOptions) -> aiohttp.ClientSession:
        opened.append(open_stream_session(options))
        return opened[-1]

    async with scripted_server(respond(201)) as server:
        metrics = create_metrics(CollectorRegistry())
        client = StreamClient(StreamHttpOptions(server.url, 5.0, 4), "key", metrics, opener=opener)
        assert opened == []
        await client.send(ADD, CONTEXT, "b")
        await client.send(ADD, CONTEXT, "b")
        await client.aclose()
    assert len(opened) == 1
    assert opened[0].closed


async def test_an_http_proxy_from_the_environment_carries_the_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with scripted_server(respond(201)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = StreamClient(
            StreamHttpOptions("http://cdp.test", 5.0, 4), "key", create_metrics(CollectorRegistry())
        )
        await client.send(ADD, CONTEXT, "b-1")
        await client.aclose()
    assert proxy.targets[0].startswith("http://cdp.test/v1.2/event/create.json?client_key=key&message=")


async def test_no_proxy_exempts_the_cdp_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with client_for(respond(201)) as (client, _, server):
        await client.send(ADD, CONTEXT, "b-1")
    assert server.targets[0].startswith("/v1.2/event/create.json?")
