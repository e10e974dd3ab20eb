"""What happened, for inspection: accepted events, rejected sequences, dropped events, batches."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from sandbox import jsonio
from sandbox.rows import AcceptedEvent, Api, BatchRecord, DroppedEvent, Rejection


class Journal:
    """Append-only logs plus the Batch module's batch documents."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add_event(
        self, *, ref: str, browser_id: str, session_id: str, type_: str, at: str, raw_message: str
    ) -> None:
        """Record an accepted Stream event (``raw_message`` is the decoded JSON text)."""
        self._conn.execute(
            "INSERT INTO events (ref, browser_id, session_id, type, received_at, message) "
            "VALUES (?,?,?,?,?,?)",
            (ref, browser_id, session_id, type_, at, raw_message),
        )

    def events(
        self, browser_id: str | None = None, after_seq: int = 0, limit: int = 10000
    ) -> list[AcceptedEvent]:
        """Accepted events in arrival order (``seq`` > ``after_seq``), optionally of one browser."""
        where, args = ("AND browser_id = ?", (browser_id,)) if browser_id else ("", ())
        rows = self._conn.execute(
            "SELECT seq, ref, browser_id, session_id, type, received_at, message FROM events "  # noqa: S608  (constant fragments)
            f"WHERE seq > ? {where} ORDER BY seq LIMIT ?",
            (after_seq, *args, limit),
        ).fetchall()
        return [_event(row) for row in rows]

    def trim_events(self, keep: int) -> int:
        """Delete all but the newest ``keep`` accepted events; returns how many were deleted."""
        return self._conn.execute(
            "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", (keep,)
        ).rowcount

    def add_rejection(self, rejection: Rejection) -> None:
        """Record a sequence that created no order (``seq`` of the argument is ignored)."""
        r = rejection
        self._conn.execute(
            "INSERT INTO rejections (reason, detail, browser_id, session_id, event_types, reference_id, "
            "api, at) VALUES (?,?,?,?,?,?,?,?)",
            (
                r.reason,
                r.detail,
                r.browser_id,
                r.session_id,
                jsonio.dumps(list(r.event_types)).decode(),
                r.reference_id,
                r.api,
                r.at,
            ),
        )

    def rejections(self, reason: str | None = None) -> list[Rejection]:
        """Rejected sequences in the order they happened, optionally of one reason."""
        where, args = ("WHERE reason = ?", (reason,)) if reason else ("", ())
        query = (
            "SELECT seq, reason, detail, browser_id, session_id, event_types, reference_id, api, at "  # noqa: S608  (constant fragments)
            f"FROM rejections {where} ORDER BY seq"
        )
        rows = self._conn.execute(
            query,
            args,
        ).fetchall()
        return [_rejection(row) for row in rows]

    def add_dropped(
        self,
        reason: str,
        *,
        browser_id: str | None,
        pos: str | None,
        type_: str | None,
        at: str,
        raw_message: str,
    ) -> None:
        """Record an event answered 201 but dropped."""
        self._conn.execute(
            "INSERT INTO dropped_events (reason, browser_id, pos, type, at, message) VALUES (?,?,?,?,?,?)",
            (reason, browser_id, pos, type_, at, raw_message),
        )

    def dropped(self) -> list[DroppedEvent]:
        """Dropped events in arrival order."""
        rows = self._conn.execute(
            "SELECT seq, reason, browser_id, pos, type, at, message FROM dropped_events ORDER BY seq"
        ).fetchall()
        return [
            DroppedEvent(s, str(r), b, p, t, str(a), jsonio.loads(str(m))) for s, r, b, p, t, a, m in rows
        ]

    def counts(self) -> dict[str, object]:
        """Row counts for a quick overview: events, dropped events, rejections by reason."""
        one = self._conn.execute
        by_reason = dict(
            one("SELECT reason, COUNT(*) FROM rejections GROUP BY reason ORDER BY reason").fetchall()
        )
        return {
            "events": one("SELECT COUNT(*) FROM events").fetchone()[0],
            "dropped": one("SELECT COUNT(*) FROM dropped_events").fetchone()[0],
            "rejections": sum(by_reason.values()),
            "rejectionsByReason": by_reason,
        }

    def put_batch(self, batch_ref: str, data: Mapping[str, object], now: str) -> BatchRecord:
        """Create or replace a batch document (the Batch module decides its shape)."""
        created = self.get_batch(batch_ref)
        created_at = created.created_at if created else now
        self._conn.execute(
            "INSERT OR REPLACE INTO batches VALUES (?,?,?,?)",
            (batch_ref, jsonio.dumps(dict(data)).decode(), created_at, now),
        )
        return BatchRecord(batch_ref, dict(data), created_at, now)

    def get_batch(self, batch_ref: str) -> BatchRecord | None:
        """A batch document, or ``None``."""
        row = self._conn.execute(
            "SELECT batch_ref, data, created_at, modified_at FROM batches WHERE batch_ref = ?", (batch_ref,)
        ).fetchone()
        return (
            None
            if row is None
            else BatchRecord(str(row[0]), jsonio.loads(str(row[1])), str(row[2]), str(row[3]))
        )

    def batches(self) -> list[BatchRecord]:
        """Every batch document, oldest first."""
        rows = self._conn.execute(
            "SELECT batch_ref, data, created_at, modified_at FROM batches ORDER BY rowid"
        )
        return [BatchRecord(str(b), jsonio.loads(str(d)), str(c), str(m)) for b, d, c, m in rows.fetchall()]


def _rejection(row: tuple[object, ...]) -> Rejection:
    seq, reason, detail, browser, session, types, reference, api, at = row
    return Rejection(
        seq=int(str(seq)),
        reason=str(reason),
        detail=str(detail),
        browser_id=None if browser is None else str(browser),
        session_id=None if session is None else str(session),
        event_types=tuple(jsonio.loads(str(types))),
        reference_id=None if reference is None else str(reference),
        api=api,  # type: ignore[arg-type]  # the api column holds Api values only
        at=str(at),
    )


def rejection(reason: str, detail: str, api: Api, at: str, **context: object) -> Rejection:
    """A :class:`Rejection` to pass to :meth:`Journal.add_rejection` (``seq`` is assigned on insert)."""
    types = context.get("event_types", ())
    return Rejection(
        seq=0,
        reason=reason,
        detail=detail,
        browser_id=_str_or_none(context.get("browser_id")),
        session_id=_str_or_none(context.get("session_id")),
        event_types=tuple(str(t) for t in types) if isinstance(types, tuple | list) else (),
        reference_id=_str_or_none(context.get("reference_id")),
        api=api,
        at=at,
    )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _event(row: tuple[object, ...]) -> AcceptedEvent:
    seq, ref, browser, session, type_, received, message = row
    return AcceptedEvent(
        int(str(seq)),
        str(ref),
        str(browser),
        str(session),
        str(type_),
        str(received),
        jsonio.loads(str(message)),
    )
