"""Order items and data extensions."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandbox import jsonio
from sandbox.rows import Api, Extension, FlatDict, ItemFields, OrderItem, OwnerKind

_DECIMAL_ITEM_FIELDS = ("price", "quantity", "original_price")


def _item_json(fields: ItemFields) -> str:
    return jsonio.dumps(dataclasses.asdict(fields)).decode()


def _item(row: tuple[object, ...]) -> OrderItem:
    ref, order_ref, data, created_by, modified_by = row
    values = jsonio.loads(str(data))
    for name in _DECIMAL_ITEM_FIELDS:
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return OrderItem(str(ref), str(order_ref), ItemFields(**values), created_by, modified_by)  # type: ignore[arg-type]  # api columns hold Api values only


class ItemRepo:
    """Order lines, kept in insertion order per order."""

    _SELECT = "SELECT item_ref, order_ref, data, created_by, modified_by FROM order_items"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(self, order_ref: str, fields: ItemFields, api: Api) -> OrderItem:
        """Add a line to ``order_ref`` (new UUID ``item_ref``)."""
        ref = str(uuid.uuid4())
        position = self._conn.execute(
            "SELECT COUNT(*) FROM order_items WHERE order_ref = ?", (order_ref,)
        ).fetchone()[0]
        self._conn.execute(
            "INSERT INTO order_items VALUES (?,?,?,?,?,?)",
            (ref, order_ref, position, _item_json(fields), api, api),
        )
        return self._require(ref)

    def get(self, item_ref: str) -> OrderItem | None:
        """The line with ``item_ref``, or ``None``."""
        row = self._conn.execute(f"{self._SELECT} WHERE item_ref = ?", (item_ref,)).fetchone()
        return None if row is None else _item(row)

    def for_order(self, order_ref: str) -> list[OrderItem]:
        """The order's lines in the order they were added."""
        rows = self._conn.execute(
            f"{self._SELECT} WHERE order_ref = ? ORDER BY position", (order_ref,)
        ).fetchall()
        return [_item(row) for row in rows]

    def replace(self, item_ref: str, fields: ItemFields, api: Api) -> OrderItem:
        """Overwrite all fields of a line."""
        self._conn.execute(
            "UPDATE order_items SET data = ?, modified_by = ? WHERE item_ref = ?",
            (_item_json(fields), api, item_ref),
        )
        return self._require(item_ref)

    def update(self, item_ref: str, changes: Mapping[str, Any], api: Api) -> OrderItem:
        """Change some fields (names of :class:`ItemFields`)."""
        current = self._require(item_ref)
        return self.replace(item_ref, dataclasses.replace(current.fields, **changes), api)

    def delete(self, item_ref: str) -> bool:
        """Delete a line and its extensions; False if it did not exist."""
        self._conn.execute(
            "DELETE FROM extensions WHERE owner_kind = 'order_item' AND owner_ref = ?", (item_ref,)
        )
        return self._conn.execute("DELETE FROM order_items WHERE item_ref = ?", (item_ref,)).rowcount > 0

    def _require(self, item_ref: str) -> OrderItem:
        item = self.get(item_ref)
        if item is None:
            raise KeyError(item_ref)
        return item


class ExtensionRepo:
    """Data extensions: one flat dict per (owner kind, owner ref, name)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, owner_kind: OwnerKind, owner_ref: str, name: str = "ext") -> Extension | None:
        """The extension, or ``None``."""
        row = self._conn.execute(
            "SELECT data FROM extensions WHERE owner_kind = ? AND owner_ref = ? AND name = ?",
            (owner_kind, owner_ref, name),
        ).fetchone()
        return None if row is None else Extension(owner_kind, owner_ref, name, jsonio.loads(str(row[0])))

    def for_owner(self, owner_kind: OwnerKind, owner_ref: str) -> list[Extension]:
        """Every extension of one owner, by name."""
        rows = self._conn.execute(
            "SELECT name, data FROM extensions WHERE owner_kind = ? AND owner_ref = ? ORDER BY name",
            (owner_kind, owner_ref),
        ).fetchall()
        return [Extension(owner_kind, owner_ref, str(n), jsonio.loads(str(d))) for n, d in rows]

    def put(self, owner_kind: OwnerKind, owner_ref: str, data: FlatDict, name: str = "ext") -> Extension:
        """Create or replace the whole extension."""
        self._conn.execute(
            "INSERT OR REPLACE INTO extensions VALUES (?,?,?,?)",
            (owner_kind, owner_ref, name, jsonio.dumps(dict(data)).decode()),
        )
        return Extension(owner_kind, owner_ref, name, dict(data))

    def merge(self, owner_kind: OwnerKind, owner_ref: str, data: FlatDict, name: str = "ext") -> Extension:
        """Add or overwrite some keys (partial update), creating the extension if needed."""
        current = self.get(owner_kind, owner_ref, name)
        merged = {**(current.data if current else {}), **data}
        return self.put(owner_kind, owner_ref, merged, name)

    def delete_keys(
        self, owner_kind: OwnerKind, owner_ref: str, keys: list[str], name: str = "ext"
    ) -> Extension | None:
        """Remove some keys; ``None`` if the extension does not exist."""
        current = self.get(owner_kind, owner_ref, name)
        if current is None:
            return None
        remaining = {k: v for k, v in current.data.items() if k not in keys}
        return self.put(owner_kind, owner_ref, remaining, name)

    def delete(self, owner_kind: OwnerKind, owner_ref: str, name: str = "ext") -> bool:
        """Delete the whole extension; False if it did not exist."""
        return (
            self._conn.execute(
                "DELETE FROM extensions WHERE owner_kind = ? AND owner_ref = ? AND name = ?",
                (owner_kind, owner_ref, name),
            ).rowcount
            > 0
        )
