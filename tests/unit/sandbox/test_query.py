"""Fast query decoding gives exactly the bytes urllib.parse gives, malformed escapes included."""

from __future__ import annotations

import random
import urllib.parse

import pytest

from sandbox.query import query_values, unquote_plus

PIECES = [
    "a",
    "%",
    "+",
    "=",
    " ",
    "%2",
    "%zz",
    "%41",
    "%e2%82%ac",
    "%E2%82",
    "€",
    "{",
    '"',
    "%3D",
    "=3D",
    "%0A",
    "_",
    "\t",
    "=\n",
    "%25",
    "%%41",
]


def reference(raw: bytes) -> str:
    return urllib.parse.unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace")


def test_random_components_decode_like_urllib() -> None:
    rng = random.Random(20261127)
    for _ in range(20000):
        raw = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))).encode()
        assert unquote_plus(raw) == reference(raw), raw


@pytest.mark.parametrize("text", ['{"type":"ADD","price":19.99}', "a=b&c", "100% sure", "naïve €", ""])
def test_quoted_json_round_trips(text: str) -> None:
    assert unquote_plus(urllib.parse.quote_plus(text).encode()) == text


def test_query_values_takes_the_first_of_each_wanted_name() -> None:
    query = b"message=%7B%7D&client_key=k1&client_key=k2&other=x"
    assert query_values(query, frozenset({"client_key", "message"})) == {"client_key": "k1", "message": "{}"}
