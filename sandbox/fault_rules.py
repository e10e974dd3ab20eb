"""Fault rules: the validated form of ``{"api": ..., "path": ..., "latency_ms": ..., "p429": ...}``."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

APIS = ("stream", "batch", "rest", "other", "*")
_PROBABILITIES = ("p429", "p500", "p503", "pdrop", "ptimeout")
_KNOWN_KEYS = frozenset({"api", "path", "latency_ms", "retry_after", "timeout_ms", "outage", *_PROBABILITIES})


@dataclass(frozen=True)
class Latency:
    """Added latency in milliseconds: ``fixed`` (a), ``uniform`` (a..b) or ``exponential`` (mean a)."""

    kind: str
    a: float
    b: float = 0.0

    def draw_ms(self, rng: random.Random) -> float:
        """One latency sample in milliseconds."""
        return _LATENCY_DRAWS[self.kind](self, rng)


_LATENCY_DRAWS: dict[str, Callable[[Latency, random.Random], float]] = {
    "fixed": lambda lat, _: lat.a,
    "uniform": lambda lat, rng: rng.uniform(lat.a, lat.b),
    "exponential": lambda lat, rng: rng.expovariate(1.0 / lat.a) if lat.a > 0 else 0.0,
}


@dataclass(frozen=True)
class FaultRule:
    """One validated rule; probabilities are per request and add up to at most 1."""

    api: str = "*"
    path: str | None = None
    latency: Latency | None = None
    p429: float = 0.0
    retry_after: int = 1
    p500: float = 0.0
    p503: float = 0.0
    pdrop: float = 0.0
    ptimeout: float = 0.0
    timeout_ms: int = 30000
    outage: bool = False

    def applies_to(self, api: str, path: str) -> bool:
        """Whether a request of ``api`` on ``path`` falls under this rule."""
        api_ok = self.api in ("*", api)
        return api_ok and (self.path is None or path.startswith(self.path))

    def latency_seconds(self, rng: random.Random) -> float:
        """Latency to add to one request, in seconds."""
        return 0.0 if self.latency is None else max(self.latency.draw_ms(rng), 0.0) / 1000


def _number(spec: Mapping[str, object], key: str, default: float) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return float(value)


def _probability(spec: Mapping[str, object], key: str) -> float:
    value = _number(spec, key, 0.0)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{key} must be between 0 and 1")
    return value


def _latency(value: object) -> Latency | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError('latency_ms must be {"fixed": n}, {"uniform": [a, b]} or {"exponential": mean}')
    kind, arg = next(iter(value.items()))
    if kind == "uniform":
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(x, int | float) for x in arg)):
            raise ValueError("uniform latency needs [low, high]")
        low, high = float(arg[0]), float(arg[1])
        if not 0 <= low <= high:
            raise ValueError("uniform latency needs 0 <= low <= high")
        return Latency("uniform", low, high)
    if kind not in _LATENCY_DRAWS or isinstance(arg, bool) or not isinstance(arg, int | float) or arg < 0:
        raise ValueError(f"unknown or invalid latency {kind!r}")
    return Latency(str(kind), float(arg))


def _checked_keys(spec: Mapping[str, object]) -> None:
    unknown = set(spec) - _KNOWN_KEYS
    if unknown:
        raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
    api = spec.get("api", "*")
    if api not in APIS:
        raise ValueError(f"api must be one of {list(APIS)}")
    path = spec.get("path")
    if path is not None and not (isinstance(path, str) and path.startswith("/")):
        raise ValueError("path must be a string starting with /")


def parse_rule(spec: Mapping[str, object]) -> FaultRule:
    """Validate a JSON rule; raises ``ValueError`` naming the offending key."""
    _checked_keys(spec)
    probabilities = {key: _probability(spec, key) for key in _PROBABILITIES}
    if sum(probabilities.values()) > 1.0 + 1e-9:
        raise ValueError("p429 + p500 + p503 + pdrop + ptimeout must not exceed 1")
    outage = spec.get("outage", False)
    if not isinstance(outage, bool):
        raise ValueError("outage must be true or false")
    path = spec.get("path")
    return FaultRule(
        api=str(spec.get("api", "*")),
        path=path if isinstance(path, str) else None,
        latency=_latency(spec.get("latency_ms")),
        retry_after=int(_number(spec, "retry_after", 1)),
        timeout_ms=int(_number(spec, "timeout_ms", 30000)),
        outage=outage,
        **probabilities,
    )
