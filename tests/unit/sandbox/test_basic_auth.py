"""AppContext.basic_auth: the documented 401 for REST and Batch unless client key and API token match."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from sandbox.app import AppContext, build_context
from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.errors import ApiError
from sandbox.store import open_store


@pytest.fixture
def ctx() -> Iterator[AppContext]:
    store = open_store(None)
    yield build_context(SandboxConfig(client_key="key", api_token="token"), store, Clock())
    store.close()


def request(authorization: str | None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "GET", "path": "/v2.1/orders", "headers": headers})


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_matching_credentials_pass(ctx: AppContext) -> None:
    ctx.basic_auth(request(basic("key", "token")))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer abc",
        "Basic",
        "Basic !!!",
        basic("key", "wrong"),
        basic("other", "token"),
        basic("kéy", "tøken"),
    ],
)
def test_anything_else_is_the_documented_401(ctx: AppContext, header: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        ctx.basic_auth(request(header))
    assert caught.value.status == 401
    assert set(caught.value.body()) == {"status", "code", "message", "developerMessage", "moreInfo"}
