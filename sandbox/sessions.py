"""Stream sessions and order assembly rules (pure: no I/O; time is passed in as epoch seconds).

A session belongs to one (browser, channel, point of sale) and closes after ``timeout_seconds`` of
inactivity or on FORCE_CLOSE. Its cart holds the latest ADD per ``item_id``. A CHECKOUT turns the
confirmed lines into an :class:`OrderDraft`, or into a :class:`Violation` whose ``reason`` is one of
:data:`REASONS` — then no order is created.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field

from sandbox.config import StrictSwitches
from sandbox.stream_payloads import AddProduct

#: Stable machine-readable rejection reasons.
REASONS = {
    "confirm_unknown_item": "CONFIRM lists an item_id never ADDed in this session",
    "split_across_sessions": "the order's events are split across sessions (an earlier session closed)",
    "checkout_without_confirm": "CHECKOUT without a CONFIRM in the same session",
    "cart_changed_after_confirm": "an item was ADDed after CONFIRM and never confirmed",
    "cart_cleared": "CLEAR_CART emptied the confirmed cart before CHECKOUT",
    "cart_already_checked_out": "a second CHECKOUT in a session whose cart already became an order",
    "empty_cart": "CHECKOUT with no line to order",
    "guest_not_identified": "the browser's guest is not identified (no IDENTITY / ADD_CONTACTS match)",
    "duplicate_reference": "an order with this reference id already exists",
    "payment_without_order": "PAYMENT in a session that created no order",
}

SessionKey = tuple[str, str, str]
#: How many recent event types a session remembers (for rejection records and inspection).
EVENT_TYPES_KEPT = 200


@dataclass(frozen=True)
class Violation:
    """Why a sequence creates no order."""

    reason: str
    detail: str


@dataclass(frozen=True)
class OrderDraft:
    """What a valid CHECKOUT orders: the confirmed lines (latest ADD each), in CONFIRM order."""

    reference_id: str
    status: str
    lines: tuple[AddProduct, ...]


@dataclass
class Session:
    """An open (or just closed) session: its cart and how far the order sequence got."""

    session_id: str
    key: SessionKey
    opened_at: float
    last_at: float
    lines: dict[str, AddProduct] = field(default_factory=dict)
    confirmed: tuple[str, ...] | None = None
    unconfirmed_adds: list[str] = field(default_factory=list)
    violation: Violation | None = None
    cleared_after_confirm: bool = False
    order_ref: str | None = None
    event_types: deque[str] = field(default_factory=lambda: deque(maxlen=EVENT_TYPES_KEPT))
    closed_by: str | None = None


def _violation(reason: str, extra: str = "") -> Violation:
    return Violation(reason, REASONS[reason] + (f": {extra}" if extra else ""))


class SessionBook:
    """Open sessions per (browser, channel, point of sale) plus the last closed one per key."""

    def __init__(self, timeout_seconds: float, strict: StrictSwitches) -> None:
        self.timeout_seconds = timeout_seconds
        self.strict = strict
        self._open: dict[SessionKey, Session] = {}
        self._previous: dict[SessionKey, Session] = {}
        self._context: dict[str, tuple[str, str]] = {}

    def remember_context(self, browser_id: str, channel: str, pos: str) -> None:
        """Remember the browser's latest channel and point of sale (for events that omit them)."""
        self._context[browser_id] = (channel, pos)

    def context_of(self, browser_id: str) -> tuple[str, str] | None:
        """The browser's latest (channel, point of sale), if any event carried them."""
        return self._context.get(browser_id)

    def session(self, key: SessionKey, now: float) -> Session:
        """The open session of ``key`` at ``now``, closing an idle one and opening a new one if needed."""
        current = self._open.get(key)
        if current is not None and now - current.last_at >= self.timeout_seconds:
            self._close(current, "inactivity")
            current = None
        if current is None:
            current = self._open_new(key, now)
        current.last_at = now
        return current

    def _open_new(self, key: SessionKey, now: float) -> Session:
        fresh = Session(str(uuid.uuid4()), key, now, now)
        previous = self._previous.get(key)
        if self.strict.cart_survives_session_close and previous is not None and previous.order_ref is None:
            fresh.lines = dict(previous.lines)
            fresh.confirmed = previous.confirmed
        self._open[key] = fresh
        return fresh

    def _close(self, session: Session, why: str) -> None:
        session.closed_by = why
        self._previous[session.key] = session
        self._open.pop(session.key, None)

    def force_close(self, session: Session) -> None:
        """FORCE_CLOSE: the session ends now; the browser's next event opens a new one."""
        self._close(session, "force_close")

    def open_sessions(self, now: float) -> list[Session]:
        """Sessions still open at ``now`` (idle ones are reported closed lazily, on their next event)."""
        return [s for s in self._open.values() if now - s.last_at < self.timeout_seconds]

    def previous(self, key: SessionKey) -> Session | None:
        """The last closed session of ``key``."""
        return self._previous.get(key)

    def prune(self, now: float, keep_closed_seconds: float) -> int:
        """Close idle sessions and forget closed ones older than ``keep_closed_seconds``; bounds memory.

        Returns how many sessions were closed. A browser that comes back after its closed session was
        forgotten gets ``checkout_without_confirm`` instead of ``split_across_sessions``.
        """
        idle = [s for s in self._open.values() if now - s.last_at >= self.timeout_seconds]
        for session in idle:
            self._close(session, "inactivity")
        stale = [key for key, s in self._previous.items() if now - s.last_at >= keep_closed_seconds]
        for key in stale:
            del self._previous[key]
        return len(idle)

    def clear(self) -> None:
        """Forget every session (``POST /_sandbox/reset``)."""
        self._open.clear()
        self._previous.clear()
        self._context.clear()

    def add(self, session: Session, line: AddProduct) -> None:
        """ADD: the line replaces any earlier line with the same ``item_id``."""
        if session.confirmed is not None and line.item_id not in session.confirmed:
            session.unconfirmed_adds.append(line.item_id)
        session.lines[line.item_id] = line

    def clear_cart(self, session: Session) -> None:
        """CLEAR_CART: earlier lines and the confirmation no longer count."""
        session.cleared_after_confirm = session.confirmed is not None
        session.lines.clear()
        session.confirmed = None
        session.unconfirmed_adds.clear()
        session.violation = None

    def confirm(self, session: Session, item_ids: tuple[str, ...]) -> None:
        """CONFIRM: snapshot of the basket; an id never ADDed here voids the sequence (strict)."""
        missing = [item for item in item_ids if item not in session.lines]
        session.violation = None  # the latest CONFIRM is the basket snapshot that counts
        previous = self._previous.get(session.key)
        earlier = previous.lines if previous is not None else {}
        if any(item in earlier for item in missing):
            session.violation = _violation(
                "split_across_sessions", f"item_id {missing[0]!r} was ADDed earlier"
            )
        elif missing and self.strict.confirm_unknown_item_voids_order:
            session.violation = _violation("confirm_unknown_item", f"item_id {missing[0]!r}")
        session.confirmed = tuple(item for item in item_ids if item in session.lines)
        session.unconfirmed_adds.clear()
        session.cleared_after_confirm = False

    def checkout(
        self, session: Session, reference_id: str, status: str, identified: bool
    ) -> OrderDraft | Violation:
        """CHECKOUT: the order to create from this session, or why there is none."""
        problem = self._checkout_problem(session, identified)
        if problem is not None:
            return problem
        chosen = session.confirmed if session.confirmed is not None else tuple(session.lines)
        if not chosen:
            return _violation("empty_cart")
        return OrderDraft(reference_id, status, tuple(session.lines[item] for item in chosen))

    def _checkout_problem(self, session: Session, identified: bool) -> Violation | None:
        if session.violation is not None:
            return session.violation
        if session.order_ref is not None:
            return _violation("cart_already_checked_out", f"order {session.order_ref}")
        if session.confirmed is None:
            problem = self._unconfirmed_problem(session)
            if problem is not None:
                return problem
        elif session.unconfirmed_adds:
            return _violation("cart_changed_after_confirm", f"item_id {session.unconfirmed_adds[0]!r}")
        if not identified and self.strict.checkout_requires_identified_guest:
            return _violation("guest_not_identified")
        return None

    def _unconfirmed_problem(self, session: Session) -> Violation | None:
        if session.cleared_after_confirm:
            return _violation("cart_cleared")
        previous = self._previous.get(session.key)
        if not session.lines and previous is not None and previous.lines and previous.order_ref is None:
            return _violation("split_across_sessions", f"the cart was built in session {previous.session_id}")
        if self.strict.checkout_requires_confirm:
            return _violation("checkout_without_confirm")
        return None

    @staticmethod
    def checked_out(session: Session, order_ref: str) -> None:
        """Remember that this session's cart became ``order_ref`` (PAYMENT attaches to it)."""
        session.order_ref = order_ref
