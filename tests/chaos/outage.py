"""A long CDP outage (``python -m tests.chaos.outage --minutes 10``): traffic keeps arriving while every
CDP API answers 503. Checks: nothing is dead-lettered for it, intake pauses (records stay in Kafka),
memory stays flat, and every order lands once CDP is back. Prints the figures; exit 1 on a violation.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from sandbox.testing import start_sandbox_process
from tests.bench.procstat import memory_kib
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import order_problems, placed_orders, sandbox_orders, shop_traffic
from tests.support.kafka import produce_json, producer
from tests.support.stack import cdp_env, fresh_topics, kafka_env, worker_factory
from worker.embedded import running_broker


def _trickle(
    bootstrap: str, topic: str, traffic: list[tuple[str, dict[str, object]]], seconds: float
) -> None:
    """Publish ``traffic`` evenly over ``seconds`` (the shop keeps selling during the outage)."""
    prod = producer(bootstrap)
    pause = seconds / max(len(traffic), 1)
    for item in traffic:
        produce_json(prod, topic, [item])
        time.sleep(pause)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--guests", type=int, default=200)
    args = parser.parse_args()
    outage_s = args.minutes * 60
    workdir = Path(tempfile.mkdtemp(prefix="cdpw-outage-"))
    traffic = shop_traffic(guests=args.guests, orders_per_guest=3, seed=12)
    expected = placed_orders(traffic)
    with running_broker() as broker:
        sandbox = start_sandbox_process(workdir)
        faults = f"{sandbox.url}/_sandbox/faults"
        httpx.post(faults, json={"api": "*", "outage": True}, timeout=10).raise_for_status()
        topics = fresh_topics(broker.bootstrap, "outage")
        base = {**kafka_env(broker.bootstrap, topics), **cdp_env(sandbox), "CDPW_MAX_IN_FLIGHT": "200"}
        with worker_factory(base, workdir) as start:
            worker = start()
            assert worker.process is not None
            feeder = threading.Thread(target=_trickle, args=(broker.bootstrap, topics.source, traffic,
                                                             outage_s * 0.9), daemon=True)  # fmt: skip
            feeder.start()
            samples = []
            began = time.monotonic()
            while time.monotonic() - began < outage_s:
                time.sleep(10)
                rss = memory_kib(worker.process.pid)["VmRSS"] / 1024
                samples.append({
                    "t": round(time.monotonic() - began), "rss_mib": rss,
                    "consumed": worker.metric("cdpw_records_consumed_total"),
                    "in_flight": worker.metric("cdpw_records_in_flight"),
                    "paused": worker.metric("cdpw_partitions_paused"),
                    "circuit_stream": worker.metric("cdpw_circuit_state", api="stream"),
                    "dead_letters": worker.metric("cdpw_dead_letters_total"),
                    "ready": httpx.get(f"{worker.url}/readyz", timeout=5).status_code,
                })  # fmt: skip
                print(json.dumps(samples[-1]), flush=True)
            feeder.join()
            injected = httpx.get(faults, timeout=10).json()["rules"][0]["counts"]
            httpx.delete(faults, timeout=10).raise_for_status()
            recovery = wait_until_finished(worker, len(traffic), timeout=900)
            problems = order_problems(expected, sandbox_orders(sandbox.url))
            dead = worker.metric("cdpw_dead_letters_total")
        sandbox.stop()
    rss_seen = [s["rss_mib"] for s in samples[1:]]
    figures = {"outage_s": outage_s, "records": len(traffic), "orders": len(expected), "cdp_503s": injected,
               "max_in_flight_seen": max(s["in_flight"] for s in samples), "rss_mib_min": min(rss_seen),
               "rss_mib_max": max(rss_seen), "dead_letters": dead, "recovery_s": round(recovery, 1),
               "order_problems": len(problems),
               "not_ready_samples": sum(s["ready"] != 200 for s in samples)}  # fmt: skip
    print(json.dumps(figures, indent=1))
    ok = dead == 0 and not problems and figures["max_in_flight_seen"] <= 200
    print(f"long outage: dead letters {dead}, order problems {len(problems)} -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
