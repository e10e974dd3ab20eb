"""Orders with their status history and change log (which API changed which fields, when)."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox import jsonio
from sandbox.clock import parse_iso
from sandbox.repo_items import ItemRepo
from sandbox.rows import Api, Order, OrderChange, OrderFields, StatusChange

#: REST v2.1: orders with the same referenceId and orderedAt within two days are the same order [C].
MATCH_WINDOW = timedelta(days=2)
_ORDER_FIELDS = tuple(f.name for f in dataclasses.fields(OrderFields))
_ORDER_COLUMNS = (
    "order_ref, " + ", ".join(_ORDER_FIELDS) + ", created_by, modified_by, created_at, modified_at"
)


def _order(row: tuple[object, ...]) -> Order:
    values = dict(zip(_ORDER_FIELDS, row[1:11], strict=True))
    values["price"] = Decimal(str(values["price"]))
    fields = OrderFields(**values)  # type: ignore[arg-type]  # columns mirror OrderFields by construction
    ref, created_by, modified_by, created_at, modified_at = (row[0], *row[11:])
    return Order(str(ref), fields, created_by, modified_by, str(created_at), str(modified_at))  # type: ignore[arg-type]  # api columns hold Api values only


def within_window(first: str, second: str, window: timedelta = MATCH_WINDOW) -> bool:
    """Whether two ISO 8601 timestamps lie within ``window`` of each other (False if unparsable)."""
    a, b = parse_iso(first), parse_iso(second)
    return a is not None and b is not None and abs(a - b) <= window


def _order_values(fields: OrderFields) -> tuple[object, ...]:
    return tuple(str(v) if isinstance(v, Decimal) else v for v in dataclasses.astuple(fields))


class OrderRepo:
    """Orders. Every create or status change is recorded in the status history with its API."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(self, fields: OrderFields, api: Api, now: str) -> Order:
        """Store a new order (new UUID ``order_ref``) and its first status-history entry."""
        ref = str(uuid.uuid4())
        marks = ",".join("?" * (len(_ORDER_FIELDS) + 5))
        self._conn.execute(
            f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({marks})",  # noqa: S608  (constant columns)
            (ref, *_order_values(fields), api, api, now, now),
        )
        self._history(ref, fields.status, api, now)
        self._log(ref, api, now, "create", ())
        return self._require(ref)

    def get(self, order_ref: str) -> Order | None:
        """The order with ``order_ref``, or ``None``."""
        row = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE order_ref = ?",  # noqa: S608  (constant)
            (order_ref,),
        ).fetchone()
        return None if row is None else _order(row)

    def find_by_reference(self, reference_id: str) -> list[Order]:
        """Orders with this ``referenceId`` (exact match), oldest first."""
        rows = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE reference_id = ? ORDER BY rowid",  # noqa: S608  (constant)
            (reference_id,),
        ).fetchall()
        return [_order(row) for row in rows]

    def find_matching(
        self, reference_id: str, ordered_at: str, window: timedelta = MATCH_WINDOW
    ) -> list[Order]:
        """Orders that CDP treats as the same order: same referenceId, orderedAt within ``window``."""
        return [
            order
            for order in self.find_by_reference(reference_id)
            if within_window(order.fields.ordered_at, ordered_at, window)
        ]

    def for_guest(self, guest_ref: str) -> list[Order]:
        """The guest's orders, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE guest_ref = ? ORDER BY rowid",  # noqa: S608  (constant)
            (guest_ref,),
        ).fetchall()
        return [_order(row) for row in rows]

    def all(self, offset: int = 0, limit: int = 1000) -> list[Order]:
        """All orders in creation order."""
        rows = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders ORDER BY rowid LIMIT ? OFFSET ?",  # noqa: S608  (constant)
            (limit, offset),
        ).fetchall()
        return [_order(row) for row in rows]

    def update(self, order_ref: str, changes: Mapping[str, Any], api: Api, now: str) -> Order:
        """Change some fields (names of :class:`OrderFields`); a new status is added to the history."""
        current = self._require(order_ref)
        fields = dataclasses.replace(current.fields, **changes)
        return self.replace(order_ref, fields, api, now)

    def replace(self, order_ref: str, fields: OrderFields, api: Api, now: str) -> Order:
        """Overwrite all writable fields; a changed status is added to the history."""
        current = self._require(order_ref)
        assignments = ", ".join(f"{name} = ?" for name in _ORDER_FIELDS)
        self._conn.execute(
            f"UPDATE orders SET {assignments}, modified_by = ?, modified_at = ? WHERE order_ref = ?",  # noqa: S608  (constant)
            (*_order_values(fields), api, now, order_ref),
        )
        if fields.status != current.fields.status:
            self._history(order_ref, fields.status, api, now)
        changed = tuple(n for n in _ORDER_FIELDS if getattr(fields, n) != getattr(current.fields, n))
        self._log(order_ref, api, now, "update", changed)
        return self._require(order_ref)

    def delete(self, order_ref: str) -> bool:
        """Delete the order with its items, history and extensions; False if it did not exist."""
        item_refs = [item.item_ref for item in ItemRepo(self._conn).for_order(order_ref)]
        for item_ref in item_refs:
            self._conn.execute(
                "DELETE FROM extensions WHERE owner_kind = 'order_item' AND owner_ref = ?", (item_ref,)
            )
        self._conn.execute("DELETE FROM order_items WHERE order_ref = ?", (order_ref,))
        self._conn.execute(
            "DELETE FROM extensions WHERE owner_kind = 'order' AND owner_ref = ?", (order_ref,)
        )
        self._conn.execute("DELETE FROM order_status_history WHERE order_ref = ?", (order_ref,))
        self._conn.execute("DELETE FROM order_changes WHERE order_ref = ?", (order_ref,))
        return self._conn.execute("DELETE FROM orders WHERE order_ref = ?", (order_ref,)).rowcount > 0

    def history(self, order_ref: str) -> list[StatusChange]:
        """The order's status changes, oldest first."""
        rows = self._conn.execute(
            "SELECT status, api, at FROM order_status_history WHERE order_ref = ? ORDER BY seq", (order_ref,)
        ).fetchall()
        return [StatusChange(str(s), a, str(t)) for s, a, t in rows]

    def changes(self, order_ref: str) -> list[OrderChange]:
        """Every create and update of the order, oldest first, with the fields each update changed."""
        rows = self._conn.execute(
            "SELECT api, at, action, fields FROM order_changes WHERE order_ref = ? ORDER BY seq", (order_ref,)
        ).fetchall()
        return [OrderChange(a, str(t), str(act), tuple(jsonio.loads(str(f)))) for a, t, act, f in rows]

    def _log(self, order_ref: str, api: Api, now: str, action: str, fields: tuple[str, ...]) -> None:
        self._conn.execute(
            "INSERT INTO order_changes (order_ref, api, at, action, fields) VALUES (?,?,?,?,?)",
            (order_ref, api, now, action, jsonio.dumps(list(fields)).decode()),
        )

    def _history(self, order_ref: str, status: str, api: Api, now: str) -> None:
        self._conn.execute(
            "INSERT INTO order_status_history (order_ref, status, api, at) VALUES (?,?,?,?)",
            (order_ref, status, api, now),
        )

    def _require(self, order_ref: str) -> Order:
        order = self.get(order_ref)
        if order is None:
            raise KeyError(order_ref)
        return order
