"""Redaction: secrets masked everywhere in a log record; emails and names hashed unless the switch says so."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from worker.config import load_settings
from worker.logs import JsonFormatter
from worker.redact import MASK, RedactingFilter, Redactor, install, pii_hash, settings_secrets

TOKEN = "tok-3f9a0c2e-SECRET"
EMAIL = "zoe.muller.7@example.com"
REDACTOR = Redactor.of([TOKEN])


def test_a_secret_and_its_url_encoded_form_are_masked() -> None:
    text = f"Authorization failed for {TOKEN}; url=https://cdp/x?token={quote('a/' + TOKEN, safe='')}"
    assert TOKEN not in REDACTOR.text(text)
    assert REDACTOR.text(TOKEN) == MASK


def test_credentials_in_request_urls_are_masked() -> None:
    url = ("PUT https://bucket.s3.amazonaws.com/b/1?X-Amz-Credential=AKIA1%2F2026&X-Amz-Date=20261127"
           "&X-Amz-Signature=9f86d081884c7d65&token=abc123 failed")  # fmt: skip
    redacted = REDACTOR.text(url)
    assert "AKIA1" not in redacted
    assert "9f86d081884c7d65" not in redacted
    assert "abc123" not in redacted
    assert "X-Amz-Date=20261127" in redacted


def test_a_plain_email_becomes_its_hash() -> None:
    assert REDACTOR.text(f"guest {EMAIL} ordered") == f"guest {pii_hash(EMAIL)} ordered"


@pytest.mark.parametrize(
    ("text", "email"),
    [("<zoe@example.com>", "zoe@example.com"), ("%22a.b%40shop.example.de%22", "a.b@shop.example.de"),
     ("mail=x_y+1@mail.example.org,", "x_y+1@mail.example.org")],
)  # fmt: skip
def test_emails_are_found_at_their_boundaries(text: str, email: str) -> None:
    assert pii_hash(email) in REDACTOR.text(text)
    assert "example" not in REDACTOR.text(text)


def test_an_at_sign_without_a_local_part_is_left_alone() -> None:
    assert REDACTOR.text("meet @example.com at 5") == "meet @example.com at 5"


def test_an_email_in_a_stream_query_string_is_hashed() -> None:
    message = quote(json.dumps({"type": "IDENTITY", "identifiers": [{"provider": "email", "id": EMAIL}]}))
    redacted = REDACTOR.text(f"GET https://cdp/v1.2/event/create.json?client_key=k&message={message}")
    assert "zoe.muller" not in redacted
    assert pii_hash(EMAIL) in redacted


@pytest.mark.parametrize(
    "text",
    [
        '{"firstname": "Zoë", "lastname": "Müller", "email": "zoe@example.com"}',
        "{'first_name': 'Zoë', 'last_name': 'Müller'}",
        quote('{"firstname":"Zoë","lastname":"Müller"}'),
        quote('{"firstname": "Zoë", "lastname": "Müller"}'),
    ],
)
def test_names_in_json_repr_and_url_encoded_text_are_hashed(text: str) -> None:
    redacted = REDACTOR.text(text)
    assert "Zo" not in redacted
    assert "M%C3%BCller" not in redacted
    assert "Müller" not in redacted


def test_product_names_and_other_fields_stay_readable() -> None:
    text = '{"name": "Trail Runner", "currency": "EUR"}'
    assert REDACTOR.text(text) == text


def test_with_the_pii_switch_personal_data_stays_but_secrets_do_not() -> None:
    clear = Redactor.of([TOKEN], hash_pii=False)
    assert clear.text(f"{EMAIL} {TOKEN}") == f"{EMAIL} {MASK}"


def test_secrets_shorter_than_four_characters_are_not_masked_everywhere() -> None:
    assert Redactor.of(["ab", ""]).text("about cabs") == "about cabs"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(REDACTOR))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_message_arguments_extras_and_exceptions_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise RuntimeError(f"CDP said no to {TOKEN} for {EMAIL}")
    except RuntimeError:
        logger.exception("failed %s", EMAIL, extra={"email": EMAIL, "detail": f"token={TOKEN}", "n": 3})
    line = json.loads(stream.getvalue())
    assert TOKEN not in stream.getvalue()
    assert EMAIL not in stream.getvalue()
    assert line["msg"] == f"failed {pii_hash(EMAIL)}"
    assert line["email"] == pii_hash(EMAIL)
    assert line["detail"] == f"token={MASK}"
    assert line["n"] == 3
    assert "RuntimeError" in line["exc"]


def test_settings_secrets_are_the_secret_fields_and_never_in_repr() -> None:
    environ = {
        "CDPW_CDP_API_TOKEN": TOKEN,
        "CDPW_KAFKA_SASL_PASSWORD": "pw-123456",
        "CDPW_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET": "oidc-secret-9",
    }
    settings = load_settings(environ)
    assert sorted(settings_secrets(settings)) == sorted([TOKEN, "pw-123456", "oidc-secret-9"])
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert TOKEN not in text
        assert "pw-123456" not in text
        assert "oidc-secret-9" not in text


def test_install_puts_the_filter_on_every_handler_of_the_logger() -> None:
    logger = logging.getLogger("test.redact.install")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    install([TOKEN], hash_pii=True, root=logger)
    logger.warning("token %s", TOKEN)
    assert stream.getvalue().strip() == f"token {MASK}"
