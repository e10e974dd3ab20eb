"""Stream messages: exact decimal money, compact JSON, encodeURIComponent-style encoding."""

from __future__ import annotations

import json
from decimal import Decimal
from types import MappingProxyType
from urllib.parse import quote, unquote

import pytest

from worker.cdp.message import URI_COMPONENT_SAFE, to_json, url_encoded


@pytest.mark.parametrize(
    ("money", "text"),
    [
        ("0.00", "0.00"),
        ("129.95", "129.95"),
        ("0.10", "0.10"),
        ("-5.50", "-5.50"),
        ("9999999999999999.99", "9999999999999999.99"),
        ("1E+2", "100"),
    ],
)
def test_money_keeps_its_exact_digits(money: str, text: str) -> None:
    assert to_json({"price": Decimal(money)}) == f'{{"price":{text}}}'
    assert json.loads(to_json({"price": Decimal(money)}), parse_float=Decimal)["price"] == Decimal(money)


def test_nested_values_render_as_compact_json() -> None:
    value = {"a": [1, True, None, "x"], "b": {"c": (Decimal("1.5"),)}, "d": 2.5}
    assert to_json(value) == '{"a":[1,true,null,"x"],"b":{"c":[1.5]},"d":2.5}'


def test_non_finite_money_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        to_json({"price": Decimal("NaN")})


def test_url_encoding_is_reversible_and_escapes_reserved_characters() -> None:
    message = {"name": "Zoë & Co + 50% off / ?", "price": Decimal("1.00")}
    encoded = url_encoded(message)
    assert all(char not in encoded for char in ' &+/?=#"{}')
    assert unquote(encoded) == to_json(message)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "",
        "%41%",
        'a b&c+d/e?f=g#h"i{j}k[l]m:n,o;p@q$r<s>t\\u^v`w|x',
        "Écharpe 日本 😀",
        "\x7f\x00\t",
    ],
)
def test_url_encoding_matches_quote_with_the_uri_component_safe_set(text: str) -> None:
    message = {"name": text, "price": Decimal("35.50")}
    assert url_encoded(message) == quote(to_json(message), safe=URI_COMPONENT_SAFE)


def test_any_mapping_renders_as_an_object_and_other_values_are_refused() -> None:
    assert to_json({"a": MappingProxyType({"b": Decimal("1.0")}), 1: "x"}) == '{"a":{"b":1.0},"1":"x"}'
    with pytest.raises(TypeError):
        to_json({"a": object()})
