"""The local Avro schemas: ``<EventType>.avsc`` (current) and ``<EventType>.v<N>.avsc`` (previous).

The current file of a type is version ``N + 1`` where ``N`` is its highest numbered file (version 1
when there is none). Everything is read and parsed once, when the catalog is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro

from worker.errors import ConfigurationError, UnknownSchemaError
from worker.events import EVENT_TYPES

_VERSIONED = re.compile(r"(?P<name>[A-Za-z]+)\.v(?P<version>[0-9]+)\.avsc")
_CURRENT = re.compile(r"(?P<name>[A-Za-z]+)\.avsc")


@dataclass(frozen=True, slots=True)
class EventSchema:
    """One version of one event type's schema."""

    event_type: str
    version: int
    text: str
    declared: Mapping[str, Any]
    parsed: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every schema version of every event type, by type and version."""

    versions: Mapping[str, Mapping[int, EventSchema]]

    def current(self, event_type: str) -> EventSchema:
        """The current schema of ``event_type``; UnknownSchemaError when there is none."""
        versions = self.versions.get(event_type)
        if not versions:
            raise UnknownSchemaError(f"no schema for event type {event_type!r}", "event_type")
        return versions[max(versions)]

    def version(self, event_type: str, version: int) -> EventSchema:
        """A given version of ``event_type``'s schema; UnknownSchemaError when there is none."""
        found = self.versions.get(event_type, {}).get(version)
        if found is None:
            raise UnknownSchemaError(f"no schema version {version} for event type {event_type!r}", "")
        return found


def load_catalog(schema_dir: Path) -> Catalog:
    """Read and parse every event schema in ``schema_dir``.

    Raises ConfigurationError (naming the file) when the directory or a schema is unusable or an
    event type of the worker has no schema.
    """
    found: dict[str, dict[int | None, Path]] = {}
    for path in sorted(schema_dir.glob("*.avsc")):
        name, version = _name_version(path)
        found.setdefault(name, {})[version] = path
    missing = sorted(set(EVENT_TYPES) - set(found))
    if missing:
        raise ConfigurationError(f"CDPW_SCHEMA_DIR {schema_dir}: no schema for {', '.join(missing)}")
    return Catalog({name: _versions(name, files) for name, files in found.items() if name in EVENT_TYPES})


def _name_version(path: Path) -> tuple[str, int | None]:
    match = _VERSIONED.fullmatch(path.name) or _CURRENT.fullmatch(path.name)
    if match is None:
        expected = "expected <EventType>.avsc or <EventType>.v<N>.avsc"
        raise ConfigurationError(f"CDPW_SCHEMA_DIR: schema file {path}: {expected}")
    version = match.groupdict().get("version")
    return match["name"], int(version) if version else None


def _versions(name: str, files: Mapping[int | None, Path]) -> dict[int, EventSchema]:
    numbered = [version for version in files if version is not None]
    current = max(numbered, default=0) + 1
    loaded = {version: _load(name, version, path) for version, path in files.items() if version is not None}
    if None in files:
        loaded[current] = _load(name, current, files[None])
    return loaded


def _load(name: str, version: int, path: Path) -> EventSchema:
    text = path.read_text(encoding="utf-8")
    try:
        declared = json.loads(text)
        parsed = fastavro.parse_schema(declared)
    except Exception as exc:  # fastavro raises SchemaParseException, UnknownType, KeyError...
        raise ConfigurationError(f"CDPW_SCHEMA_DIR: schema file {path}: {exc}") from exc
    if not isinstance(parsed, dict) or str(declared.get("name", "")).rsplit(".", 1)[-1] != name:
        raise ConfigurationError(f"CDPW_SCHEMA_DIR: schema file {path}: record name must be {name}")
    return EventSchema(name, version, text, declared, parsed)
