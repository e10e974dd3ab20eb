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
    restarts: int
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
    #: How long the broker stays down between its exit and its new start.
    restart_down_s: tuple[float, float] = (0.5, 3.0)


SHORT = Profile(
    name="short", seconds=50, kills=3, pauses=2, pause_s=(2, 4), restarts=2, outages=2, outage_s=6,
    slowdowns=1, slowdown_s=6, rebalances=1, rebalance_s=12, correction_orders=50, shop_guests=20,
    shop_orders_per_guest=2, poison_per_kind=1, settle_timeout_s=90,
)  # fmt: skip
#: The full campaign on the memory broker, without restarts: every assignment restores the state topic
#: from its start (tansu never compacts it), and on S3 storage (about 150 batches/s) those restores grew
#: with this traffic past any useful limit. Broker restarts have their own profile, RESTARTS.
LONG = Profile(
    name="long", seconds=960, kills=55, pauses=12, pause_s=(2, 4), restarts=0, outages=5, outage_s=60,
    slowdowns=4, slowdown_s=30, rebalances=6, rebalance_s=40, correction_orders=1000, shop_guests=400,
    shop_orders_per_guest=3, poison_per_kind=4, settle_timeout_s=900,
)  # fmt: skip
#: Broker restarts (SIGTERM and SIGKILL) on S3 storage among the other faults, with traffic small
#: enough that restores of the uncompacted state topic stay short.
RESTARTS = Profile(
    name="restarts", seconds=300, kills=10, pauses=3, pause_s=(2, 4), restarts=8, outages=2, outage_s=30,
    slowdowns=2, slowdown_s=20, rebalances=2, rebalance_s=30, correction_orders=150, shop_guests=60,
    shop_orders_per_guest=3, poison_per_kind=2, settle_timeout_s=600,
)  # fmt: skip
PROFILES = {profile.name: profile for profile in (SHORT, LONG, RESTARTS)}


#: Room for one broker restart: SIGTERM drains clients for about 6 s, then the down time, then the start.
RESTART_WINDOW_S = 10.0
RESTART_SIGNALS = ("restart_sigterm", "restart_sigkill")
#: Broker faults start this long into the run, once the first worker is at work.
BROKER_LEAD_S = 5.0


@dataclass(frozen=True, order=True)
class Action:
    """At ``at`` seconds into the fault phase, do ``name`` (``kill``, ``pause_start``, ...); ``seconds`` is
    how long an action that lasts by itself lasts (a restart's down time)."""

    at: float
    name: str
    seconds: float = 0.0


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
    actions = [Action(at, "kill") for at in moments(rng, profile.kills, span)] + broker_faults(profile, rng)
    paired = (
        ("outage", windows(rng, profile.outages, profile.outage_s, span)),
        ("slow", windows(rng, profile.slowdowns, profile.slowdown_s, span)),
        ("rebalance", windows(rng, profile.rebalances, profile.rebalance_s, span)),
    )
    for name, found in paired:
        for start, end in found:
            actions += [Action(start, f"{name}_start"), Action(end, f"{name}_end")]
    return sorted(actions)


def broker_faults(profile: Profile, rng: random.Random) -> list[Action]:
    """Pauses and restarts (SIGTERM and SIGKILL taking turns) in windows that never overlap, so a
    restart never meets a paused broker, after BROKER_LEAD_S; a pause lasts a random part of ``pause_s``."""
    restarts = list((RESTART_SIGNALS * profile.restarts)[: profile.restarts])
    kinds = ["pause"] * profile.pauses + restarts
    rng.shuffle(kinds)
    length = max(profile.pause_s[1], RESTART_WINDOW_S if restarts else 0.0)
    actions = []
    found = windows(rng, len(kinds), length, profile.seconds - BROKER_LEAD_S)
    for kind, start in zip(kinds, (BROKER_LEAD_S + start for start, _ in found), strict=True):
        if kind == "pause":
            end = start + rng.uniform(*profile.pause_s)
            actions += [Action(start, "pause_start"), Action(end, "pause_end")]
        else:
            actions.append(Action(start, kind, rng.uniform(*profile.restart_down_s)))
    return actions
