"""One campaign run: start the parts, play the fault schedule over the workload, settle, judge."""

from __future__ import annotations

import contextlib
import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.chaos.avro import Encode, encoder_of
from tests.chaos.poison import LIMIT_SETTINGS
from tests.chaos.profiles import Action, Profile, schedule
from tests.chaos.rig import KILL_WAIT_S, PacedProducer, SandboxFaults, WorkerPool
from tests.chaos.story import Scene, tell
from tests.chaos.stuck import save_metrics, unfinished
from tests.chaos.verdict import (
    Verdict,
    confirmed_dead_letters,
    dead_letter_check,
    letter,
    lost_and_doubled,
    order_check,
    read_log,
    read_topic,
    record_figures,
)
from tests.chaos.workload import Workload, build
from tests.support.durable_broker import DurableBroker, durable_broker
from tests.support.kafka import committed, create_topics
from tests.support.registry import start_registry
from worker.codec import build_encoder
from worker.config import DEFAULT_SCHEMA_DIR

PARTITIONS = 6
#: Share of the fault phase over which the workload is produced (the rest is processed under faults).
PRODUCE_SHARE = 0.8


@dataclass
class Chaos:
    """The running parts and what was injected so far."""

    broker: DurableBroker
    sandbox: RunningSandbox
    faults: SandboxFaults
    pool: WorkerPool
    source: str
    group: str
    injected: Counter[str]
    restarts: list[dict[str, object]] = field(default_factory=list)
    #: (epoch seconds, action) of every action played, for the story of a broken order.
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def committed_total(self) -> int:
        offsets = committed(self.broker.bootstrap, self.group, self.source, PARTITIONS)
        return sum(max(offset, 0) for offset in offsets.values())


def _kill(chaos: Chaos, _action: Action) -> None:
    # no waiting for readiness while the broker is paused: the pause would outlast the sessions
    chaos.pool.kill_one(0.0 if chaos.broker.paused else KILL_WAIT_S)
    chaos.injected["worker_sigkill"] += 1


def _switch(name: str, on: bool) -> Callable[[Chaos, Action], None]:
    def act(chaos: Chaos, _action: Action) -> None:
        setattr(chaos.faults, name, on)
        chaos.faults.apply()
        if on:
            chaos.injected[f"sandbox_{name}"] += 1

    return act


def _pause(chaos: Chaos, _action: Action) -> None:
    chaos.broker.pause()
    chaos.injected["broker_pause"] += 1


def _restart(signum: signal.Signals) -> Callable[[Chaos, Action], None]:
    """Stop the broker with ``signum``, keep it down ``action.seconds``, start it on the same port."""

    def act(chaos: Chaos, action: Action) -> None:
        exit_s = chaos.broker.restart(signum, action.seconds)
        chaos.injected["broker_restart"] += 1
        chaos.injected[f"broker_restart_{signum.name.lower()}"] += 1
        chaos.restarts.append({"at_s": round(action.at, 1), "signal": signum.name, "exit_s": round(exit_s, 2),
                               "down_s": round(action.seconds, 2)})  # fmt: skip

    return act


def _join(chaos: Chaos, _action: Action) -> None:
    chaos.pool.start("b")
    chaos.injected["rebalance_join"] += 1


def _leave(chaos: Chaos, _action: Action) -> None:
    chaos.pool.leave("b")
    chaos.injected["rebalance_leave"] += 1


ACTIONS: dict[str, Callable[[Chaos, Action], None]] = {
    "kill": _kill,
    "pause_start": _pause,
    "pause_end": lambda chaos, _action: chaos.broker.resume(),
    "restart_sigterm": _restart(signal.SIGTERM),
    "restart_sigkill": _restart(signal.SIGKILL),
    "outage_start": _switch("outage", True),
    "outage_end": _switch("outage", False),
    "slow_start": _switch("slow", True),
    "slow_end": _switch("slow", False),
    "rebalance_start": _join,
    "rebalance_end": _leave,
}


def worker_env(chaos_parts: tuple[str, str, RunningSandbox], names: dict[str, str]) -> dict[str, str]:
    bootstrap, _, sandbox = chaos_parts
    return {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": names["source"],
        "CDPW_KAFKA_GROUP_ID": names["group"], "CDPW_DLQ_TOPIC": names["dlq"],
        "CDPW_STATE_TOPIC": names["state"], "CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url,
        "CDPW_CDP_CLIENT_KEY": sandbox.client_key, "CDPW_CDP_API_TOKEN": sandbox.api_token,
        "CDPW_CDP_TIMEOUT_S": "5", "CDPW_RETRY_BASE_S": "0.05", "CDPW_RETRY_MAX_S": "2",
        "CDPW_MAX_CONCURRENCY": "50", "CDPW_CDP_MAX_CONNECTIONS": "16",
        "CDPW_BATCH_MAX_AGE_S": "0.3", "CDPW_BATCH_POLL_BASE_S": "0.05", "CDPW_BATCH_POLL_MAX_S": "0.5",
        "CDPW_ROUTE_DELETIONS": "batch", "CDPW_CORRECTION_BATCH_THRESHOLD_PER_S": "3",
        "CDPW_DRAIN_TIMEOUT_S": "10", "CDPW_CORRECTION_WAIT_S": "15", "CDPW_LOG_FORMAT": "json",
        **LIMIT_SETTINGS,
    }  # fmt: skip


def wait_until(moment: float, chaos: Chaos) -> None:
    """Sleep until ``moment`` (monotonic), restarting workers that exit on their own meanwhile."""
    while (left := moment - time.monotonic()) > 0:
        chaos.pool.supervise()
        time.sleep(min(left, 0.5))


def settle(chaos: Chaos, produced: int, timeout: float) -> int:
    """Wait until every produced record is committed (or ``timeout``); returns the committed total."""
    deadline = time.monotonic() + timeout
    total = 0
    while time.monotonic() < deadline:
        chaos.pool.supervise()
        with contextlib.suppress(Exception):  # the broker may still be busy right after a pause
            total = chaos.committed_total()
        if total >= produced:
            break
        time.sleep(1.0)
    return total


def play(chaos: Chaos, profile: Profile, seed: int) -> None:
    """The fault phase: every scheduled action at its moment."""
    started = time.monotonic()
    for action in schedule(profile, seed):
        wait_until(started + action.at, chaos)
        chaos.timeline.append((time.time(), action.name))
        ACTIONS[action.name](chaos, action)
        if action.name.startswith(("kill", "restart")):
            chaos.timeline.append((time.time(), f"{action.name} done"))
    wait_until(started + profile.seconds, chaos)
    chaos.broker.resume()
    chaos.faults.clear()
    chaos.pool.leave("b")


@dataclass(frozen=True)
class Outcome:
    """What the run left to judge: the workload as produced and as the broker kept it, and counts."""

    work: Workload
    kept: Workload
    produced: int
    committed: int
    log_end: int
    confirmed_dead_letters: set[str]


def judge(chaos: Chaos, outcome: Outcome, dlq: str) -> Verdict:
    """The invariant on what the broker kept (records it acknowledged and lost are counted apart)."""
    verdict = Verdict()
    record_figures(outcome.work, outcome.produced, outcome.committed, outcome.log_end, verdict)
    letters = [letter(m) for m in read_topic(chaos.broker.bootstrap, dlq)]
    dead_letter_check(outcome.kept, letters, verdict, outcome.confirmed_dead_letters)
    order_check(outcome.kept, chaos.sandbox.url, verdict)
    injected = chaos.faults.injected
    requests = max(injected["requests"] - injected["outage"], 1)  # the share outside outages
    verdict.figures["faults_injected"] = {
        **dict(chaos.injected), "poison_records": len(outcome.work.poison),
        "http_500": injected["500"], "http_503": injected["503"], "http_429": injected["429"],
        "http_503_outage": injected["outage"], "slow_responses": injected["latency"],
        "sandbox_requests": injected["requests"],
        "http_5xx_share": round((injected["500"] + injected["503"]) / requests, 4),
        "http_429_share": round(injected["429"] / requests, 4),
    }  # fmt: skip
    exits = chaos.pool.unexpected_exits
    verdict.figures["broker_restarts"] = chaos.restarts
    verdict.figures["worker_starts"] = chaos.pool.starts
    verdict.figures["workers_restarted_stuck_without_partitions"] = chaos.pool.stuck
    verdict.figures["worker_unexpected_exits"] = [
        {"role": r, "code": c, "tail": t[-600:]} for r, c, t in exits
    ]
    return verdict


def run(profile: Profile, seed: int, workdir: Path, wire_format: str = "json") -> Verdict:
    """A whole campaign in ``workdir`` (logs of every process stay there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    suffix = uuid.uuid4().hex[:8]
    names = {kind: f"chaos-{kind}-{suffix}" for kind in ("source", "dlq", "state", "group")}
    with contextlib.ExitStack() as stack:
        wire_env, encode = _wire(wire_format, stack)
        work = build(profile, seed, encode)
        # Restarts need storage that keeps the data (S3); without restarts the memory engine is far faster.
        broker = stack.enter_context(durable_broker(workdir, durable=profile.restarts > 0))
        create_topics(broker.bootstrap, (names["source"], PARTITIONS), (names["dlq"], 1))
        sandbox = start_sandbox_process(workdir, db=workdir / f"cdp-{suffix}.db", fault_seed=seed,
                                        batch_delay=0.03)  # fmt: skip
        stack.callback(sandbox.stop)
        faults = SandboxFaults(sandbox.url, profile.p5xx, profile.p429)
        env = {**worker_env((broker.bootstrap, names["source"], sandbox), names), **wire_env}
        pool = WorkerPool(env, workdir, random.Random(seed))
        stack.callback(pool.stop_all)
        chaos = Chaos(broker, sandbox, faults, pool, names["source"], names["group"], Counter())
        return _run(chaos, profile, seed, work, names, workdir / f"cdp-{suffix}.db")
    raise AssertionError("unreachable")  # pragma: no cover - the with block returns


def _wire(wire_format: str, stack: contextlib.ExitStack) -> tuple[dict[str, str], Encode | None]:
    """Worker settings and the value encoder of ``wire_format`` (a registry is started for Avro)."""
    if wire_format == "json":
        return {}, None
    url, stop = start_registry()
    stack.callback(stop)
    encode = encoder_of(build_encoder("avro-registry", DEFAULT_SCHEMA_DIR, url))
    return {"CDPW_WIRE_FORMAT": "avro-registry", "CDPW_SCHEMA_REGISTRY_URL": url}, encode


def _run(
    chaos: Chaos, profile: Profile, seed: int, work: Workload, names: dict[str, str], db: Path
) -> Verdict:
    started = time.monotonic()
    chaos.faults.apply()
    chaos.pool.start("a")
    log_path = chaos.pool.workdir / "producer.log"
    producer = PacedProducer(chaos.broker.bootstrap, chaos.source, work.records,
                             profile.seconds * PRODUCE_SHARE, log_path)  # fmt: skip
    producer.start()
    play(chaos, profile, seed)
    finished_under_faults = chaos.committed_total()
    producer.join(timeout=300)
    settled_at = time.monotonic()
    # tansu on S3 can lose records it acknowledged when it restarts (it answers the producer's retry
    # DUPLICATE_SEQUENCE_NUMBER, and may leave the offset empty): the run is judged on what the log
    # holds, settled when it is committed to its end, and the losses are listed.
    log = read_log(chaos.broker.bootstrap, chaos.source)
    lost, doubled = lost_and_doubled(producer.acked, log)
    total = settle(chaos, log.end_total, profile.settle_timeout_s)
    chaos.faults.harvest()
    confirmed = confirmed_dead_letters(chaos.pool.workdir, chaos.source, log)
    outcome = Outcome(work, work.without(lost), producer.delivered, total, log.end_total, confirmed)
    verdict = judge(chaos, outcome, names["dlq"])
    verdict.figures["broker_lost_records"] = [f"{i}: {work.records[i].key} {work.records[i].label}"
                                              for i in sorted(lost)]  # fmt: skip
    verdict.figures["broker_duplicated_records"] = doubled
    verdict.figures["producer_failures"] = producer.failed[:5]
    if total < log.end_total:
        verdict.figures["unfinished_records"] = unfinished(chaos.broker.bootstrap, chaos.source, chaos.group,
                                                           PARTITIONS)  # fmt: skip
        verdict.figures["worker_metrics_saved"] = save_metrics(chaos.pool)
    verdict.figures["records"]["committed_when_faults_ended"] = finished_under_faults
    verdict.figures["seconds"] = {"total": round(time.monotonic() - started, 1),
                                  "settle": round(time.monotonic() - settled_at, 1)}  # fmt: skip
    scene = Scene(chaos.broker.bootstrap, tuple(log.messages), names["state"], names["dlq"], db,
                  chaos.pool.workdir, tuple(chaos.timeline))  # fmt: skip
    verdict.story = tell(scene, outcome.kept, verdict.violations)
    return verdict
