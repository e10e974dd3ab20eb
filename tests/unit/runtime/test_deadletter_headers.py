from worker.errors import RejectedError, ValidationError
from worker.runtime.deadletters import Failure, dead_letter_headers
from worker.runtime.records import Record

RECORD = Record("orders", 3, 42, b"guest-1", b"\x00\x01raw", (("trace", b"abc"),), 1_700_000_000_000)


def _headers(error: Exception, stage: str = "decode") -> dict[str, bytes | None]:
    failure = Failure(stage, error, attempts=2, first_failure=1_700_000_001.0, last_failure=1_700_000_002.5)
    return dict(dead_letter_headers(RECORD, failure, connector="cdp-worker"))


def test_dead_letter_keeps_original_headers_and_adds_connect_context() -> None:
    headers = _headers(ValidationError("must be 3 upper-case letters", path="order.currency"))
    assert headers["trace"] == b"abc"
    assert headers["__connect.errors.topic"] == b"orders"
    assert headers["__connect.errors.partition"] == b"3"
    assert headers["__connect.errors.offset"] == b"42"
    assert headers["__connect.errors.stage"] == b"decode"
    assert headers["__connect.errors.exception.class.name"] == b"worker.errors.ValidationError"
    assert headers["__connect.errors.exception.message"] == b"order.currency: must be 3 upper-case letters"
    assert headers["cdpw.reason"] == b"invalid"
    assert headers["cdpw.attempts"] == b"2"
    assert headers["cdpw.first.failure"] == b"2023-11-14T22:13:21.000Z"
    assert headers["cdpw.last.failure"] == b"2023-11-14T22:13:22.500Z"
    assert "cdpw.http.status" not in headers


def test_http_rejections_carry_status_and_a_response_excerpt() -> None:
    body = '{"status":400,"message":"' + "x" * 5000 + '"}'
    headers = _headers(RejectedError("event rejected", status=400, body=body), stage="stream")
    assert headers["cdpw.http.status"] == b"400"
    response = headers["cdpw.http.response"]
    assert response is not None and response.startswith(b'{"status":400') and len(response) == 1000
