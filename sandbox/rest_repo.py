"""REST-only data on the store's SQLite connection: order contacts, order consumers, item extras.

The core store has no contact or consumer tables, and order items there lack ``language`` and
``channel``; this module keeps them in its own tables (created by :func:`ensure_schema`).
"""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections.abc import Mapping

from sandbox import jsonio

SCHEMA = """
CREATE TABLE IF NOT EXISTS rest_people (
    ref TEXT PRIMARY KEY, kind TEXT NOT NULL, order_ref TEXT NOT NULL, guest_ref TEXT,
    data TEXT NOT NULL, created_at TEXT NOT NULL, modified_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rest_people_order ON rest_people (order_ref, kind);
CREATE TABLE IF NOT EXISTS rest_item_extras (item_ref TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


@dataclasses.dataclass(frozen=True)
class Person:
    """An order contact (``kind="contact"``) or consumer (``kind="consumer"``) with its guest link."""

    ref: str
    kind: str
    order_ref: str
    guest_ref: str | None
    data: Mapping[str, object]
    created_at: str
    modified_at: str


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create this module's tables if they do not exist."""
    conn.executescript(SCHEMA)


def _person(row: tuple[object, ...]) -> Person:
    ref, kind, order_ref, guest_ref, data, created, modified = row
    guest = None if guest_ref is None else str(guest_ref)
    return Person(
        str(ref), str(kind), str(order_ref), guest, jsonio.loads(str(data)), str(created), str(modified)
    )


class PeopleRepo:
    """Contacts and consumers of orders."""

    _SELECT = "SELECT ref, kind, order_ref, guest_ref, data, created_at, modified_at FROM rest_people"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(
        self, kind: str, order_ref: str, guest_ref: str | None, data: Mapping[str, object], now: str
    ) -> Person:
        """Store a new contact or consumer (new UUID ref)."""
        ref = str(uuid.uuid4())
        self._conn.execute(
            "INSERT INTO rest_people VALUES (?,?,?,?,?,?,?)",
            (ref, kind, order_ref, guest_ref, jsonio.dumps(dict(data)).decode(), now, now),
        )
        return self._require(ref)

    def get(self, kind: str, ref: str) -> Person | None:
        """The contact or consumer ``ref``, or None."""
        row = self._conn.execute(f"{self._SELECT} WHERE ref = ? AND kind = ?", (ref, kind)).fetchone()
        return None if row is None else _person(row)

    def for_order(self, kind: str, order_ref: str) -> list[Person]:
        """An order's contacts or consumers, oldest first."""
        rows = self._conn.execute(
            f"{self._SELECT} WHERE order_ref = ? AND kind = ? ORDER BY rowid", (order_ref, kind)
        ).fetchall()
        return [_person(row) for row in rows]

    def replace(self, ref: str, guest_ref: str | None, data: Mapping[str, object], now: str) -> Person:
        """Overwrite a person's data and guest link."""
        self._conn.execute(
            "UPDATE rest_people SET data = ?, guest_ref = ?, modified_at = ? WHERE ref = ?",
            (jsonio.dumps(dict(data)).decode(), guest_ref, now, ref),
        )
        return self._require(ref)

    def delete(self, ref: str) -> bool:
        """Delete one person; False if absent."""
        return self._conn.execute("DELETE FROM rest_people WHERE ref = ?", (ref,)).rowcount > 0

    def delete_order(self, order_ref: str) -> None:
        """Delete every contact and consumer of an order (the order was deleted)."""
        self._conn.execute("DELETE FROM rest_people WHERE order_ref = ?", (order_ref,))

    def _require(self, ref: str) -> Person:
        row = self._conn.execute(f"{self._SELECT} WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            raise KeyError(ref)
        return _person(row)


class ItemExtrasRepo:
    """Order-item fields the core item row does not hold (``language``, ``channel``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, item_ref: str) -> dict[str, object]:
        """The extra fields of an item (empty when none)."""
        row = self._conn.execute(
            "SELECT data FROM rest_item_extras WHERE item_ref = ?", (item_ref,)
        ).fetchone()
        return {} if row is None else dict(jsonio.loads(str(row[0])))

    def put(self, item_ref: str, data: Mapping[str, object]) -> None:
        """Replace the extra fields of an item."""
        self._conn.execute(
            "INSERT OR REPLACE INTO rest_item_extras VALUES (?,?)",
            (item_ref, jsonio.dumps(dict(data)).decode()),
        )

    def delete(self, item_ref: str) -> None:
        """Forget an item's extra fields."""
        self._conn.execute("DELETE FROM rest_item_extras WHERE item_ref = ?", (item_ref,))
