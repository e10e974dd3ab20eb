"""The sandbox store: one SQLite connection, its schema, and the repositories that use it.

Contract for callers (Stream, REST, Batch, inspection): use ``store.guests``, ``store.browsers``,
``store.orders``, ``store.items``, ``store.extensions`` and ``store.journal``; they return frozen
rows from :mod:`sandbox.rows`. The sandbox is single-process and touches SQLite only from the
event-loop thread. Writes are committed by :meth:`Store.commit`, which the app calls every few
milliseconds and at shutdown (WAL + ``synchronous=NORMAL``), so a crash loses at most that window.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sandbox.repo_guests import BrowserRepo, GuestRepo
from sandbox.repo_items import ExtensionRepo, ItemRepo
from sandbox.repo_journal import Journal
from sandbox.repo_orders import OrderRepo

SCHEMA = """
CREATE TABLE IF NOT EXISTS guests (
    guest_ref TEXT PRIMARY KEY, guest_type TEXT NOT NULL, email TEXT, first_name TEXT,
    last_name TEXT, pii TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL, merged_into TEXT);
CREATE INDEX IF NOT EXISTS guests_email ON guests (email);
CREATE TABLE IF NOT EXISTS identifiers (
    provider_key TEXT NOT NULL, id_key TEXT NOT NULL, provider TEXT NOT NULL, id TEXT NOT NULL,
    expiry_date TEXT, guest_ref TEXT NOT NULL, PRIMARY KEY (provider_key, id_key));
CREATE INDEX IF NOT EXISTS identifiers_guest ON identifiers (guest_ref);
CREATE TABLE IF NOT EXISTS browsers (
    browser_id TEXT PRIMARY KEY, guest_ref TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    order_ref TEXT PRIMARY KEY, reference_id TEXT NOT NULL, ordered_at TEXT NOT NULL,
    status TEXT NOT NULL, currency_code TEXT NOT NULL, price TEXT NOT NULL, payment_type TEXT,
    card_type TEXT, point_of_sale TEXT, channel TEXT, guest_ref TEXT, created_by TEXT NOT NULL,
    modified_by TEXT NOT NULL, created_at TEXT NOT NULL, modified_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_reference ON orders (reference_id);
CREATE INDEX IF NOT EXISTS orders_guest ON orders (guest_ref);
CREATE TABLE IF NOT EXISTS order_status_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, order_ref TEXT NOT NULL, status TEXT NOT NULL,
    api TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_order ON order_status_history (order_ref);
CREATE TABLE IF NOT EXISTS order_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, order_ref TEXT NOT NULL, api TEXT NOT NULL, at TEXT NOT NULL,
    action TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_order ON order_changes (order_ref);
CREATE TABLE IF NOT EXISTS order_items (
    item_ref TEXT PRIMARY KEY, order_ref TEXT NOT NULL, position INTEGER NOT NULL,
    data TEXT NOT NULL, created_by TEXT NOT NULL, modified_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_order ON order_items (order_ref);
CREATE TABLE IF NOT EXISTS extensions (
    owner_kind TEXT NOT NULL, owner_ref TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_ref, name));
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, browser_id TEXT NOT NULL,
    session_id TEXT NOT NULL, type TEXT NOT NULL, received_at TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_browser ON events (browser_id);
CREATE TABLE IF NOT EXISTS rejections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, reason TEXT NOT NULL, detail TEXT NOT NULL,
    browser_id TEXT, session_id TEXT, event_types TEXT NOT NULL, reference_id TEXT,
    api TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dropped_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, reason TEXT NOT NULL, browser_id TEXT, pos TEXT,
    type TEXT, at TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    batch_ref TEXT PRIMARY KEY, data TEXT NOT NULL, created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL);
"""


class Store:
    """All persistent sandbox data. Build with :func:`open_store`; close with :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.guests = GuestRepo(conn)
        self.browsers = BrowserRepo(conn)
        self.orders = OrderRepo(conn)
        self.items = ItemRepo(conn)
        self.extensions = ExtensionRepo(conn)
        self.journal = Journal(conn)

    def commit(self) -> None:
        """Make every write so far durable (cheap when nothing is pending)."""
        if self.conn.in_transaction:
            self.conn.commit()

    def counts(self) -> dict[str, object]:
        """Row counts: guests, browsers, orders, order items, and the journal's counts."""
        tables = {"guests": "guests", "browsers": "browsers", "orders": "orders", "orderItems": "order_items"}
        found: dict[str, object] = {
            name: self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608  (constant names)
            for name, table in tables.items()
        }
        return {**found, **self.journal.counts()}

    def reset(self) -> None:
        """Delete every row of every table, other modules' tables included (``POST /_sandbox/reset``)."""
        tables = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (table,) in tables:
            self.conn.execute(f'DELETE FROM "{table}"')  # noqa: S608  (names come from sqlite_master)
        self.conn.commit()

    def close(self) -> None:
        """Commit and close the connection."""
        self.commit()
        self.conn.close()


def open_store(db_path: str | None) -> Store:
    """Open (creating if needed) the store at ``db_path``; ``None`` keeps it in memory."""
    target = ":memory:" if db_path is None else str(Path(db_path))
    conn = sqlite3.connect(target, check_same_thread=False)
    if db_path is not None:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    conn.commit()
    return Store(conn)
