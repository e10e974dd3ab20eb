"""Malformed Stream input never breaks the sandbox: every answer is a documented status with a JSON body."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import orjson

from sandbox.testing import RunningSandbox
from tests.integration.sandbox.stream_client import COMMON, StreamClient, product

VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    "",
    " ",
    "x",
    "WEB",
    "EUR",
    "EN",
    "ä€",
    [],
    [{}],
    {},
    {"a": {}},
]
KEYS = [
    "type",
    "browser_id",
    "channel",
    "language",
    "currency",
    "page",
    "pos",
    "ext",
    "product",
    "contact",
    "identifiers",
    "order",
    "reference_id",
    "status",
    "pay_type",
    "consumer",
]
TYPES = [
    "ADD",
    "CONFIRM",
    "CHECKOUT",
    "PAYMENT",
    "IDENTITY",
    "ADD_CONTACTS",
    "ADD_CONSUMERS",
    "ORDER_CHECKOUT",
    "CLEAR_CART",
    "FORCE_CLOSE",
    "VIEW",
]


ORDER: dict[str, Any] = {
    "referenceId": "G-1",
    "orderedAt": "2025-03-07T16:15:11.000Z",
    "status": "PURCHASED",
    "currencyCode": "EUR",
    "price": 1,
    "paymentType": "Card",
    "cardType": "Visa",
    "extensions": [{"name": "ext", "key": "default"}],
    "orderItems": [{"type": "FOOTWEAR", "name": "x", "extensions": [{"name": "ext", "a": 1}]}],
}


def _mutant(rng: random.Random, browser: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        **COMMON,
        "browser_id": browser,
        "type": rng.choice(TYPES),
        "product": product("A"),
    }
    for _ in range(rng.randint(1, 3)):
        message[rng.choice(KEYS)] = rng.choice(VALUES)
    if rng.random() < 0.3:
        message["product"] = {**product("A"), rng.choice(list(product("A"))): rng.choice(VALUES)}
    if rng.random() < 0.3:
        message["order"] = {**ORDER, rng.choice(list(ORDER)): rng.choice(VALUES)}
        if rng.random() < 0.5:
            message["order"]["orderItems"] = [{"type": "SHOE", rng.choice(list(ORDER)): rng.choice(VALUES)}]
    return message


def test_random_malformed_events_get_documented_answers(
    stream: StreamClient, sandbox: RunningSandbox
) -> None:
    rng = random.Random(1127)
    browser = stream.browser()
    seen: set[int] = set()
    for _ in range(300):
        message = json.dumps(_mutant(rng, browser))  # stdlib: orjson refuses integers beyond 64 bits
        response = stream.http.get(
            "/v1.2/event/create.json", params={"client_key": sandbox.client_key, "message": message}
        )
        assert response.status_code in {201, 400, 404}, response.text
        assert isinstance(response.json(), dict)
        seen.add(response.status_code)
    assert {201, 400} <= seen


def test_raw_query_garbage_gets_documented_answers(client: httpx.Client, sandbox: RunningSandbox) -> None:
    key = sandbox.client_key
    for query in (
        f"client_key={key}&message=%7B",
        f"client_key={key}&message=%ZZ",
        f"client_key={key}&message=",
        f"client_key={key}&message=%00",
        f"client_key={key}&message=[]",
        "client_key=&message=%7B%7D",
        f"client_key={key}&message={'%7B' * 5000}",
    ):
        response = client.get(f"/v1.2/event/create.json?{query}")
        assert response.status_code in {400, 401}, (query[:60], response.text)
        assert orjson.loads(response.content)["status"] == response.status_code
