"""Input limits: oversize values, too many lines or extension keys and overlong strings are LimitErrors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.kafka import example
from worker.codec import build_decoder
from worker.config import DEFAULT_SCHEMA_DIR
from worker.errors import Fate, PermanentError, fate_of, reason_of
from worker.limits import LimitedDecoder, LimitError, Limits

LIMITS = Limits(max_value_bytes=20_000, max_order_lines=3, max_extension_keys=4, max_string_length=64)


def decoder(limits: Limits = LIMITS) -> LimitedDecoder:
    return LimitedDecoder(build_decoder("json", DEFAULT_SCHEMA_DIR), limits)


def order(lines: int = 2) -> dict[str, Any]:
    event = copy.deepcopy(example("OrderPlaced"))
    first = event["order"]["lines"][0]
    event["order"]["lines"] = [{**copy.deepcopy(first), "line_id": f"L{n}"} for n in range(lines)]
    return event


def encoded(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def refusal(event: dict[str, Any] | bytes, limits: Limits = LIMITS) -> LimitError:
    value = event if isinstance(event, bytes) else encoded(event)
    with pytest.raises(LimitError) as caught:
        decoder(limits).decode(value, [])
    return caught.value


def test_an_event_within_every_limit_decodes() -> None:
    event = decoder().decode(encoded(order(lines=3)), [])
    assert len(event.order.lines) == 3  # type: ignore[union-attr]  # an OrderPlaced


def test_a_value_over_the_byte_limit_is_refused_before_parsing() -> None:
    error = refusal(b"x" * 20_001)  # not even JSON: the size check comes first
    assert "20001 bytes exceeds the limit of 20000" in str(error)


def test_an_order_with_too_many_lines_names_the_field_and_the_limit() -> None:
    error = refusal(order(lines=4))
    assert error.path == "order.lines"
    assert "4 lines exceed the limit of 3" in str(error)


def test_too_many_order_extension_keys_are_refused() -> None:
    event = order()
    event["order"]["extensions"] = {f"key{n}": n for n in range(5)}
    error = refusal(event)
    assert error.path == "order.extensions"
    assert "5 extension keys" in str(error)


def test_too_many_line_extension_keys_are_refused() -> None:
    event = order()
    event["order"]["lines"][1]["extensions"] = {f"key{n}": "v" for n in range(5)}
    assert refusal(event).path == "order.lines[1].extensions"


def test_an_overlong_string_anywhere_is_refused_with_its_path() -> None:
    event = order()
    event["order"]["lines"][0]["name"] = "n" * 65
    error = refusal(event)
    assert error.path == "order.lines[0].name"
    assert "65 characters exceeds the limit of 64" in str(error)


def test_an_overlong_extension_value_is_refused() -> None:
    event = order()
    event["order"]["extensions"] = {"note": "v" * 65}
    assert refusal(event).path == "order.extensions.note"


def test_cart_remaining_lines_count_as_lines() -> None:
    event = copy.deepcopy(example("CartItemRemoved"))
    line = event["remaining_lines"][0] if event["remaining_lines"] else event["line"]
    event["remaining_lines"] = [{**copy.deepcopy(line), "line_id": f"R{n}"} for n in range(4)]
    assert refusal(event).path == "remaining_lines"


def test_a_limit_error_is_dead_lettered_with_reason_limit_at_stage_limits() -> None:
    error = refusal(b"x" * 20_001)
    assert isinstance(error, PermanentError)
    assert fate_of(error) is Fate.DEAD_LETTER
    assert reason_of(error) == "limit"
    assert error.stage == "limits"


def test_decoding_failures_of_the_inner_decoder_pass_through_unchanged() -> None:
    with pytest.raises(PermanentError) as caught:
        decoder().decode(b"{not json", [])
    assert not isinstance(caught.value, LimitError)
    assert reason_of(caught.value) == "decode"
