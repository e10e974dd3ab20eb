"""``cdp-worker dlq``: inspect dead letters, or replay them to a topic or through the worker.

Replay sends the original key, value, timestamp and headers (without the error context) back to the
source topic (or ``--to``) with a ``cdpw.replay.count`` header; ``--through-worker`` instead runs
them through the worker's pipeline in this process (:mod:`worker.tools.dlq_through`). A dead letter
already replayed ``--max-replays`` times is skipped, so a record that keeps failing cannot loop forever.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from confluent_kafka import Producer

from worker.app import kafka_common
from worker.config import Settings, load_settings
from worker.tools.dlq_letters import DeadLetter, read_dead_letters
from worker.tools.dlq_through import latest_per_record, replay_through_worker


def _wanted(args: argparse.Namespace, letter: DeadLetter) -> bool:
    """The filters of the command line: reason, dead-letter offsets, record time (ISO 8601)."""
    if args.reason and letter.header("cdpw.reason") != args.reason:
        return False
    if not args.from_offset <= letter.offset <= (args.to_offset if args.to_offset >= 0 else letter.offset):
        return False
    moment = datetime.fromtimestamp(letter.timestamp_ms / 1000, UTC)
    return (args.since is None or moment >= args.since) and (args.until is None or moment < args.until)


def _selected(args: argparse.Namespace, settings: Settings) -> Iterator[DeadLetter]:
    count = 0
    for letter in read_dead_letters(settings):
        if not _wanted(args, letter):
            continue
        if count >= args.limit:
            return
        count += 1
        yield letter


def iso_time(text: str) -> datetime:
    """An ISO 8601 time for --since/--until (UTC when no offset is given)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def inspect(args: argparse.Namespace, settings: Settings) -> int:
    for letter in _selected(args, settings):
        print(json.dumps(letter.summary(), ensure_ascii=False))
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    # Read everything first: replayed records that fail again must not be picked up by this same run.
    letters = list(_selected(args, settings))
    if args.through_worker:
        letters = latest_per_record(letters, settings.kafka_topics[0])
    wanted = [letter for letter in letters if letter.replays < args.max_replays]
    skipped = len(letters) - len(wanted)
    if args.through_worker:
        code, summary = replay_through_worker(settings, wanted, args.rate, args.dry_run)
    else:
        code, summary = _replay_to_topic(args, settings, wanted)
    print(f"{summary}; skipped {skipped} over --max-replays")
    return code


def _replay_to_topic(
    args: argparse.Namespace, settings: Settings, letters: list[DeadLetter]
) -> tuple[int, str]:
    """Produce ``letters`` again; the exit code and the summary line."""
    producer = None if args.dry_run else Producer({**kafka_common(settings), "enable.idempotence": True})
    pace = 1 / args.rate if args.rate > 0 else 0.0
    for letter in letters:
        target = args.to or letter.header("__connect.errors.topic") or settings.kafka_topics[0]
        headers: list[tuple[str, str | bytes | None]] = [*letter.replayed_headers()]
        if producer is not None:
            producer.produce(
                target, value=letter.value, key=letter.key, headers=headers, timestamp=letter.timestamp_ms
            )
            producer.poll(0)
            time.sleep(pace)
        action = "would replay" if args.dry_run else "replayed"
        print(json.dumps({"action": action, "to": target, **letter.summary()}, ensure_ascii=False))
    if producer is not None and producer.flush(30) != 0:
        return 1, f"some of {len(letters)} replays were not confirmed by the broker"
    return 0, f"{'would replay' if args.dry_run else 'replayed'} {len(letters)}"


def dlq(args: argparse.Namespace) -> int:
    settings = load_settings()
    return inspect(args, settings) if args.action == "inspect" else replay(args, settings)
