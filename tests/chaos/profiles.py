"""Campaign sizes (short for CI, long for the figures) and the random fault schedule they lead to."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How much traffic and how many faults of each kind, over ``seconds`` of fault phase."""

    name: str
    seconds: float
    kills: int
    pauses: int
    pause_s: tuple[float, float]
    outages: int
    outage_s: float
    slowdowns: int
    slowdown_s: float
    rebalances: int
    rebalance_s: float
    correction_orders: int
    shop_guests: int
    shop_orders_per_guest: int
    poison_per_kind: int
    settle_timeout_s: float
    p5xx: float = 0.10
    p429: float = 0.05


SHORT = Profile(
    name="short", seconds=50, kills=3, pauses=2, pause_s=(2, 4), outages=2, outage_s=6,
    slowdowns=1, slowdown_s=6, rebalances=1, rebalance_s=12, correction_orders=50, shop_guests=20,
    shop_orders_per_guest=2, poison_per_kind=1, settle_timeout_s=90,
)  # fmt: skip
LONG = Profile(
    name="long", seconds=960, kills=55, pauses=12, pause_s=(2, 4), outages=5, outage_s=60,
    slowdowns=4, slowdown_s=30, rebalances=6, rebalance_s=40, correction_orders=1000, shop_guests=400,
    shop_orders_per_guest=3, poison_per_kind=4, settle_timeout_s=900,
)  # fmt: skip
PROFILES = {profile.name: profile for profile in (SHORT, LONG)}


@dataclass(frozen=True, order=True)
class Action:
    """At ``at`` seconds into the fault phase, do ``name`` (``kill``, ``pause_start``, ...)."""

    at: float
    name: str


def windows(rng: random.Random, count: int, length: float, span: float) -> list[tuple[float, float]]:
    """``count`` non-overlapping windows of ``length`` seconds, one at a random place in each of
    ``count`` equal slots of ``span``."""
    if count == 0:
        return []
    slot = span / count
    if slot < length:
        raise ValueError(f"{count} windows of {length}s do not fit in {span}s")
    return [(i * slot + (start := rng.uniform(0, slot - length)), i * slot + start + length)
            for i in range(count)]  # fmt: skip


def moments(rng: random.Random, count: int, span: float, lead: float = 3.0) -> list[float]:
    """``count`` instants, one at a random place in each equal slot of ``span`` after ``lead`` seconds."""
    slot = (span - lead) / max(count, 1)
    return [lead + i * slot + rng.uniform(0, slot) for i in range(count)]


def schedule(profile: Profile, seed: int) -> list[Action]:
    """Every fault action of a run, in time order (reproducible from ``seed``)."""
    rng = random.Random(seed)
    span = profile.seconds
    actions = [Action(at, "kill") for at in moments(rng, profile.kills, span)]
    paired = (
        ("pause", windows(rng, profile.pauses, profile.pause_s[1], span)),
        ("outage", windows(rng, profile.outages, profile.outage_s, span)),
        ("slow", windows(rng, profile.slowdowns, profile.slowdown_s, span)),
        ("rebalance", windows(rng, profile.rebalances, profile.rebalance_s, span)),
    )
    for name, found in paired:
        for start, window_end in found:
            # pauses vary in length within their window
            end = start + rng.uniform(*profile.pause_s) if name == "pause" else window_end
            actions += [Action(start, f"{name}_start"), Action(end, f"{name}_end")]
    return sorted(actions)
