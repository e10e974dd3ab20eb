"""When the invariant breaks on an order: its story, in time order, from every part of the run.

CI keeps only the tail of a failed run's output, and the broker with the source and state topics is
gone once the run ends, so the story is told before the teardown and printed last. For each order in
a violation (a few at most) it merges, by wall-clock time:

* the campaign's actions (kills, broker pauses and restarts, outages, slow-downs, rebalances);
* the key's source records (partition, offset, event type, event id);
* every progress the workers saved for the key in the state topic (running plan, steps done,
  pending, finished events), and the key's dead letters;
* the sandbox's record of the order: creations and changes, the Stream events of its browsers,
  refused sequences, and the Batch files that name it;
* worker log lines about the key's events, and every worker's start, assignment and revocation.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from confluent_kafka import Message

from tests.chaos.verdict import read_topic
from tests.chaos.workload import Workload
from tests.support.kafka import headers_of

#: Orders told at most (each story is some tens of lines).
MAX_STORIES = 3
#: Worker log lines about the group, told whatever their subject.
GROUP_WORDS = ("worker started", "assigned", "revoked", "lost ", "revoke:", "stopping", "state restored")
_REFERENCE = re.compile(r"^(ORD-[A-Z0-9-]+):")


@dataclass(frozen=True)
class Line:
    at: float  # epoch seconds
    part: str
    text: str
    #: Certainly about the order (its records, saves, CDP traces): these set the story's time window.
    own: bool = False


@dataclass(frozen=True)
class Scene:
    """Where to look: the run's broker and topics (the source log as the verdict read it), its sandbox
    database and its working directory."""

    bootstrap: str
    source_log: tuple[Message, ...]
    state: str
    dlq: str
    sandbox_db: Path
    workdir: Path
    timeline: tuple[tuple[float, str], ...]


def references(violations: Iterable[str]) -> list[str]:
    """The order references named by violations (first ones first, at most :data:`MAX_STORIES`)."""
    found: list[str] = []
    for violation in violations:
        match = _REFERENCE.match(violation)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found[:MAX_STORIES]


def tell(scene: Scene, work: Workload, violations: list[str]) -> str:
    """The stories of the orders in ``violations`` ('' when none names an order)."""
    refs = references(violations)
    if not refs:
        return ""
    state, letters = read_topic(scene.bootstrap, scene.state), read_topic(scene.bootstrap, scene.dlq)
    stories = []
    for ref in refs:
        key, events = _events_of(work, ref)
        lines = [
            *(Line(at, "campaign", name) for at, name in scene.timeline),
            *_source_lines(scene.source_log, key, events),
            *_state_lines(state, key, events),
            *_letter_lines(letters, key),
            *_sandbox_lines(scene.sandbox_db, ref),
            *_log_lines(scene.workdir, events),
        ]
        head = f"story of {ref} (key {key}; *: the order's own traces; ids cut to 8 characters):"
        stories.append("\n".join([head, *told(lines)]))
    return "\n".join(stories)


def told(lines: list[Line]) -> list[str]:
    """The lines from 2 s before the order's first own trace to 3 s after its last one, in time order."""
    own = [line.at for line in lines if line.own]
    if not own:
        return ["  no trace of the order in the source or state topics or in the sandbox"]
    start, end = min(own) - 2, max(own) + 3
    told = sorted((line for line in lines if start <= line.at <= end), key=lambda line: line.at)
    return [
        f"{'*' if line.own else ' '} {_clock(line.at)} {line.part:<8} {line.text}"
        for line in _collapsed(told)
    ]


def _collapsed(lines: list[Line]) -> list[Line]:
    """Runs of the same line (Batch retries, re-sent saves) as one line with a count."""
    out: list[Line] = []
    count = 1
    for line in [*lines, Line(float("inf"), "", "")]:
        if out and (line.part, _shape(line.text)) == (out[-1].part, _shape(out[-1].text)):
            count += 1
            continue
        if count > 1:
            out[-1] = Line(out[-1].at, out[-1].part, f"{out[-1].text} (x{count})", out[-1].own)
        count = 1
        out.append(line)
    return out[:-1]


def _shape(text: str) -> str:
    return re.sub(r"[0-9a-f]{8}", "#", text)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:-3]


def _events_of(work: Workload, ref: str) -> tuple[str, set[str]]:
    """The key of the order's records and their event ids."""
    key, events = "?", set()
    for k, event in work.good:
        order_id = (event.get("order") or {}).get("order_id") or event.get("order_id") or ""
        if order_id.upper() == ref:
            key = k
            events.add(event["event_id"])
    return key, events


def _of_key(messages: Iterable[Message], key: str) -> Iterator[tuple[float, Message, dict[str, Any] | None]]:
    """The messages of ``key``: Kafka timestamp (epoch seconds), message, JSON value (None if not JSON)."""
    for message in messages:
        if (message.key() or b"").decode(errors="replace") != key:
            continue
        try:
            data = json.loads(message.value() or b"")
        except ValueError:
            data = None
        yield message.timestamp()[1] / 1000, message, data if isinstance(data, dict) else None


def _source_lines(messages: Iterable[Message], key: str, events: set[str]) -> Iterator[Line]:
    for at, message, event in _of_key(messages, key):
        where = f"p{message.partition()}@{message.offset()}"
        if event is None:
            yield Line(at, "source", f"{where} (not JSON)")
            continue
        what = f"{event.get('event_type')} {str(event.get('event_id'))[:8]}"
        yield Line(at, "source", f"{where} {what}", event.get("event_id") in events)


def _state_lines(messages: list[Message], key: str, events: set[str]) -> Iterator[Line]:
    """The key's saved progress, each time it changed (other than the session's last use); its own
    saves are those of the order's plan and the one that finished it."""
    told, finished = "", set[str]()
    for at, message, data in _of_key(messages, key):
        if data is None:
            yield Line(at, "state", f"@{message.offset()} (unreadable)")
            continue
        text = _progress(data)
        if text != told:
            running = data.get("running") or {}
            added = set(data.get("finished", [])) - finished
            own = running.get("plan") in events or bool(events & added)
            yield Line(at, "state", f"@{message.offset()} {text}", own)
        told, finished = text, set(data.get("finished", []))


def _progress(data: dict[str, Any]) -> str:
    running = data.get("running")
    plan = (
        "none"
        if running is None
        else (
            f"{str(running['plan'])[:8]} on {str(running['browser'])[:8]} done={running['done']}"
            f" pending={running['pending']} ordered={running['ordered']}"
        )
    )
    finished = ",".join(str(item)[:8] for item in data.get("finished", [])[-3:])
    browser = str(data.get("browser"))[:8]
    return f"browser={browser} running={plan} finished=[{finished}]"


def _letter_lines(messages: list[Message], key: str) -> Iterator[Line]:
    for at, message, _ in _of_key(messages, key):
        headers = {name: value.decode(errors="replace") for name, value in headers_of(message).items()}
        why = f"{headers.get('cdpw.stage')}/{headers.get('cdpw.reason')}"
        yield Line(at, "dlq", f"{why} from @{headers.get('__connect.errors.offset')}")


def _iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


_HELD = "SELECT order_ref, created_at, created_by FROM orders WHERE reference_id = ?"
_CHANGES = ("SELECT c.order_ref, c.at, c.api, c.action, c.fields FROM order_changes c"
            " JOIN orders o ON o.order_ref = c.order_ref WHERE o.reference_id = ?")  # fmt: skip
_SESSIONS = "SELECT DISTINCT browser_id, session_id FROM events WHERE message LIKE ?"
#: Stream events told: those that decide whether and when a session's cart becomes an order.
_EVENTS = ("SELECT type, received_at FROM events WHERE session_id = ?"
           " AND type IN ('CONFIRM', 'CHECKOUT', 'ORDER_CHECKOUT', 'PAYMENT', 'FORCE_CLOSE')")  # fmt: skip
_REFUSED = "SELECT reason, at, api, browser_id FROM rejections WHERE reference_id = ?"
_BATCHES = "SELECT b.data, x.upload FROM batches b JOIN batch_blobs x ON x.batch_ref = b.batch_ref"


def _sandbox_lines(db: Path, ref: str) -> list[Line]:
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        lines = [Line(_iso(at), "cdp", f"order {order[:8]} held, created by {api}", True)
                 for order, at, api in conn.execute(_HELD, (ref,))]  # fmt: skip
        lines += [Line(_iso(at), "cdp", f"order {order[:8]} {action} over {api} {fields}", True)
                  for order, at, api, action, fields in conn.execute(_CHANGES, (ref,))]  # fmt: skip
        for browser, session in conn.execute(_SESSIONS, (f"%{ref}%",)).fetchall():
            where = f"browser {browser[:8]} session {session[:8]}"
            lines += [Line(_iso(at), "cdp", f"stream {kind} {where}", True)
                      for kind, at in conn.execute(_EVENTS, (session,))]  # fmt: skip
        lines += [Line(_iso(at), "cdp", f"refused {reason} ({api}) browser {str(browser)[:8]}", True)
                  for reason, at, api, browser in conn.execute(_REFUSED, (ref,))]  # fmt: skip
        lines += list(_batch_lines(conn, ref))
    return lines


def _batch_lines(conn: sqlite3.Connection, ref: str) -> Iterator[Line]:
    """The Batch files with a line naming ``ref``: when uploaded (and what for), when finished."""
    for data, upload in conn.execute(_BATCHES):
        try:
            lines = gzip.decompress(upload or b"").splitlines()
            named = [json.loads(line) for line in lines if ref.encode() in line]
        except (OSError, EOFError, ValueError):
            continue
        if named:
            batch: dict[str, Any] = json.loads(data)
            kinds = ",".join(sorted({f"{line.get('schema')}/{line.get('mode')}" for line in named}))
            ended = _clock(_iso(batch["modified_at"]))
            text = f"batch {str(batch['ref'])[:8]} with {kinds}: {batch.get('status')} at {ended}"
            yield Line(_iso(batch["created_at"]), "cdp", text, True)


def _log_lines(workdir: Path, event_ids: set[str]) -> Iterator[Line]:
    for path in sorted(workdir.glob("worker-*.log")):
        worker = path.stem.removeprefix("worker-")
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(entry, dict) or "ts" not in entry:
                continue
            message = str(entry.get("msg", ""))
            about = entry.get("event_id") in event_ids
            if about or any(word in message for word in GROUP_WORDS):
                extra = f" ({str(entry.get('event_id'))[:8]})" if about else ""
                yield Line(_iso(entry["ts"]), "worker", f"{worker}: {message[:160]}{extra}")
