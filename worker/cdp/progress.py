"""Per-key Stream progress: browser, open session, the running plan's accepted steps.  [pure]

The runtime keeps one :class:`Progress` per state key (the ordering key, i.e. the guest), saves it
to the state topic before relying on it and restores it on assignment. Time is passed in as epoch
seconds. What the fields mean:

* ``browser_id``: the browser the key's events go to; ``dead_browsers``: ids CDP answered 404 for.
* ``session``: our view of the browser's open CDP session: when we last sent to it and which cart
  lines it holds (so an order sends only the ADDs that are missing). A session idle for longer than
  the configured window is taken as closed, as CDP closes it after inactivity.
* ``running``: the plan being sent: its id (the event id), browser, the session cart it was planned
  against (``base_cart``: the plan is rebuilt from it identically), steps accepted (``done``), and
  ``pending`` when a step that must not be repeated may have reached CDP without a confirmation.
* ``finished`` / ``offsets``: recent finished event ids and the last finished record per source
  partition (offset and Kafka timestamp), so a redelivered record is recognised and not sent
  again. The timestamp keeps a recreated topic (offsets from 0 again, newer records) from being
  taken for a redelivery.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from worker.plans import CartLine, Step

RECENT_FINISHED = 16
DEAD_BROWSERS = 8
VERSION = 1


@dataclass(frozen=True)
class Session:
    """The browser's open session as far as we know."""

    browser_id: str
    last_sent: float
    cart: tuple[CartLine, ...] = ()


@dataclass(frozen=True)
class Running:
    """The plan in progress."""

    plan_id: str
    browser_id: str
    base_cart: tuple[CartLine, ...] = ()
    done: int = 0
    pending: bool = False
    ordered: bool = False


@dataclass(frozen=True)
class Progress:
    """Everything the worker must remember about one key between records and across restarts."""

    browser_id: str | None = None
    dead_browsers: tuple[str, ...] = ()
    session: Session | None = None
    running: Running | None = None
    finished: tuple[str, ...] = ()
    #: "topic:partition" → (offset, timestamp in ms) of the last finished record.
    offsets: Mapping[str, tuple[int, int]] = dataclasses.field(default_factory=dict)


def partition_label(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


@dataclass(frozen=True)
class Position:
    """Where a record sits: topic, partition, offset and its Kafka timestamp (ms)."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int

    @property
    def label(self) -> str:
        return partition_label(self.topic, self.partition)


def already_finished(progress: Progress, event_id: str, at: Position) -> bool:
    """True when this record (or its event) was finished before: a redelivery."""
    last = progress.offsets.get(at.label)
    redelivered = last is not None and at.offset <= last[0] and at.timestamp_ms <= last[1]
    return event_id in progress.finished or redelivered


def live_session(progress: Progress, browser_id: str, now: float, idle_s: float) -> Session | None:
    """The session of ``browser_id`` if it is still open at ``now``."""
    session = progress.session
    if session is None or session.browser_id != browser_id or now - session.last_sent >= idle_s:
        return None
    return session


def choose_browser(progress: Progress, plan_id: str, hint: str | None) -> str | None:
    """The browser for a plan: the running plan's, else the event's (unless dead), else the stored one."""
    running = progress.running
    if (
        running is not None
        and running.plan_id == plan_id
        and running.browser_id not in progress.dead_browsers
    ):
        return running.browser_id
    if hint and hint not in progress.dead_browsers:
        return hint
    return progress.browser_id


def begin(progress: Progress, plan_id: str, browser_id: str, now: float, idle_s: float) -> Progress:
    """Resume the running plan if it can go on in its session; else start ``plan_id`` afresh.

    A plan whose session closed meanwhile starts again from its first step (its lines must be
    ADDed in the new session), unless its order was already created (see :func:`order_left_behind`).
    """
    running = progress.running
    session = live_session(progress, browser_id, now, idle_s)
    same = running is not None and running.plan_id == plan_id and running.browser_id == browser_id
    if same and running is not None and (session is not None or running.done == 0 or running.ordered):
        return dataclasses.replace(progress, browser_id=browser_id)
    cart = session.cart if session is not None else ()
    fresh = Running(plan_id=plan_id, browser_id=browser_id, base_cart=cart)
    return dataclasses.replace(progress, browser_id=browser_id, running=fresh, session=session)


def order_left_behind(progress: Progress, now: float, idle_s: float) -> bool:
    """True when the running plan created its order but its session closed before the rest was sent:
    the remaining steps (PAYMENT, FORCE_CLOSE) would land in a new session where they mean nothing."""
    running = progress.running
    if running is None or not running.ordered:
        return False
    return live_session(progress, running.browser_id, now, idle_s) is None


def cart_of(progress: Progress) -> dict[str, CartLine]:
    """The running plan's base cart by line id (the mapping's ``session_cart``)."""
    running = progress.running
    return {} if running is None else {line.line_id: line for line in running.base_cart}


def with_pending(progress: Progress, pending: bool) -> Progress:
    assert progress.running is not None
    return dataclasses.replace(progress, running=dataclasses.replace(progress.running, pending=pending))


def accepted(progress: Progress, step: Step, now: float) -> Progress:
    """``step`` was accepted by CDP at ``now``: one more step done, the session cart updated."""
    running = progress.running
    assert running is not None
    previous = progress.session
    cart = previous.cart if previous is not None and previous.browser_id == running.browser_id else ()
    session = None if step.closes_session else Session(running.browser_id, now, _cart_after(cart, step))
    done = dataclasses.replace(running, done=running.done + 1, pending=False,
                               ordered=running.ordered or step.creates_order)  # fmt: skip
    return dataclasses.replace(progress, session=session, running=done)


def _cart_after(cart: tuple[CartLine, ...], step: Step) -> tuple[CartLine, ...]:
    if step.closes_cart:
        return ()
    if step.line is None:
        return cart
    kept = tuple(line for line in cart if line.line_id != step.line.line_id)
    return (*kept, step.line)


def finish(progress: Progress, plan_id: str, at: Position) -> Progress:
    """The plan is complete: remember its event id and offset, forget the running plan."""
    return dataclasses.replace(noted(progress, plan_id, at), running=None)


def noted(progress: Progress, event_id: str, at: Position) -> Progress:
    """A record of the key finished outside the Stream (a deletion over REST or Batch): remember its
    event id and offset like a plan's, so a redelivery is recognised; any running plan is kept."""
    finished = (*progress.finished, event_id)[-RECENT_FINISHED:]
    offsets = {**progress.offsets, at.label: (at.offset, at.timestamp_ms)}
    return dataclasses.replace(progress, finished=finished, offsets=offsets)


def browser_lost(progress: Progress, browser_id: str) -> Progress:
    """CDP does not know ``browser_id``: never use it again; the running plan starts over elsewhere."""
    dead = (*progress.dead_browsers, browser_id)[-DEAD_BROWSERS:]
    stored = None if progress.browser_id == browser_id else progress.browser_id
    session = progress.session if progress.session and progress.session.browser_id != browser_id else None
    return dataclasses.replace(progress, browser_id=stored, dead_browsers=dead, session=session, running=None)


# JSON form ---------------------------------------------------------------------------------------------
def _lines(lines: Iterable[CartLine]) -> list[list[str]]:
    return [[line.line_id, line.item_id, line.fingerprint] for line in lines]


def _cart(data: object) -> tuple[CartLine, ...]:
    assert isinstance(data, list)
    return tuple(CartLine(str(a), str(b), str(c)) for a, b, c in data)


def to_bytes(progress: Progress) -> bytes:
    """The JSON value written to the state topic."""
    session, running = progress.session, progress.running
    data = {
        "v": VERSION,
        "browser": progress.browser_id,
        "dead": list(progress.dead_browsers),
        "session": None if session is None else
        {"browser": session.browser_id, "last": session.last_sent, "cart": _lines(session.cart)},
        "running": None if running is None else
        {"plan": running.plan_id, "browser": running.browser_id, "base": _lines(running.base_cart),
         "done": running.done, "pending": running.pending, "ordered": running.ordered},
        "finished": list(progress.finished),
        "offsets": {label: list(mark) for label, mark in progress.offsets.items()},
    }  # fmt: skip
    return orjson.dumps(data)


class NewerProgressError(Exception):
    """The record was written by a newer worker (higher ``v``): reading it as ours could lose progress."""


def from_bytes(raw: bytes) -> Progress:
    """Inverse of :func:`to_bytes`; raises ``ValueError`` on a value it cannot read and
    :class:`NewerProgressError` on one from a newer format."""
    try:
        data = orjson.loads(raw)
        if isinstance(data, dict) and isinstance(data.get("v"), int) and data["v"] > VERSION:
            raise NewerProgressError(f"progress format v{data['v']}, this worker reads v{VERSION}")
        return Progress(
            browser_id=data["browser"],
            dead_browsers=tuple(data["dead"]),
            session=_session(data["session"]),
            running=_running(data["running"]),
            finished=tuple(data["finished"]),
            offsets={str(k): (int(v[0]), int(v[1])) for k, v in data["offsets"].items()},
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, AssertionError, ValueError) as exc:
        raise ValueError(f"unreadable progress record: {exc}") from exc


def _session(data: dict[str, object] | None) -> Session | None:
    if data is None:
        return None
    last = data["last"]
    assert isinstance(last, int | float)
    return Session(str(data["browser"]), float(last), _cart(data["cart"]))


def _running(data: dict[str, object] | None) -> Running | None:
    if data is None:
        return None
    done = data["done"]
    assert isinstance(done, int)
    return Running(str(data["plan"]), str(data["browser"]), _cart(data["base"]), done,
                   bool(data["pending"]), bool(data["ordered"]))  # fmt: skip
