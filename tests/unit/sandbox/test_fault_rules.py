"""Fault rules: validation of the JSON shape, path matching and the probability draw."""

from __future__ import annotations

import random

import pytest

from sandbox.fault_rules import Latency, parse_rule
from sandbox.faults import FaultBook, api_of


def test_a_full_rule_parses() -> None:
    rule = parse_rule(
        {"api": "stream", "path": "/v1.2/event/create.json", "latency_ms": {"uniform": [10, 90]},
         "p429": 0.05, "retry_after": 2, "p500": 0.1, "p503": 0.1, "pdrop": 0.02, "ptimeout": 0.01,
         "timeout_ms": 500}
    )  # fmt: skip
    assert rule.latency == Latency("uniform", 10.0, 90.0)
    assert (rule.p429, rule.retry_after, rule.timeout_ms, rule.outage) == (0.05, 2, 500, False)


@pytest.mark.parametrize(
    "spec",
    [
        {"api": "graphql"},
        {"p429": 1.5},
        {"p500": 0.6, "p503": 0.6},
        {"latency_ms": {"uniform": [90, 10]}},
        {"latency_ms": {"gaussian": 3}},
        {"latency_ms": 50},
        {"outage": "yes"},
        {"path": "v1.2"},
        {"p_429": 0.1},
    ],
)
def test_invalid_rules_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (each case has its own message; refusal is the contract)
        parse_rule(spec)


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/v1.2/event/create.json", "stream"),
        ("/v2/batches/abc", "batch"),
        ("/v2.1/orders", "rest"),
        ("/x", "other"),
    ],
)
def test_paths_map_to_their_api(path: str, api: str) -> None:
    assert api_of(path) == api


def test_first_matching_rule_applies_and_inspection_is_never_faulted() -> None:
    book = FaultBook(seed=1)
    book.add({"api": "stream", "path": "/v1.2/event", "p500": 1.0})
    book.add({"api": "*", "p503": 1.0})
    assert book.match("/v1.2/event/create.json").rule.p500 == 1.0  # type: ignore[union-attr]
    assert book.match("/v1.2/browser/create.json").rule.p503 == 1.0  # type: ignore[union-attr]
    assert book.match("/_sandbox/orders") is None


def test_draw_picks_each_outcome_at_its_rate() -> None:
    book = FaultBook(seed=7)
    rule = parse_rule({"p429": 0.1, "p500": 0.2, "pdrop": 0.3})
    draws = [book.draw(rule) for _ in range(20000)]
    for name, p in (("p429", 0.1), ("p500", 0.2), ("pdrop", 0.3), (None, 0.4)):
        sigma = (20000 * p * (1 - p)) ** 0.5
        assert abs(draws.count(name) - 20000 * p) < 5 * sigma


def test_latency_draws_stay_within_their_distribution() -> None:
    rng = random.Random(3)
    uniform = Latency("uniform", 10, 20)
    assert all(10 <= uniform.draw_ms(rng) <= 20 for _ in range(1000))
    assert Latency("fixed", 50).draw_ms(rng) == 50
