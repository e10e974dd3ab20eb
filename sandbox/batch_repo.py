"""Batch documents (in the core's ``batches`` table) plus this module's blobs: upload and error log."""

from __future__ import annotations

import sqlite3

from sandbox.batch_state import Batch, from_doc, to_doc
from sandbox.repo_journal import Journal

SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_blobs (
    batch_ref TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, upload BLOB, log BLOB);
"""


class BatchRepo:
    """Load and save :class:`Batch` documents and their files."""

    def __init__(self, conn: sqlite3.Connection, journal: Journal) -> None:
        self._conn = conn
        self._journal = journal

    def ensure_schema(self) -> None:
        """Create the blob table if needed."""
        self._conn.executescript(SCHEMA)

    def get(self, ref: str) -> Batch | None:
        """The batch ``ref``, or None."""
        record = self._journal.get_batch(ref)
        return None if record is None else from_doc(record.data)

    def save(self, batch: Batch) -> Batch:
        """Store ``batch`` (create or replace); the token → ref mapping is kept alongside."""
        self._journal.put_batch(batch.ref, to_doc(batch), batch.modified_at)
        self._conn.execute(
            "INSERT INTO batch_blobs (batch_ref, token) VALUES (?, ?) "
            "ON CONFLICT (batch_ref) DO UPDATE SET token = excluded.token",
            (batch.ref, batch.token),
        )
        return batch

    def all(self) -> list[Batch]:
        """Every batch, oldest first."""
        return [from_doc(record.data) for record in self._journal.batches()]

    def by_token(self, token: str) -> Batch | None:
        """The batch whose upload URL or log carries ``token``."""
        row = self._conn.execute("SELECT batch_ref FROM batch_blobs WHERE token = ?", (token,)).fetchone()
        return None if row is None else self.get(str(row[0]))

    def put_upload(self, ref: str, data: bytes) -> None:
        """Keep the uploaded file (so processing can resume after a restart)."""
        self._conn.execute("UPDATE batch_blobs SET upload = ?, log = NULL WHERE batch_ref = ?", (data, ref))

    def upload(self, ref: str) -> bytes:
        """The uploaded file (empty when none)."""
        row = self._conn.execute("SELECT upload FROM batch_blobs WHERE batch_ref = ?", (ref,)).fetchone()
        return b"" if row is None or row[0] is None else bytes(row[0])

    def put_log(self, ref: str, data: bytes) -> None:
        """Keep the gzipped NDJSON error log."""
        self._conn.execute("UPDATE batch_blobs SET log = ? WHERE batch_ref = ?", (data, ref))

    def log(self, ref: str) -> bytes | None:
        """The gzipped error log, or None."""
        row = self._conn.execute("SELECT log FROM batch_blobs WHERE batch_ref = ?", (ref,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])
