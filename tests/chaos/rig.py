"""The campaign's real parts: its own broker, a sandbox with fault rules, worker processes, a producer.

* :class:`SandboxFaults` keeps the sandbox's fault rules equal to the campaign's state (sustained
  5xx/429, plus an outage or a slow-down when one is on) and adds up what every rule injected.
* :class:`WorkerPool` runs the workers by role (``a`` always, ``b`` during rebalances), kills them,
  lets them leave, and restarts any that exit on their own (noted as an unexpected exit).
* :class:`PacedProducer` produces the workload over a given time on a thread of its own.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import KafkaError, Message, Producer

from tests.chaos.workload import Record
from tests.support.kafka import headers_of
from tests.support.worker_process import WorkerProcess

#: Header with a produced record's index in the workload (the worker copies headers into dead letters).
SEQ_HEADER = "chaos.seq"
#: Group membership: a killed member's partitions move on after 6 s, and a broker pause (at most 4 s)
#: never outlasts a session (a session expiring during a pause leaves tansu's group without owners).
FAST_GROUP = {"CDPW_KAFKA_SESSION_TIMEOUT_MS": "6000", "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "700"}
#: A worker without partitions this long after its start is stuck joining the group (restarted, counted).
STUCK_AFTER_S = 30.0
#: Longest wait for the worker to be killed to be ready: partitions owned and their state restored (an
#: outage can hold a join up, and a restore reads the state topic from its start: tansu never compacts
#: it, and its S3 storage reads about 150 batches/s, so late in the long run a restore takes tens of s).
KILL_WAIT_S = 60.0
#: Longest wait for a worker to own partitions before another one leaves the group.
FORMED_WAIT_S = 20.0
#: Longest wait for a leaving worker to drain and exit (its drain timeout is 10 s).
LEAVE_WAIT_S = 30.0


class SandboxFaults:
    """The sandbox's fault rules as a function of (outage, slow), with injected counts summed up."""

    def __init__(self, url: str, p5xx: float, p429: float) -> None:
        self.url = url
        self.p5xx = p5xx
        self.p429 = p429
        self.outage = False
        self.slow = False
        self.injected: Counter[str] = Counter()

    def rules(self) -> list[dict[str, Any]]:
        sustained: dict[str, Any] = {"api": "*", "p500": self.p5xx / 2, "p503": self.p5xx / 2,
                                     "p429": self.p429, "retry_after": 1}  # fmt: skip
        if self.slow:
            sustained["latency_ms"] = {"uniform": [200, 1500]}
        return ([{"api": "*", "outage": True}] if self.outage else []) + [sustained]

    def apply(self) -> None:
        """Replace the rules by :meth:`rules` (their counts so far are added up first)."""
        self.harvest()
        httpx.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()
        httpx.post(f"{self.url}/_sandbox/faults", json={"rules": self.rules()}, timeout=10).raise_for_status()

    def clear(self) -> None:
        """No more faults (counts are kept)."""
        self.harvest()
        httpx.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()

    def harvest(self) -> None:
        rules = httpx.get(f"{self.url}/_sandbox/faults", timeout=10).json()["rules"]
        for rule in rules:
            self.injected.update(rule["counts"])


@dataclass
class WorkerPool:
    """Worker processes by role; see the module docstring."""

    env: dict[str, str]
    workdir: Path
    rng: random.Random
    running: dict[str, WorkerProcess] = field(default_factory=dict)
    leaving: list[WorkerProcess] = field(default_factory=list)
    starts: int = 0
    unexpected_exits: list[tuple[str, int, str]] = field(default_factory=list)
    born: dict[str, float] = field(default_factory=dict)
    #: Workers restarted because they held no partition STUCK_AFTER_S after their start.
    stuck: list[str] = field(default_factory=list)

    def start(self, role: str) -> None:
        self.starts += 1
        log_path = self.workdir / f"worker-{role}-{self.starts:03d}.log"
        self.running[role] = WorkerProcess(env={**self.env, **FAST_GROUP}, log_path=log_path).start()
        self.born[role] = time.monotonic()

    def kill_one(self, wait_s: float = KILL_WAIT_S) -> str:
        """SIGKILL a running worker at random once it is ready (so the kill lands while it works, not
        while it joins or restores; waiting at most ``wait_s``), a random moment later; its replacement
        starts at once. Returns its role."""
        role = self.rng.choice(sorted(self.running))
        self._wait_until(lambda: self._ready(self.running[role]), wait_s)
        time.sleep(self.rng.uniform(0.2, 2.5))
        self.running[role].kill()
        self.start(role)
        return role

    @staticmethod
    def _ready(worker: WorkerProcess) -> bool:
        try:
            return httpx.get(f"{worker.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    @staticmethod
    def _owns_partitions(worker: WorkerProcess) -> bool:
        try:
            return worker.metric("cdpw_partitions_assigned") > 0
        except httpx.HTTPError:
            return False

    def _wait_until(self, done: Callable[[], bool], timeout: float) -> None:
        """Supervise until ``done()`` holds or ``timeout`` seconds passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done():
            self.supervise()
            time.sleep(0.2)

    def leave(self, role: str) -> None:
        """SIGTERM: the worker drains, commits and leaves the group (a rebalance).

        It leaves a formed group (every worker owns partitions), and nobody joins until it is gone:
        tansu 0.6.0 keeps a member that leaves a forming group as that group's leader, so the group
        never forms again (its members wait for the gone leader's assignment; memory and S3 engines).
        """
        if role not in self.running:
            return
        self._wait_until(lambda: all(self._owns_partitions(w) for w in self.running.values()), FORMED_WAIT_S)
        worker = self.running.pop(role)
        if worker.process is not None:
            worker.process.terminate()
            self.leaving.append(worker)
            self._wait_until(
                lambda: worker.process is None or worker.process.poll() is not None, LEAVE_WAIT_S
            )

    def supervise(self) -> None:
        """Restart workers that exited on their own or never got a partition; reap those that left."""
        for role, worker in list(self.running.items()):
            code = worker.process.poll() if worker.process else None
            if code is not None:
                self.unexpected_exits.append((role, code, worker.tail(15)))
                self.start(role)
            elif self._stuck(role, worker):
                self.stuck.append(worker.log_path.name)
                worker.kill()
                self.start(role)
        self.leaving = [w for w in self.leaving if w.process is not None and w.process.poll() is None]

    def _stuck(self, role: str, worker: WorkerProcess) -> bool:
        if time.monotonic() - self.born[role] < STUCK_AFTER_S:
            return False
        try:
            return worker.metric("cdpw_partitions_assigned") == 0
        except httpx.HTTPError:  # not serving metrics yet after STUCK_AFTER_S: let it be
            return False

    def stop_all(self) -> None:
        for worker in [*self.running.values(), *self.leaving]:
            worker.kill()
        self.running.clear()
        self.leaving.clear()


def seq_of(message: Message) -> int:
    """The workload index of a produced or consumed record (-1 without the header)."""
    return int(headers_of(message).get(SEQ_HEADER, b"-1"))


def file_logger(path: Path) -> logging.Logger:
    """A logger that writes only to ``path`` (client logs would flood the campaign's output: every
    broker restart makes each connection log refusals until the broker is back)."""
    logger = logging.getLogger(f"chaos.client.{path}")
    logger.propagate = False
    if not logger.handlers:
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    return logger


class PacedProducer:
    """Produces records evenly over ``seconds`` on a thread; counts delivery failures (its client log
    goes to ``log_path``). Each record carries its index in header :data:`SEQ_HEADER`, and the indexes
    the broker acknowledged are kept (``acked``), so the verdict can tell records the broker lost."""

    def __init__(
        self, bootstrap: str, topic: str, records: tuple[Record, ...], seconds: float, log_path: Path
    ) -> None:
        self.topic = topic
        self.records = records
        self.seconds = seconds
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True,
                                  "message.timeout.ms": 300000,
                                  "logger": file_logger(log_path)})  # fmt: skip
        self.acked: set[int] = set()
        self.failed: list[str] = []
        self.thread = threading.Thread(target=self._run, name="chaos-producer", daemon=True)

    @property
    def delivered(self) -> int:
        return len(self.acked)

    def start(self) -> None:
        self.thread.start()

    def _report(self, index: int, error: KafkaError | None, _message: Message) -> None:
        # (a delivery report's message has no headers: the index is bound to the callback)
        if error is None:
            self.acked.add(index)
        else:
            self.failed.append(str(error))

    def _run(self) -> None:
        started = time.monotonic()
        gap = self.seconds / max(len(self.records), 1)
        for index, record in enumerate(self.records):
            delay = started + index * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            seq: dict[str, str | bytes | None] = {SEQ_HEADER: str(index).encode()}
            self.producer.produce(self.topic, value=record.value, key=record.key.encode(), headers=seq,
                                  on_delivery=functools.partial(self._report, index))  # fmt: skip
            self.producer.poll(0)
        self.producer.flush(600)

    def join(self, timeout: float) -> bool:
        """Wait until every record was produced and confirmed (or failed); True when done."""
        self.thread.join(timeout)
        return not self.thread.is_alive()
