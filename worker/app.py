"""Composition root: settings → codec, sink, dead letters, engine, intake, metrics; signals; clean stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvloop
from confluent_kafka import Producer
from prometheus_client import CollectorRegistry, disable_created_metrics

from worker import redact
from worker.codec import build_decoder
from worker.config import Settings, parse_delay_ms
from worker.errors import ConfigurationError
from worker.health import HealthServer
from worker.limits import LimitedDecoder, Limits
from worker.metrics import Metrics, create_metrics
from worker.retry import Backoff
from worker.runtime.cdp_sink import build_cdp_sink
from worker.runtime.deadletters import DeadLetterWriter
from worker.runtime.engine import Engine, EngineOptions
from worker.runtime.intake import Intake, IntakeOptions
from worker.runtime.router_sink import build_router_sink
from worker.runtime.sinks import LogSink, RecordSink, Sink

log = logging.getLogger("worker.app")

EXIT_OK, EXIT_FATAL, EXIT_CONFIG = 0, 1, 2


def kafka_common(settings: Settings) -> dict[str, Any]:
    """Client settings shared by consumers, producers and admin clients."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.require_bootstrap(),
        "security.protocol": settings.kafka_security_protocol,
    }
    if "SASL" in settings.kafka_security_protocol:
        conf.update(_sasl_conf(settings))
    if settings.kafka_ssl_ca_location:
        conf["ssl.ca.location"] = settings.kafka_ssl_ca_location
    return conf


def _sasl_conf(settings: Settings) -> dict[str, Any]:
    """PLAIN and SCRAM log in with username and password; OAUTHBEARER fetches OIDC tokens itself."""
    if settings.kafka_sasl_mechanism != "OAUTHBEARER":
        return {
            "sasl.mechanism": settings.kafka_sasl_mechanism,
            "sasl.username": settings.kafka_sasl_username,
            "sasl.password": settings.kafka_sasl_password.get_secret_value(),
        }
    conf = {
        "sasl.mechanism": "OAUTHBEARER",
        "sasl.oauthbearer.method": "oidc",
        "sasl.oauthbearer.token.endpoint.url": settings.kafka_sasl_oauthbearer_token_endpoint_url,
        "sasl.oauthbearer.client.id": settings.kafka_sasl_oauthbearer_client_id,
        "sasl.oauthbearer.client.secret": settings.kafka_sasl_oauthbearer_client_secret.get_secret_value(),
    }
    if settings.kafka_sasl_oauthbearer_scope:
        conf["sasl.oauthbearer.scope"] = settings.kafka_sasl_oauthbearer_scope
    return conf


def consumer_conf(settings: Settings) -> dict[str, Any]:
    return {
        **kafka_common(settings),
        "group.id": settings.kafka_group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": settings.kafka_auto_offset_reset,
        "partition.assignment.strategy": "cooperative-sticky",
        "session.timeout.ms": settings.kafka_session_timeout_ms,
        "heartbeat.interval.ms": settings.kafka_heartbeat_interval_ms,
        "max.poll.interval.ms": settings.kafka_max_poll_interval_ms,
        "queued.max.messages.kbytes": settings.kafka_queued_max_kbytes,
        "statistics.interval.ms": 5000,
        "fetch.wait.max.ms": settings.kafka_fetch_wait_max_ms,
    }


def producer_conf(settings: Settings) -> dict[str, Any]:
    return {
        **kafka_common(settings),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": settings.kafka_produce_timeout_ms,
    }


SINKS: dict[str, Callable[[Settings, Metrics], Sink]] = {
    "log": lambda _s, _m: LogSink(),
    "record": lambda s, _m: RecordSink(s.record_sink_path, parse_delay_ms(s.record_sink_delay_ms)),
    "cdp": lambda s, m: build_router_sink(s, m, build_cdp_sink(s, m, kafka_common(s))),
}


def build_sink(settings: Settings, metrics: Metrics) -> Sink:
    factory = SINKS.get(settings.sink)
    if factory is None:
        raise ConfigurationError(f"CDPW_SINK: '{settings.sink}' is not available in this build")
    return factory(settings, metrics)


class ProducerPoller:
    """Serves a producer's delivery reports on a background thread."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dlq-producer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.producer.poll(0.1)

    def close(self, timeout: float = 10.0) -> None:
        self.producer.flush(timeout)
        self._stop.set()
        self._thread.join(timeout)


@dataclass
class Worker:
    """A running worker; :meth:`run` returns the process exit code."""

    settings: Settings
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: BaseException | None = None
    metrics_port: int = 0

    def fail(self, error: BaseException) -> None:
        """Stop the worker because of ``error`` (finished records are still committed)."""
        if self.fatal is None:
            self.fatal = error
        self.stopping.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        settings = self.settings
        metrics = create_metrics(self.registry)
        decoder = decoder_for(settings)
        poller = ProducerPoller(Producer(producer_conf(settings)))
        dead_letters = DeadLetterWriter(
            poller.producer.produce, settings.dlq_topic, settings.kafka_group_id, loop
        )
        sink = build_sink(settings, metrics)
        engine = Engine(decoder, sink, dead_letters, metrics, engine_options(settings), self.fail)
        intake = Intake(consumer_conf(settings), _intake_options(settings), engine, metrics, loop, self.fail)
        health = HealthServer(self.registry, lambda: (True, "alive"), lambda: self._ready(intake, engine))
        self.metrics_port = await health.start(settings.metrics_host, settings.metrics_port)
        log.info("worker started", extra={"metrics_port": self.metrics_port, "topics": settings.kafka_topics})
        poller.start()
        intake.start()
        await self.stopping.wait()
        await self._shutdown(engine, intake, poller, health)
        return EXIT_OK if self.fatal is None else EXIT_FATAL

    def _ready(self, intake: Intake, engine: Engine) -> tuple[bool, str]:
        if self.stopping.is_set():
            return False, "stopping"
        if not engine.accepting:
            return False, f"circuit open for {', '.join(engine.breakers.open_apis())}"
        if not intake.assigned:
            return False, "no partitions assigned"
        if engine.restoring:
            # Records of the new partitions wait for it: a rollout must not count this pod in yet.
            return False, "restoring the state of newly assigned partitions"
        return True, f"{len(intake.assigned)} partitions assigned"

    async def _shutdown(
        self, engine: Engine, intake: Intake, poller: ProducerPoller, health: HealthServer
    ) -> None:
        log.info("stopping: draining in-flight records", extra={"in_flight": intake.in_flight})
        intake.stop_taking()
        drained = await engine.drain(self.settings.drain_timeout_s)
        if not drained:
            log.warning("drain deadline passed; unfinished records will be read again by the next owner")
        await intake.close()
        await engine.aclose()
        await asyncio.to_thread(poller.close)
        await health.stop()
        log.info("stopped", extra={"drained": drained, "fatal": repr(self.fatal) if self.fatal else None})


def engine_options(settings: Settings) -> EngineOptions:
    return EngineOptions(
        max_concurrency=settings.max_concurrency,
        ordering_key_field=settings.ordering_key_field,
        backoff=Backoff(settings.retry_base_s, settings.retry_max_s),
        retry_deadline_s=settings.retry_deadline_s,
        retry_max_attempts=settings.retry_max_attempts,
        dlq_key_policy=settings.dlq_key_policy,
        dlq_hold_s=settings.dlq_hold_s,
        circuit_threshold=settings.circuit_failure_threshold,
        circuit_open_s=settings.circuit_open_s,
    )


def decoder_for(settings: Settings) -> LimitedDecoder:
    """The configured wire format's decoder behind the input limits."""
    registry = settings.schema_registry_url or None
    return LimitedDecoder(
        build_decoder(settings.wire_format, settings.schema_dir, registry), input_limits(settings)
    )


def input_limits(settings: Settings) -> Limits:
    return Limits(
        max_value_bytes=settings.max_value_bytes,
        max_order_lines=settings.max_order_lines,
        max_extension_keys=settings.max_extension_keys,
        max_string_length=settings.max_string_length,
    )


def _intake_options(settings: Settings) -> IntakeOptions:
    return IntakeOptions(
        topics=settings.kafka_topics,
        max_in_flight=settings.max_in_flight,
        commit_interval_s=settings.commit_interval_s,
        drain_timeout_s=settings.drain_timeout_s,
        restore_timeout_s=settings.state_restore_timeout_s,
    )


def run(settings: Settings) -> int:
    """Run the worker until SIGTERM/SIGINT or a fatal error; returns the exit code."""
    disable_created_metrics()  # type: ignore[no-untyped-call]  # shipped unannotated
    redact.install(redact.settings_secrets(settings), hash_pii=not settings.log_pii)
    return uvloop.run(_main(settings))


async def _main(settings: Settings) -> int:
    worker = Worker(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stopping.set)
    return await worker.run()
