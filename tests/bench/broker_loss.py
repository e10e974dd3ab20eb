"""Does the campaign's broker keep what it acknowledged across restarts?

``python -m tests.bench.broker_loss [--records N] [--restarts R] [--signal SIGKILL|SIGTERM] [--runs K]``
produces ``N`` records (100/s, the campaign's idempotent producer) to a 6-partition topic on tansu with
S3 storage (the fault campaign's :func:`tests.support.durable_broker.durable_broker`) while it restarts
the broker ``R`` times with the signal, then reads the topic back and prints one line per run: records
acknowledged, records in the log, acknowledged records missing, extra copies, partitions whose end
offset is past their record count (an empty offset), and the broker's ``DuplicateSequenceNumber``
warnings. Nothing is asserted. Logs stay under ``artifacts/broker-loss/<run>/``.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import time
import uuid
from collections import Counter
from pathlib import Path

from tests.chaos.rig import PacedProducer
from tests.chaos.verdict import lost_and_doubled, read_log
from tests.chaos.workload import Record
from tests.support.durable_broker import durable_broker
from tests.support.kafka import create_topics

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "broker-loss"
RATE_PER_S = 100


def run(records: int, restarts: int, signum: signal.Signals, seed: int) -> dict[str, object]:
    workdir = ARTIFACTS / f"run-{seed}-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    workload = tuple(Record(f"k{n % 40}", str(n).encode(), "record") for n in range(records))
    with durable_broker(workdir) as broker:
        topic = f"loss-{uuid.uuid4().hex[:8]}"
        create_topics(broker.bootstrap, (topic, 6))
        # the campaign's producer: idempotent, acks=all, each record's index in a header
        seconds = records / RATE_PER_S
        producer = PacedProducer(broker.bootstrap, topic, workload, seconds, workdir / "producer.log")
        producer.start()
        for _ in range(restarts):
            time.sleep(rng.uniform(0.5, 2.5))
            broker.restart(signum, rng.uniform(0.3, 1.5))
        producer.join(timeout=300)
        log = read_log(broker.bootstrap, topic)
    missing, extra = lost_and_doubled(producer.acked, log)
    per_partition = Counter(message.partition() for message in log.messages)
    warnings = (workdir / "broker.log").read_text(errors="replace").count("DuplicateSequenceNumber")
    return {
        "signal": signum.name, "restarts": restarts, "acked": producer.delivered, "in_log": len(log.messages),
        "missing": sorted(missing), "extra_copies": extra,
        "empty_offsets": {p: end - per_partition[p] for p, end in log.ends.items() if end > per_partition[p]},
        "duplicate_sequence_warnings": warnings,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.broker_loss", description=__doc__)
    parser.add_argument("--records", type=int, default=1500)
    parser.add_argument("--restarts", type=int, default=8)
    parser.add_argument("--signal", choices=("SIGKILL", "SIGTERM"), default="SIGKILL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for seed in range(1, args.runs + 1):
        print(json.dumps(run(args.records, args.restarts, signal.Signals[args.signal], seed)), flush=True)


if __name__ == "__main__":
    main()
