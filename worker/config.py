"""The worker's settings: one frozen, typed object read once from ``CDPW_*`` environment variables.

Every knob has a default and a one-line description; the Helm chart's ``values.yaml`` carries the same
names. A bad value fails at start with a message naming the variable (:func:`load_settings`).
Secrets (``CDPW_CDP_API_TOKEN``, ``CDPW_KAFKA_SASL_PASSWORD``,
``CDPW_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET``) may also be read from files (``CDPW_CDP_API_TOKEN_FILE``...),
and are redacted in ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from worker.errors import ConfigurationError
from worker.fates import fate_table

PREFIX = "CDPW_"
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

CommaList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    """Every setting of the worker. Field ``x`` is read from ``CDPW_X``."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    # Kafka
    kafka_bootstrap_servers: str = Field(
        "", description="Kafka bootstrap servers; empty means none configured."
    )
    kafka_topics: CommaList = Field(("commerce-events",), description="Comma-separated input topics.")
    kafka_group_id: str = Field("cdp-worker", description="Consumer group id.")
    kafka_auto_offset_reset: Literal["earliest", "latest"] = Field(
        "earliest", description="Where a new group starts reading."
    )
    kafka_session_timeout_ms: int = Field(10000, ge=1000, description="Consumer group session timeout.")
    kafka_heartbeat_interval_ms: int = Field(2000, ge=100, description="Consumer heartbeat interval.")
    kafka_max_poll_interval_ms: int = Field(
        300000, ge=10000, description="Longest gap between polls before the member is evicted."
    )
    kafka_fetch_wait_max_ms: int = Field(
        100,
        ge=1,
        le=10000,
        description="Longest a fetch waits for data (lower: less latency, more requests).",
    )
    kafka_produce_timeout_ms: int = Field(
        0,
        ge=0,
        le=3_600_000,
        description="How long the broker may take to confirm a dead letter or progress record; 0: as "
        "long as it takes (a Kafka outage is waited out). After a finite timeout the write is tried again.",
    )
    kafka_queued_max_kbytes: int = Field(
        8192, ge=1024, description="Per-partition prefetch buffer of the Kafka client (bounds memory)."
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="Kafka security protocol."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] = Field(
        "PLAIN", description="SASL mechanism when the protocol uses SASL."
    )
    kafka_sasl_username: str = Field("", description="SASL username.")
    kafka_sasl_password: SecretStr = Field(SecretStr(""), description="SASL password (secret).")
    kafka_ssl_ca_location: str = Field(
        "", description="CA bundle for Kafka TLS; empty uses the system store."
    )
    kafka_sasl_oauthbearer_token_endpoint_url: str = Field(
        "", description="OAUTHBEARER: the OIDC token endpoint (client-credentials grant)."
    )
    kafka_sasl_oauthbearer_client_id: str = Field("", description="OAUTHBEARER: the OIDC client id.")
    kafka_sasl_oauthbearer_client_secret: SecretStr = Field(
        SecretStr(""), description="OAUTHBEARER: the OIDC client secret (secret)."
    )
    kafka_sasl_oauthbearer_scope: str = Field("", description="OAUTHBEARER: scope to request; empty: none.")

    # Security: personal data in logs and input limits (worker.redact, worker.limits)
    log_pii: bool = Field(
        False, description="Log emails and names in clear (debugging only); otherwise they are hashed."
    )
    max_value_bytes: int = Field(
        1_048_576, ge=1, description="Largest record value accepted; larger ones are dead-lettered (limit)."
    )
    max_order_lines: int = Field(
        500, ge=1, description="Most lines an order or cart event may carry; more are dead-lettered (limit)."
    )
    max_extension_keys: int = Field(
        100, ge=0, description="Most extension keys of an order or line; more are dead-lettered (limit)."
    )
    max_string_length: int = Field(
        4096, ge=1, description="Longest string field of an event; longer ones are dead-lettered (limit)."
    )

    # Input decoding and ordering
    wire_format: Literal["json", "avro", "avro-registry"] = Field(
        "json", description="How record values are encoded."
    )
    schema_dir: Path = Field(DEFAULT_SCHEMA_DIR, description="Directory of the commerce event Avro schemas.")
    schema_registry_url: str = Field("", description="Schema Registry URL for the avro-registry wire format.")
    ordering_key_field: str = Field(
        "",
        description="Event field whose value orders records (e.g. guest.customer_id); empty: the Kafka key.",
    )

    # Runtime
    max_in_flight: int = Field(1000, ge=1, description="Records held in memory before partitions are paused.")
    max_concurrency: int = Field(
        200, ge=1, description="Records of different keys processed at the same time."
    )
    commit_interval_s: float = Field(1.0, gt=0, description="How often finished offsets are committed.")
    drain_timeout_s: float = Field(
        20.0, gt=0, description="How long in-flight records may finish on stop or revoke."
    )
    sink: Literal["log", "record", "cdp"] = Field(
        "cdp", description="What acts on records: cdp, log or record."
    )
    record_sink_path: Path = Field(Path("processed.jsonl"), description="File the record sink appends to.")
    record_sink_delay_ms: str = Field(
        "0", description="Record sink processing delay, fixed 'N' or uniform range 'A-B' in ms."
    )
    retry_base_s: float = Field(0.2, gt=0, description="First retry backoff.")
    retry_max_s: float = Field(30.0, gt=0, description="Longest single retry backoff.")
    retry_max_attempts: int = Field(
        1000, ge=1, description="Most attempts of one record before it is dead-lettered (with the deadline)."
    )
    retry_deadline_s: float = Field(
        600.0, gt=0, description="How long a record may be retried before it is dead-lettered."
    )

    circuit_failure_threshold: int = Field(
        20, ge=1, description="Transient CDP failures in a row that open an API's circuit (intake pauses)."
    )
    circuit_open_s: float = Field(10.0, gt=0, description="How long an open circuit waits before a probe.")
    rest_rate_limit_per_s: float = Field(
        0.0, ge=0, description="Most REST requests per second (0: no limit); halved while 429s arrive."
    )
    stream_rate_limit_per_s: float = Field(
        0.0, ge=0, description="Most Stream requests per second (0: no limit); halved while 429s arrive."
    )
    fate_overrides: str = Field(
        "", description="Fate table overrides API:STATUS=ACTION, e.g. rest:409=done,*:5xx=dead_letter."
    )

    # Dead letters
    dlq_topic: str = Field("commerce-events.dlq", description="Dead-letter topic.")
    dlq_hold_s: float = Field(
        300.0,
        gt=0,
        description="Policy hold: how long a rejected record is retried, its key waiting behind it.",
    )
    dlq_key_policy: Literal["continue", "follow", "hold"] = Field(
        "continue",
        description="Later records of a failed record's key: continue, follow it to the DLQ, or hold (wait).",
    )

    # CDP
    cdp_base_url: str = Field(
        "https://api-engage-eu.sitecorecloud.io", description="CDP API host for the tenant's region."
    )
    cdp_client_key: str = Field("", description="CDP client key (public tenant identifier).")
    cdp_api_token: SecretStr = Field(SecretStr(""), description="CDP API token for REST and Batch (secret).")
    cdp_point_of_sale: str = Field("", description="Default CDP point of sale when an event names none.")
    cdp_timeout_s: float = Field(10.0, gt=0, description="Timeout of one CDP request.")
    cdp_max_connections: int = Field(100, ge=1, description="Connection pool size of each CDP API client.")

    # Stream API (real-time orders) and its progress state
    state_topic: str = Field(
        "cdp-worker.state", description="Compacted topic of per-key Stream progress (created if missing)."
    )
    state_restore_timeout_s: float = Field(
        120.0,
        ge=5.0,
        description="Longest restore of newly assigned partitions' progress; a longer one stops the worker "
        "(no record of them is processed before). Keep below CDPW_KAFKA_MAX_POLL_INTERVAL_MS.",
    )
    stream_single_event: bool = Field(
        False, description="Identified guests' orders go as IDENTITY + ORDER_CHECKOUT (single event)."
    )
    stream_add_contacts: bool = Field(
        True, description="Include ADD_CONTACTS (the order owner) in multi-event orders."
    )
    stream_send_identity: bool = Field(True, description="Send IDENTITY before an identified guest's order.")
    stream_close_session_after_order: bool = Field(
        True, description="End each order with FORCE_CLOSE so the browser's next order gets its own session."
    )
    stream_session_idle_s: float = Field(
        900.0, gt=0, description="Idle seconds until a CDP session counts as closed (below the tenant's)."
    )

    # Corrections and offline orders (REST v2.1, Batch); the routing table is in worker.mapping.corrections
    route_corrections: Literal["rest", "batch"] = Field(
        "rest", description="API for OrderUpdated/OrderCancelled/OrderRefunded: rest or batch."
    )
    route_deletions: Literal["rest", "batch"] = Field(
        "rest", description="API for OrderDeleted: rest (DELETE) or batch (delete record)."
    )
    route_imports: Literal["rest", "batch"] = Field(
        "batch", description="API for OrderImported (historical, call-centre, third-party orders)."
    )
    route_untracked_orders: Literal["rest", "batch"] = Field(
        "rest", description="API for OrderPlaced of anonymous guests or guests who refused tracking."
    )
    correction_batch_threshold_per_s: float = Field(
        0.0, ge=0, description="Corrections per second above which REST corrections go to Batch; 0: never."
    )
    correction_wait_s: float = Field(
        60.0, ge=0, description="How long a correction waits for its order to appear in CDP."
    )
    correction_fallback: Literal["create", "batch", "dead_letter"] = Field(
        "create", description="When a correction's order never appears: create it, Batch upsert, or DLQ."
    )
    batch_max_records: int = Field(5000, ge=1, description="Records per Batch file before it is uploaded.")
    batch_max_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Gzipped bytes per Batch file (CDP's limit is 50 MB)."
    )
    batch_max_age_s: float = Field(2.0, gt=0, description="Oldest record's wait before a Batch file is sent.")
    batch_poll_base_s: float = Field(0.2, gt=0, description="First wait between Batch status polls.")
    batch_poll_max_s: float = Field(60.0, gt=0, description="Longest wait between Batch status polls.")
    batch_timeout_s: float = Field(
        1800.0, gt=0, description="How long a Batch upload may take to reach a terminal status."
    )

    # Observability
    metrics_host: str = Field("0.0.0.0", description="Address the metrics and health server binds to.")  # noqa: S104  (pods serve metrics on all interfaces)
    metrics_port: int = Field(9100, ge=0, le=65535, description="Port of /metrics, /healthz and /readyz.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    log_format: Literal["json", "text"] = Field("json", description="Log line format.")

    @field_validator("kafka_topics", mode="before")
    @classmethod
    def _split_topics(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if not self.kafka_topics:
            raise ValueError("kafka_topics: at least one topic is needed")
        if self.wire_format == "avro-registry" and not self.schema_registry_url:
            raise ValueError("schema_registry_url: required when wire_format is avro-registry")
        parse_delay_ms(self.record_sink_delay_ms)
        if self.state_restore_timeout_s * 1000 >= self.kafka_max_poll_interval_ms:
            raise ValueError(
                "state_restore_timeout_s: must stay below kafka_max_poll_interval_ms "
                "(the restore holds the poll)"
            )
        try:
            fate_table(self.fate_overrides)
        except ValueError as exc:
            raise ValueError(f"fate_overrides: {exc}") from None
        return self

    def require_bootstrap(self) -> str:
        """The bootstrap servers, or a :class:`ConfigurationError` naming the variable."""
        if not self.kafka_bootstrap_servers:
            raise ConfigurationError(f"{PREFIX}KAFKA_BOOTSTRAP_SERVERS: not set")
        return self.kafka_bootstrap_servers


def parse_delay_ms(spec: str) -> tuple[float, float]:
    """``"5"`` → (5, 5); ``"0-20"`` → (0, 20), in milliseconds."""
    low, _, high = spec.partition("-")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        raise ValueError(f"record_sink_delay_ms: expected N or A-B, got {spec!r}") from None
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(f"record_sink_delay_ms: bad range {spec!r}")
    return bounds


_SECRET_FILES = ("cdp_api_token", "kafka_sasl_password", "kafka_sasl_oauthbearer_client_secret")


def _secret_file_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    overrides = {}
    for name in _SECRET_FILES:
        path = environ.get(f"{PREFIX}{name.upper()}_FILE")
        if path:
            overrides[name] = Path(path).read_text(encoding="utf-8").strip()
    return overrides


def _explain(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if field:
            lines.append(f"{PREFIX}{field.upper()}: {message}")
        else:
            name, _, rest = message.partition(": ")
            lines.append(f"{PREFIX}{name.upper()}: {rest}" if rest else message)
    return "; ".join(lines)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read the settings from ``environ`` (default: the process environment) plus ``overrides``.

    Raises :class:`ConfigurationError` whose message names each offending ``CDPW_*`` variable.
    """
    try:
        if environ is None:
            import os  # noqa: PLC0415  (the process environment is read here only)

            environ = os.environ
        values = {**_secret_file_overrides(environ), **overrides}
        return _from_mapping(environ, values)
    except ValidationError as exc:
        raise ConfigurationError(_explain(exc)) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read a secret file: {exc}") from None


def _from_mapping(environ: Mapping[str, str], values: dict[str, object]) -> Settings:
    fields = Settings.model_fields
    from_env: dict[str, object] = {}
    for name in fields:
        raw = environ.get(f"{PREFIX}{name.upper()}")
        if raw is not None:
            from_env[name] = raw
    return Settings.model_validate({**from_env, **values})
