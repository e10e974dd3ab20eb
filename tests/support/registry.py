"""A small, real Confluent Schema Registry over HTTP, for tests and local runs.

It implements the subset of the REST API that confluent-kafka's ``SchemaRegistryClient`` uses to
register and fetch schemas:

* ``POST /subjects/{subject}/versions``      register (idempotent; one id per distinct schema)
* ``POST /subjects/{subject}``               look a schema up in a subject
* ``GET  /subjects/{subject}/versions/latest`` and ``/versions/{n}``
* ``GET  /schemas/ids/{id}``                 fetch by id
* ``GET  /subjects``                         list subjects

Schemas are kept in memory; ids are global and start at 1 like Confluent's. Errors use Confluent's
body ``{"error_code": 40403, "message": ...}``. Use :func:`start_registry` in-process, or run
``python -m tests.support.registry [port]`` so other processes can share one.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
Reply = tuple[int, object]


@dataclass
class SchemaStore:
    """Registered schemas: id → text, subject → [ids by version]."""

    texts: dict[int, str] = field(default_factory=dict)
    subjects: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, subject: str, text: str) -> int:
        """The id of ``text`` (new if unseen), added as the subject's next version if not in it."""
        with self.lock:
            schema_id = self._id_of(text) or len(self.texts) + 1
            self.texts[schema_id] = text
            versions = self.subjects.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return schema_id

    def _id_of(self, text: str) -> int | None:
        wanted = _canonical(text)
        return next((key for key, known in self.texts.items() if _canonical(known) == wanted), None)

    def version(self, subject: str, version: str) -> Reply:
        """A subject version (``latest`` or a number) as Confluent returns it."""
        versions = self.subjects.get(subject)
        if not versions:
            return 404, _error(40401, f"Subject '{subject}' not found.")
        index = len(versions) if version in ("latest", "-1") else int(version) if version.isdigit() else 0
        if not 1 <= index <= len(versions):
            return 404, _error(40402, f"Version {version} not found.")
        schema_id = versions[index - 1]
        return 200, {"subject": subject, "version": index, "id": schema_id, "schema": self.texts[schema_id]}

    def lookup(self, subject: str, text: str) -> Reply:
        """The version of ``text`` in ``subject``."""
        schema_id = self._id_of(text)
        versions = self.subjects.get(subject, [])
        if schema_id is None or schema_id not in versions:
            return 404, _error(40403, "Schema not found")
        return self.version(subject, str(versions.index(schema_id) + 1))


def _canonical(text: str) -> str:
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def _error(code: int, message: str) -> dict[str, object]:
    return {"error_code": code, "message": message}


def _schema_text(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
        return None
    if body.get("schemaType", "AVRO") != "AVRO":
        return None
    text: str = body["schema"]
    try:
        json.loads(text)
    except ValueError:
        return None
    return text


Route = Callable[[SchemaStore, re.Match[str], Any], Reply]


def _register(store: SchemaStore, match: re.Match[str], body: Any) -> Reply:
    text = _schema_text(body)
    if text is None:
        return 422, _error(42201, "Invalid schema")
    return 200, {"id": store.register(unquote(match["subject"]), text)}


def _lookup(store: SchemaStore, match: re.Match[str], body: Any) -> Reply:
    text = _schema_text(body)
    if text is None:
        return 422, _error(42201, "Invalid schema")
    return store.lookup(unquote(match["subject"]), text)


def _by_id(store: SchemaStore, match: re.Match[str], _body: Any) -> Reply:
    text = store.texts.get(int(match["id"]))
    if text is None:
        return 404, _error(40403, f"Schema {match['id']} not found")
    return 200, {"schema": text}


def _version(store: SchemaStore, match: re.Match[str], _body: Any) -> Reply:
    return store.version(unquote(match["subject"]), match["version"])


def _subjects(store: SchemaStore, _match: re.Match[str], _body: Any) -> Reply:
    return 200, sorted(store.subjects)


ROUTES: tuple[tuple[str, re.Pattern[str], Route], ...] = (
    ("POST", re.compile(r"/subjects/(?P<subject>[^/]+)/versions"), _register),
    ("POST", re.compile(r"/subjects/(?P<subject>[^/]+)"), _lookup),
    ("GET", re.compile(r"/schemas/ids/(?P<id>[0-9]+)"), _by_id),
    ("GET", re.compile(r"/subjects/(?P<subject>[^/]+)/versions/(?P<version>[^/]+)"), _version),
    ("GET", re.compile(r"/subjects"), _subjects),
)


class _Handler(BaseHTTPRequestHandler):
    store: SchemaStore

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        path = urlsplit(self.path).path
        status: int = 404
        payload: object = _error(404, f"no route for {method} {path}")
        for verb, pattern, route in ROUTES:
            match = pattern.fullmatch(path)
            if verb == method and match:
                status, payload = self._call(route, match)
                break
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _call(self, route: Route, match: re.Match[str]) -> Reply:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, _error(400, "body is not JSON")
        return route(self.store, match, body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read results, not access logs."""


def start_registry(port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve a fresh, empty registry on 127.0.0.1 in a daemon thread: ``(url, stop)``."""
    handler = type("RegistryHandler", (_Handler,), {"store": SchemaStore()})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="schema-registry", daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_address[1]}", stop


def main(argv: list[str]) -> int:
    """Run a registry in the foreground (port from argv, default any) until interrupted."""
    url, stop = start_registry(int(argv[0]) if argv else 0)
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
