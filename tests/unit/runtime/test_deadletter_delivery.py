"""A failed dead-letter delivery report: an outage is retried, a refusal stops the worker."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from worker.errors import DeadLetterError, DeadLetterPendingError, Fate, fate_of
from worker.runtime.deadletters import delivery_error


@pytest.mark.parametrize(
    "code",
    [KafkaError._MSG_TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN,
     KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.LEADER_NOT_AVAILABLE],
)  # fmt: skip
def test_an_unconfirmed_write_is_an_outage_tried_again(code: int) -> None:
    error = delivery_error(KafkaError(code), "orders.dlq")
    assert isinstance(error, DeadLetterPendingError)
    assert fate_of(error) is Fate.RETRY
    assert "orders.dlq" in str(error)


@pytest.mark.parametrize(
    "code",
    [KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.MSG_SIZE_TOO_LARGE, KafkaError.TOPIC_EXCEPTION,
     KafkaError._UNKNOWN_TOPIC],
)  # fmt: skip
def test_a_refused_write_stops_the_worker(code: int) -> None:
    error = delivery_error(KafkaError(code), "orders.dlq")
    assert isinstance(error, DeadLetterError)
    assert fate_of(error) is Fate.STOP
