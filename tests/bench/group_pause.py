"""Consumer-group membership on tansu after a broker pause, a kill or a leave: how long does a NEW
member wait for partitions?

``python -m tests.bench.group_pause [--runs N] [--cases NAME,...] [--debug]`` prints one line per run
and a summary per case (nothing is asserted). Each run has a broker of its own (tansu, memory engine):

1. ``old`` members join a 6-partition topic's group (plain confluent-kafka consumers in child processes,
   or real worker processes for the ``worker-*`` cases) and get their partitions;
2. the broker is frozen (SIGSTOP) for ``pause_s`` seconds (0: no pause); optionally one old member is
   SIGKILLed half-way, a new member starts half-way, plain members stop calling poll() for ``stall_s``;
3. after SIGCONT the new member starts (unless it already did); optionally the last old member then
   leaves gracefully as the new one joins. The figures are the new member's waits for its first
   partitions from its start and from SIGCONT (``>60s``: none within ``CAP_S``). A member left without
   partitions then gets what a self-healing watchdog would do: close, and a fresh consumer joins.

All cases with ``--runs 3`` take about 30 minutes on the 2-core machine (a member left without
partitions costs ``CAP_S + REJOIN_S``). Logs of every process are kept under
``artifacts/group-pause/<case>-<run>/``; ``--debug`` adds librdkafka's ``debug=cgrp`` to every member
and the broker's group coordinator ``debug`` logging.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.kafka import create_topics
from worker.embedded import EmbeddedBroker, start_broker

PARTITIONS = 6
#: A new member without partitions this long has none (the fault campaign saw 90+ s).
CAP_S = 60.0
#: How long a fresh member (a watchdog's close-and-rejoin) gets after a capped run.
REJOIN_S = 30.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "group-pause"


@dataclass(frozen=True)
class Case:
    """One experiment: group shape, session, pause and what the old members do meanwhile."""

    name: str
    session_ms: int = 2000
    strategy: str = "cooperative-sticky"
    old: int = 2
    pause_s: float = 5.0
    kill_in_pause: bool = False
    stall_s: float = 0.0
    workers: bool = False
    #: The new member starts half-way through the pause (as a killed member's replacement would).
    new_in_pause: bool = False
    #: Records produced before the pause (workers are busy committing when the broker stops).
    records: int = 0
    #: The last old member leaves the group gracefully (SIGTERM: close, LeaveGroup) just after the new
    #: member starts to join, after SIGCONT (a rolling restart: the new one comes, the old one goes).
    old_leaves: bool = False


#: Plain clients first (is it the broker?), then real workers (is it the worker?).
CASES = (
    Case("coop-2s"),
    Case("coop-2s-kill", kill_in_pause=True),
    Case("coop-2s-stall20", stall_s=20.0),
    Case("coop-2s-kill-stall20", kill_in_pause=True, stall_s=20.0),
    Case("range-2s", strategy="range"),
    Case("range-2s-kill", strategy="range", kill_in_pause=True),
    Case("coop-1.5s-kill-newinpause", session_ms=1500, kill_in_pause=True, new_in_pause=True),
    Case("coop-2s-pause25-kill-newinpause", pause_s=25.0, kill_in_pause=True, new_in_pause=True),
    Case("coop-2s-leave", old_leaves=True),
    Case("coop-2s-nopause-1old-leaves", old=1, pause_s=0.0, old_leaves=True),
    Case("coop-6s-pause4", session_ms=6000, pause_s=4.0),
    Case("coop-6s-pause4-leave", session_ms=6000, pause_s=4.0, old_leaves=True),
    Case("coop-6s-pause9-kill", session_ms=6000, pause_s=9.0, kill_in_pause=True),
    Case("worker-2s", workers=True),
    Case("worker-2s-kill", workers=True, kill_in_pause=True),
    Case("worker-2s-leave", workers=True, old_leaves=True),
    Case("worker-2s-nopause-1old-leaves", old=1, pause_s=0.0, workers=True, old_leaves=True),
    Case("worker-1.5s-kill-newinpause-busy", session_ms=1500, workers=True, kill_in_pause=True,
         new_in_pause=True, records=20000),
    Case("worker-2s-pause25-kill-newinpause-busy", pause_s=25.0, workers=True, kill_in_pause=True,
         new_in_pause=True, records=20000),
    Case("worker-6s-pause9-kill-newinpause-busy", session_ms=6000, pause_s=9.0, workers=True,
         kill_in_pause=True, new_in_pause=True, records=20000),
)  # fmt: skip


# a plain member (child process) --------------------------------------------------------------------
def member_main(spec: dict[str, Any]) -> None:
    """Consume ``spec['topic']`` in ``spec['group']``; print rebalance events as JSON lines on stdout.

    SIGUSR1 toggles polling (a member that stops calling poll, e.g. stuck in a callback); SIGTERM closes.
    """
    from confluent_kafka import Consumer  # noqa: PLC0415  (only the child process needs it)

    state = {"polling": True, "running": True}
    signal.signal(signal.SIGUSR1, lambda *_: state.update(polling=not state["polling"]))
    signal.signal(signal.SIGTERM, lambda *_: state.update(running=False))
    consumer = Consumer(_member_conf(spec))

    def report(event: str) -> Callable[[Any, list[Any]], None]:
        return lambda _c, parts: _emit(event, sorted(p.partition for p in parts))

    consumer.subscribe([spec["topic"]], on_assign=report("assign"), on_revoke=report("revoke"),
                       on_lost=report("lost"))  # fmt: skip
    _emit("start", [])
    while state["running"]:
        if state["polling"]:
            consumer.poll(0.2)
        else:
            time.sleep(0.05)
    consumer.close()


def _member_conf(spec: dict[str, Any]) -> dict[str, Any]:
    session = spec["session_ms"]
    conf = {"bootstrap.servers": spec["bootstrap"], "group.id": spec["group"], "session.timeout.ms": session,
            "heartbeat.interval.ms": max(session // 4, 100), "enable.auto.commit": False,
            "partition.assignment.strategy": spec["strategy"], "auto.offset.reset": "earliest"}  # fmt: skip
    if spec.get("debug"):
        conf["debug"] = "cgrp"
    return conf


def _emit(event: str, partitions: list[int]) -> None:
    print(json.dumps({"t": time.time(), "event": event, "partitions": partitions}), flush=True)


# members seen from the driver --------------------------------------------------------------------------
class ClientMember:
    """A plain member child process; ``owned`` follows its assign/revoke/lost events."""

    def __init__(self, spec: dict[str, Any], log: Path) -> None:
        command = [sys.executable, "-m", "tests.bench.group_pause", "--member", json.dumps(spec)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log.open("wb"), text=True)
        self.owned: set[int] = set()
        self.subscribed = False
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            event = json.loads(line)
            self.subscribed = True
            parts = set(event["partitions"])
            self.owned = self.owned | parts if event["event"] == "assign" else self.owned - parts

    def partitions(self) -> int:
        return len(self.owned)

    def toggle_polling(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def joining(self) -> bool:
        """True once the member has subscribed."""
        return self.subscribed

    def leave(self) -> None:
        """SIGTERM: the member closes its consumer (LeaveGroup)."""
        self.process.terminate()

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class WorkerMember:
    """A real worker process (record sink); ``partitions`` reads ``cdpw_partitions_assigned``."""

    def __init__(self, spec: dict[str, Any], log: Path) -> None:
        env = {"CDPW_KAFKA_BOOTSTRAP_SERVERS": spec["bootstrap"], "CDPW_KAFKA_TOPICS": spec["topic"],
               "CDPW_KAFKA_GROUP_ID": spec["group"], "CDPW_DLQ_TOPIC": f"{spec['topic']}-dlq",
               "CDPW_STATE_TOPIC": f"{spec['topic']}-state", "CDPW_SINK": "record",
               "CDPW_RECORD_SINK_PATH": str(log.with_suffix(".jsonl")),
               "CDPW_KAFKA_SESSION_TIMEOUT_MS": str(spec["session_ms"]),
               "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": str(max(spec["session_ms"] // 4, 100)),
               "CDPW_RECORD_SINK_DELAY_MS": "5-10", "CDPW_MAX_CONCURRENCY": "4"}  # fmt: skip
        self.worker = _worker_process(env, log, debug=bool(spec.get("debug")))

    def partitions(self) -> int:
        try:
            return int(self.worker.metric("cdpw_partitions_assigned"))
        except Exception:  # noqa: BLE001  (not serving metrics yet counts as no partitions)
            return 0

    def toggle_polling(self) -> None:
        raise NotImplementedError("a worker cannot be told to stop polling")

    def joining(self) -> bool:
        """True once the worker serves /metrics (its consumer starts right after)."""
        try:
            self.worker.metric("cdpw_partitions_assigned")
        except Exception:  # noqa: BLE001  (not up yet)
            return False
        return True

    def leave(self) -> None:
        """SIGTERM: the worker drains, commits and closes its consumer (LeaveGroup)."""
        assert self.worker.process is not None
        self.worker.process.terminate()

    def kill(self) -> None:
        self.worker.kill()

    def stop(self) -> None:
        """SIGTERM and wait (drain, commit, LeaveGroup); SIGKILL when it does not exit in time."""
        try:
            self.worker.terminate(30)
        except subprocess.TimeoutExpired:
            self.worker.kill()


Member = ClientMember | WorkerMember


def _worker_process(env: dict[str, str], log: Path, debug: bool) -> Any:
    """A started worker process; with ``debug`` its consumer also logs librdkafka's ``cgrp`` lines."""
    from tests.support.worker_process import TEST_KAFKA, WorkerProcess  # noqa: PLC0415  (worker cases only)

    class DebugWorker(WorkerProcess):
        """``python -m worker run`` with ``debug=cgrp`` added to the consumer configuration."""

        def start(self) -> WorkerProcess:
            full = {**os.environ, **TEST_KAFKA, **self.env, "CDPW_METRICS_HOST": "127.0.0.1",
                    "CDPW_METRICS_PORT": str(self.port)}  # fmt: skip
            command = [sys.executable, "-m", "tests.bench.group_pause", "--worker"]
            self.process = subprocess.Popen(command, env=full, stdout=self.log_path.open("ab"),
                                            stderr=subprocess.STDOUT)  # fmt: skip
            return self

    return (DebugWorker if debug else WorkerProcess)(env=env, log_path=log).start()


def worker_main() -> int:
    """``cdp-worker run`` whose consumer has ``debug=cgrp`` (diagnostics of this benchmark only)."""
    import worker.app  # noqa: PLC0415
    from worker.__main__ import main  # noqa: PLC0415

    plain = worker.app.consumer_conf
    worker.app.consumer_conf = lambda settings: {**plain(settings), "debug": "cgrp"}
    return main(["run"])


# one run -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """Seconds from the new member's start, and from SIGCONT, to its first partitions (None: none
    after CAP_S); for a new member without partitions, what a close-and-rejoin did (``rejoin_s``)."""

    case: str
    wait_s: float | None
    after_resume_s: float | None
    old_after: tuple[int, ...]
    new_after: int
    #: "" when the new member got partitions; else the fresh member's wait after a close-and-rejoin.
    rejoin: str = ""


def run_case(case: Case, logs: Path, debug: bool = False) -> Outcome:
    """One run of ``case`` on a broker of its own, every process logging into ``logs``; see the module
    docstring."""
    broker = start_broker(log_path=logs / "broker.log")
    members: list[Member] = []
    try:
        spec = _group(case, broker, debug)
        old = [_member(case, spec, logs, f"old{i}") for i in range(case.old)]
        members += old
        _wait(lambda: all(m.partitions() for m in old), 40)
        if case.records:
            _produce(broker.bootstrap, spec["topic"], case.records)
        time.sleep(1.0)
        started, resumed, new = _pause(case, broker, old, lambda: _member(case, spec, logs, "new"))
        members.append(new)
        got = _wait(lambda: new.partitions() > 0, CAP_S - (time.monotonic() - started))
        wait_s = round(time.monotonic() - started, 2) if got else None
        after_resume_s = round(time.monotonic() - resumed, 2) if got else None
        alive = old[1 if case.kill_in_pause else 0 : -1 if case.old_leaves else None]
        owned = tuple(m.partitions() for m in alive), new.partitions()
        rejoin = "" if got else _rejoin(new, lambda: _member(case, spec, logs, "rejoin"), members)
        return Outcome(case.name, wait_s, after_resume_s, *owned, rejoin)
    finally:
        for member in members:
            member.stop()
        broker.resume()
        broker.stop()


def _rejoin(stuck: Member, start: Callable[[], Member], members: list[Member]) -> str:
    """What a self-healing watchdog would do: the stuck member closes its consumer (LeaveGroup) and
    a fresh consumer joins. Returns how long the fresh one waited for partitions."""
    stuck.stop()
    fresh = start()
    members.append(fresh)
    began = time.monotonic()
    got = _wait(lambda: fresh.partitions() > 0, REJOIN_S)
    return f"{time.monotonic() - began:.1f}s" if got else f">{REJOIN_S:.0f}s"


def _group(case: Case, broker: EmbeddedBroker, debug: bool) -> dict[str, Any]:
    topic = f"pause-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, (topic, PARTITIONS))
    return {"bootstrap": broker.bootstrap, "topic": topic, "group": f"{topic}-group",
            "session_ms": case.session_ms, "strategy": case.strategy, "debug": debug}  # fmt: skip


def _member(case: Case, spec: dict[str, Any], logs: Path, name: str) -> Member:
    kind = WorkerMember if case.workers else ClientMember
    return kind(spec, logs / f"{name}.log")


def _pause(
    case: Case, broker: EmbeddedBroker, old: list[Member], start_new: Callable[[], Member]
) -> tuple[float, float, Member]:
    """Freeze the broker ``pause_s`` (killing old[0] half-way when asked) and start the new member
    half-way or after SIGCONT (the last old member leaving as it joins, when asked); stalled members stop
    polling. Returns when the new member started, when the broker was resumed, and the new member."""
    stalled = old if case.stall_s and not case.workers else []
    for member in stalled:
        member.toggle_polling()
    broker.pause()
    time.sleep(case.pause_s / 2)
    if case.kill_in_pause:
        old[0].kill()
    new = start_new() if case.new_in_pause else None
    started = time.monotonic()
    time.sleep(case.pause_s / 2)
    broker.resume()
    resumed = time.monotonic()
    if new is None:
        new, started = start_new(), time.monotonic()
    if case.old_leaves:
        _wait(new.joining, 15)
        time.sleep(0.2)
        old[-1].leave()
    if stalled:
        alive = stalled[1 if case.kill_in_pause else 0 :]
        threading.Timer(max(case.stall_s - case.pause_s, 0.0), _toggle_all, (alive,)).start()
    return started, resumed, new


def _produce(bootstrap: str, topic: str, count: int) -> None:
    """``count`` cart events over 300 keys (the record sink takes 5-10 ms each, 4 at a time)."""
    from tests.support.kafka import cart_event, producer  # noqa: PLC0415

    sender = producer(bootstrap)
    for index in range(count):
        key = f"g{index % 300}"
        sender.produce(topic, key=key.encode(), value=json.dumps(cart_event(key, index)).encode())
        sender.poll(0)
    sender.flush(60)


def _toggle_all(members: list[Member]) -> None:
    for member in members:
        member.toggle_polling()


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


# command line ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.group_pause", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="runs per case")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--debug", action="store_true", help="librdkafka cgrp and tansu coordinator logs")
    parser.add_argument("--member", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.member:
        member_main(json.loads(args.member))
        return 0
    if args.worker:
        return worker_main()
    if args.debug:  # the group coordinator's decisions (members dropped, join and sync outcomes)
        os.environ.setdefault("RUST_LOG", "warn,tansu_broker::coordinator::group=debug")
    chosen = [c for c in CASES if not args.cases or c.name in args.cases.split(",")]
    for case in chosen:
        _report(case, [_one(case, run, args.debug) for run in range(args.runs)])
    return 0


def _one(case: Case, run: int, debug: bool) -> Outcome:
    logs = ARTIFACTS / f"{case.name}-{run}"
    logs.mkdir(parents=True, exist_ok=True)
    outcome = run_case(case, logs, debug)
    print(f"  {case.name} run {run}: first partitions {_seconds(outcome.wait_s)} after its start, "
          f"{_seconds(outcome.after_resume_s)} after SIGCONT; partitions then: old "
          f"{list(outcome.old_after)}, new {outcome.new_after}"
          f"{f'; close and rejoin: partitions after {outcome.rejoin}' if outcome.rejoin else ''}",
          flush=True)  # fmt: skip
    return outcome


def _seconds(value: float | None) -> str:
    return f">{CAP_S:.0f}s" if value is None else f"{value:.1f}s"


def _report(case: Case, outcomes: list[Outcome]) -> None:
    """One summary line: the case's settings, then median and worst of both figures."""
    shape = (f"session {case.session_ms} ms, {case.strategy}, {case.old} old "
             f"{'workers' if case.workers else 'clients'}, pause {case.pause_s:.0f} s"
             f"{', one old killed in it' if case.kill_in_pause else ''}"
             f"{', new one started in it' if case.new_in_pause else ''}"
             f"{', one old leaves as the new one joins' if case.old_leaves else ''}"
             f"{f', old stop polling {case.stall_s:.0f} s' if case.stall_s else ''}"
             f"{f', {case.records} records' if case.records else ''}")  # fmt: skip
    print(f"{case.name} ({shape}): after its start {_summary([o.wait_s for o in outcomes])}; "
          f"after SIGCONT {_summary([o.after_resume_s for o in outcomes])}{_rejoins(outcomes)}",
          flush=True)  # fmt: skip


def _rejoins(outcomes: list[Outcome]) -> str:
    tried = [o.rejoin for o in outcomes if o.rejoin]
    healed = [r for r in tried if not r.startswith(">")]
    return f"; close and rejoin healed {len(healed)} of {len(tried)}" if tried else ""


def _summary(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return f"none of {len(values)} got partitions within {CAP_S:.0f}s"
    stuck = len(values) - len(got)
    median, worst = statistics.median(got), max(got)
    return f"median {median:.1f}s, max {worst:.1f}s, without partitions: {stuck}/{len(values)}"


if __name__ == "__main__":
    sys.exit(main())
