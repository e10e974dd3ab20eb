"""Guests, their identifiers, and browsers (browser id → guest)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping

from sandbox import jsonio
from sandbox.rows import Guest, GuestFields, Identifier

_GUEST_COLUMNS = (
    "guest_ref, guest_type, email, first_name, last_name, pii, created_by, created_at, modified_at, "
    "merged_into"
)
_UPDATABLE = frozenset({"guest_type", "email", "first_name", "last_name", "pii", "merged_into"})


def _guest(row: tuple[object, ...]) -> Guest:
    ref, kind, email, first, last, pii, created_by, created_at, modified_at, merged = row
    return Guest(
        guest_ref=str(ref),
        guest_type=str(kind),
        email=_opt(email),
        first_name=_opt(first),
        last_name=_opt(last),
        pii=jsonio.loads(str(pii)),
        created_by=str(created_by),
        created_at=str(created_at),
        modified_at=str(modified_at),
        merged_into=_opt(merged),
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _normal_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


class GuestRepo:
    """Guest profiles. Emails are stored lower-case; identifier matching is case-insensitive."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(self, fields: GuestFields, created_by: str, now: str) -> Guest:
        """Create a guest (no duplicate check: callers look up first, as CDP requires)."""
        ref = str(uuid.uuid4())
        self._conn.execute(
            f"INSERT INTO guests ({_GUEST_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,NULL)",  # noqa: S608  (constant)
            (
                ref,
                fields.guest_type,
                _normal_email(fields.email),
                fields.first_name,
                fields.last_name,
                jsonio.dumps(dict(fields.pii)).decode(),
                created_by,
                now,
                now,
            ),
        )
        return self._require(ref)

    def get(self, guest_ref: str) -> Guest | None:
        """The guest with ``guest_ref``, or ``None``."""
        row = self._conn.execute(
            f"SELECT {_GUEST_COLUMNS} FROM guests WHERE guest_ref = ?",  # noqa: S608  (constant)
            (guest_ref,),
        ).fetchone()
        return None if row is None else _guest(row)

    def find_by_email(self, email: str) -> list[Guest]:
        """Active (not merged) guests with this email, case-insensitively."""
        rows = self._conn.execute(
            f"SELECT {_GUEST_COLUMNS} FROM guests WHERE email = ? AND merged_into IS NULL",  # noqa: S608  (constant)
            (_normal_email(email),),
        ).fetchall()
        return [_guest(row) for row in rows]

    def find_by_identifier(self, provider: str, id_: str) -> Guest | None:
        """The guest holding identifier (``provider``, ``id_``), case-insensitively."""
        row = self._conn.execute(
            "SELECT guest_ref FROM identifiers WHERE provider_key = ? AND id_key = ?",
            (provider.casefold(), id_.casefold()),
        ).fetchone()
        return None if row is None else self.get(str(row[0]))

    def add_identifier(self, guest_ref: str, identifier: Identifier) -> None:
        """Attach ``identifier`` to the guest (moving it if another guest held it)."""
        self._conn.execute(
            "INSERT OR REPLACE INTO identifiers VALUES (?,?,?,?,?,?)",
            (
                identifier.provider.casefold(),
                identifier.id.casefold(),
                identifier.provider,
                identifier.id,
                identifier.expiry_date,
                guest_ref,
            ),
        )

    def identifiers(self, guest_ref: str) -> list[Identifier]:
        """The guest's identifiers in insertion order."""
        rows = self._conn.execute(
            "SELECT provider, id, expiry_date FROM identifiers WHERE guest_ref = ? ORDER BY rowid",
            (guest_ref,),
        ).fetchall()
        return [Identifier(str(p), str(i), _opt(e)) for p, i, e in rows]

    def update(self, guest_ref: str, changes: Mapping[str, object], now: str) -> Guest:
        """Set the given columns (names of :class:`GuestFields` plus ``merged_into``)."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable guest fields: {sorted(unknown)}")
        values = {k: _column_value(k, v) for k, v in changes.items()}
        assignments = ", ".join(f"{name} = ?" for name in values)
        self._conn.execute(
            f"UPDATE guests SET {assignments}, modified_at = ? WHERE guest_ref = ?",  # noqa: S608  (names checked above)
            (*values.values(), now, guest_ref),
        )
        return self._require(guest_ref)

    def all(self, offset: int = 0, limit: int = 1000) -> list[Guest]:
        """Guests in creation order."""
        rows = self._conn.execute(
            f"SELECT {_GUEST_COLUMNS} FROM guests ORDER BY rowid LIMIT ? OFFSET ?",  # noqa: S608  (constant)
            (limit, offset),
        ).fetchall()
        return [_guest(row) for row in rows]

    def _require(self, guest_ref: str) -> Guest:
        guest = self.get(guest_ref)
        if guest is None:
            raise KeyError(guest_ref)
        return guest


def _column_value(name: str, value: object) -> object:
    if name == "pii":
        return jsonio.dumps(value).decode()
    if name == "email":
        return _normal_email(value if isinstance(value, str) else None)
    return value


class BrowserRepo:
    """Browser ids handed out by ``browser/create`` and the guest each one belongs to."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(self, guest_ref: str, now: str) -> str:
        """A new browser id (UUID) attached to ``guest_ref``."""
        browser_id = str(uuid.uuid4())
        self._conn.execute("INSERT INTO browsers VALUES (?,?,?)", (browser_id, guest_ref, now))
        return browser_id

    def guest_of(self, browser_id: str) -> str | None:
        """The guest ref of ``browser_id``, or ``None`` for an unknown browser."""
        row = self._conn.execute(
            "SELECT guest_ref FROM browsers WHERE browser_id = ?", (browser_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def relink(self, browser_id: str, guest_ref: str) -> None:
        """Attach the browser to another guest (identity resolution found an existing profile)."""
        self._conn.execute("UPDATE browsers SET guest_ref = ? WHERE browser_id = ?", (guest_ref, browser_id))

    def of_guest(self, guest_ref: str) -> list[str]:
        """Browser ids attached to ``guest_ref``."""
        rows = self._conn.execute(
            "SELECT browser_id FROM browsers WHERE guest_ref = ? ORDER BY rowid", (guest_ref,)
        ).fetchall()
        return [str(row[0]) for row in rows]
