"""Record bytes ⇄ validated events, in three wire formats (the decoding edge of the worker).

* ``json``: a UTF-8 JSON object validated against the Avro schema of its ``event_type``;
* ``avro``: a schemaless Avro body; header ``cdpw.event_type`` (and ``cdpw.schema_version``,
  default current) selects the local writer schema;
* ``avro-registry``: Confluent wire format; the writer schema comes from the schema registry.

Every failure is a :class:`~worker.errors.DecodeError` subclass (``EmptyRecordError``,
``UnknownSchemaError``, ``ValidationError``) whose ``path`` names the field, or a
``TransientError`` when the schema registry is unreachable. Schemas are parsed once, here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from confluent_kafka.schema_registry import SchemaRegistryClient

from worker.codec.catalog import load_catalog
from worker.codec.local import AvroDecoder, AvroEncoder, JsonDecoder, JsonEncoder, json_checks
from worker.codec.registry import RegistryClient, RegistryDecoder, RegistryEncoder, subject_of
from worker.codec.wire import EVENT_TYPE_HEADER, SCHEMA_VERSION_HEADER
from worker.errors import ConfigurationError
from worker.events import Event

WIRE_FORMATS = ("json", "avro", "avro-registry")

__all__ = [
    "EVENT_TYPE_HEADER",
    "SCHEMA_VERSION_HEADER",
    "WIRE_FORMATS",
    "Decoder",
    "Encoder",
    "build_decoder",
    "build_encoder",
    "registry_client",
    "subject_of",
]


class Decoder(Protocol):
    """Turns one record's value (and headers) into a validated event."""

    def decode(self, value: bytes | None, headers: Sequence[tuple[str, bytes | None]] | None) -> Event:
        """The event; raises a DecodeError subclass (or TransientError for a registry outage)."""
        ...  # pragma: no cover - protocol


class Encoder(Protocol):
    """Turns an event into the value and headers to produce."""

    def encode(self, event: Event) -> tuple[bytes, list[tuple[str, bytes]]]:
        """Value and headers; raises EncodeError (or TransientError for a registry outage)."""
        ...  # pragma: no cover - protocol


def build_decoder(wire_format: str, schema_dir: Path, registry_url: str | None = None) -> Decoder:
    """A decoder for ``wire_format`` with every schema in ``schema_dir`` parsed up front.

    Raises ConfigurationError for an unknown format, an unusable schema directory, or
    ``avro-registry`` without a registry URL.
    """
    catalog = load_catalog(schema_dir)
    if wire_format == "json":
        return JsonDecoder(json_checks(catalog))
    if wire_format == "avro":
        return AvroDecoder(catalog)
    return RegistryDecoder(catalog, _registry_client(wire_format, registry_url))


def build_encoder(wire_format: str, schema_dir: Path, registry_url: str | None = None) -> Encoder:
    """An encoder for ``wire_format`` (the inverse of :func:`build_decoder`)."""
    catalog = load_catalog(schema_dir)
    if wire_format == "json":
        return JsonEncoder(catalog, json_checks(catalog))
    if wire_format == "avro":
        return AvroEncoder(catalog)
    return RegistryEncoder(catalog, _registry_client(wire_format, registry_url))


def _registry_client(wire_format: str, registry_url: str | None) -> RegistryClient:
    if wire_format != "avro-registry":
        raise ConfigurationError(f"CDPW_WIRE_FORMAT: {wire_format!r} is not one of {', '.join(WIRE_FORMATS)}")
    if not registry_url:
        raise ConfigurationError("CDPW_SCHEMA_REGISTRY_URL: required for the avro-registry wire format")
    return registry_client(registry_url)


@functools.cache
def registry_client(registry_url: str) -> RegistryClient:
    """One client per registry URL in a process: it caches ids, and a ``mock://`` registry lives in it."""
    # Few, short client retries: a registry outage surfaces as TransientError and the worker's retry
    # policy (with backoff and metrics) takes over instead of stalling inside the client.
    conf = {"url": registry_url, "timeout": 10, "max.retries": 1, "retries.wait.ms": 200}
    client: RegistryClient = SchemaRegistryClient.new_client(conf)
    return client
