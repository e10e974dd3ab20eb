"""REST v2.1 client over httpx.MockTransport: paths, auth, bodies, error bodies and fates."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import orjson
import pytest

from worker.cdp.rest import RestClient
from worker.cdp.rest_errors import (
    RestAuthError,
    RestNotFoundError,
    RestRejectedError,
    RestTransientError,
    parse_error_body,
)
from worker.errors import Fate, fate_of
from worker.fates import fate_table

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> tuple[RestClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = httpx.AsyncClient(base_url="https://cdp.test", auth=("key", "token"),
                             transport=httpx.MockTransport(record))  # fmt: skip
    return RestClient(http), seen


def error(status: int, message: str = "bad") -> httpx.Response:
    body = {"status": status, "code": 1234, "message": message, "developerMessage": "price: not a number",
            "moreInfo": "https://doc"}  # fmt: skip
    return httpx.Response(status, json=body)


async def test_create_order_posts_exact_json_with_basic_auth() -> None:
    rest, seen = client(lambda r: httpx.Response(201, json={"ref": "o1", "href": "x"}))
    created = await rest.create_order({"referenceId": "A-1", "price": Decimal("0.10")})
    assert created["ref"] == "o1"
    request = seen[0]
    assert (request.method, request.url.path) == ("POST", "/v2.1/orders")
    assert request.content == b'{"referenceId":"A-1","price":0.10}'
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"].startswith("Basic ")


async def test_find_orders_pages_through_expanded_collections() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        count = 100 if offset == 0 else 3
        return httpx.Response(200, json={"items": [{"ref": f"o{offset + n}"} for n in range(count)]})

    rest, seen = client(handler)
    found = await rest.find_orders("A-1")
    assert len(found) == 103
    assert seen[0].url.params["referenceId"] == "A-1"
    assert seen[0].url.params["expand"] == "true"
    assert [r.url.params["offset"] for r in seen] == ["0", "100"]


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda r: r.replace_order("o1", {}), "PUT", "/v2.1/orders/o1"),
        (lambda r: r.patch_order("o1", {}), "PATCH", "/v2.1/orders/o1"),
        (lambda r: r.delete_order("o1"), "DELETE", "/v2.1/orders/o1"),
        (lambda r: r.create_item("o1", {}), "POST", "/v2.1/orders/o1/orderItems"),
        (lambda r: r.replace_item("i1", {}), "PUT", "/v2.1/orderItems/i1"),
        (lambda r: r.delete_item("i1"), "DELETE", "/v2.1/orderItems/i1"),
        (lambda r: r.create_contact("o1", {}), "POST", "/v2.1/orders/o1/contacts"),
        (lambda r: r.create_consumer("o1", {}), "POST", "/v2.1/orders/o1/consumers"),
        (lambda r: r.create_extension("orders", "o1", {}), "POST", "/v2.1/orders/o1/extensions/ext"),
        (lambda r: r.patch_extension("orderItems", "i1", {}), "PATCH", "/v2.1/orderItems/i1/extensions/ext"),
    ],
)
async def test_each_operation_uses_its_documented_path(call: Callable[[RestClient], object], method: str,
                                                       path: str) -> None:  # fmt: skip
    rest, seen = client(lambda r: httpx.Response(201, json={}))
    await call(rest)  # type: ignore[misc]  # each lambda returns the client's coroutine
    assert (seen[0].method, seen[0].url.path) == (method, path)


async def test_deleting_extension_keys_names_them_in_the_query() -> None:
    rest, seen = client(lambda r: httpx.Response(200, json={}))
    await rest.delete_extension_keys("orders", "o1", ["a", "b"])
    assert seen[0].url.params["keys"] == "a,b"


async def test_a_missing_extension_reads_as_none() -> None:
    rest, _ = client(lambda r: error(404, "No data extension"))
    assert await rest.get_extension("orders", "o1") is None


async def test_an_extension_reads_without_structural_keys() -> None:
    rest, _ = client(
        lambda r: httpx.Response(200, json={"href": "h", "name": "ext", "key": "default", "a": 1})
    )
    assert await rest.get_extension("orders", "o1") == {"a": 1}


@pytest.mark.parametrize(
    ("response", "kind", "fate"),
    [
        (error(400), RestRejectedError, Fate.DEAD_LETTER),
        (error(404), RestNotFoundError, Fate.DEAD_LETTER),
        (error(415), RestRejectedError, Fate.DEAD_LETTER),
        (error(401), RestAuthError, Fate.STOP),
        (error(403), RestAuthError, Fate.STOP),
        (error(500), RestTransientError, Fate.RETRY),
        (error(503), RestTransientError, Fate.RETRY),
        (httpx.Response(429, headers={"Retry-After": "7"}), RestTransientError, Fate.RETRY),
    ],
)
async def test_status_codes_become_typed_errors(response: httpx.Response, kind: type[Exception],
                                                fate: Fate) -> None:  # fmt: skip
    rest, _ = client(lambda r: response)
    with pytest.raises(kind) as caught:
        await rest.replace_order("o1", {})
    assert fate_of(caught.value) is fate
    assert getattr(caught.value, "api", None) == "rest"


async def test_a_rejection_carries_the_parsed_error_body() -> None:
    rest, _ = client(lambda r: error(400, "Validation failed"))
    with pytest.raises(RestRejectedError) as caught:
        await rest.create_order({})
    assert caught.value.status == 400
    assert caught.value.error is not None
    assert caught.value.error.developer_message == "price: not a number"
    assert "Validation failed" in str(caught.value)


async def test_throttling_keeps_retry_after() -> None:
    rest, _ = client(lambda r: httpx.Response(429, headers={"Retry-After": "7"}))
    with pytest.raises(RestTransientError) as caught:
        await rest.create_order({})
    assert caught.value.retry_after == 7.0


async def test_transport_failures_say_whether_the_request_may_have_been_served() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    for handler, maybe in ((refuse, False), (timeout, True)):
        rest, _ = client(handler)
        with pytest.raises(RestTransientError) as caught:
            await rest.create_order({})
        assert caught.value.maybe_applied is maybe


def test_error_bodies_parse_numeric_and_text_codes_and_garbage() -> None:
    assert parse_error_body(400, orjson.dumps({"code": "17", "message": "m"})).code == 17
    assert parse_error_body(400, b"<html>oops</html>").message == "<html>oops</html>"
    assert parse_error_body(500, b"{}").status == 500


async def test_fate_overrides_decide_rest_answers_but_a_missing_extension_stays_absent() -> None:
    fates = fate_table("rest:409=done,rest:404=done,rest:503=dead_letter")
    for status, outcome in ((409, None), (503, RestRejectedError)):
        http = httpx.AsyncClient(base_url="https://cdp.test",
                                 transport=httpx.MockTransport(lambda r, s=status: error(s)))  # fmt: skip
        rest = RestClient(http, fates=fates)
        if outcome is None:
            await rest.replace_order("o1", {})
        else:
            with pytest.raises(outcome):
                await rest.replace_order("o1", {})
    http = httpx.AsyncClient(base_url="https://cdp.test", transport=httpx.MockTransport(lambda r: error(404)))
    assert await RestClient(http, fates=fates).get_extension("orders", "o1") is None
