"""Log redaction: secrets never reach a log line; personal data reaches it only hashed.

:class:`Redactor` rewrites text: every configured secret (and its URL-encoded form) and every
credential query parameter (pre-signed URL signatures, ``token=``) becomes ``***``; emails
(plain or URL-encoded, as in Stream query strings) and the values of personal fields in JSON or
Python-repr text (``"firstname": "Zoë"``, ``%22lastname%22%3A%22…``) become
``pii:<first 12 hex of sha256>``, so equal values still correlate across lines. With
``hash_pii=False`` (``CDPW_LOG_PII=true``, debugging only) personal data stays in clear; secrets
are redacted regardless.

:class:`RedactingFilter` applies it to a log record's message, arguments, extra fields,
exception text and stack, so it covers third-party loggers (httpx logs request URLs) when it is
installed on the handler.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from pydantic import SecretStr

MASK = "***"
#: Field names whose values are personal data (the commerce events' and CDP's spellings).
PII_FIELDS = (
    "email",
    "first_name",
    "firstname",
    "firstName",
    "last_name",
    "lastname",
    "lastName",
    "phone",
    "mobile",
    "street",
    "postal_code",
    "dob",
)
#: The smallest secret that is masked; shorter ones would mask unrelated text.
MIN_SECRET_LENGTH = 4

_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
_HEX = frozenset("0123456789abcdefABCDEF")
# The domain is matched forward from the "@" (plain or URL-encoded); the local part is found by
# walking back, which is much cheaper than a regex that tries a local part at every position.
_AT_DOMAIN = re.compile(r"(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: Query parameters that carry credentials (pre-signed upload URLs, bearer tokens in URLs).
_CREDENTIAL_PARAM = re.compile(
    r"([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|access_token|token|sig)=)"
    r"[^&\s\"']+",
    re.IGNORECASE,
)
_KEYS = "|".join(PII_FIELDS)
_JSON_FIELD = re.compile(rf"""(["'])({_KEYS})\1(\s*:\s*)(["'])(.*?)(?<!\\)\4""")
_ENCODED_FIELD = re.compile(rf"(%22)({_KEYS})(%22(?:%3A|%3a|:)(?:%20|\+)*%22)(.*?)(%22)")


def pii_hash(value: str) -> str:
    """The stable stand-in of a personal value (emails compare case-insensitively)."""
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"pii:{digest[:12]}"


@dataclass(frozen=True)
class Redactor:
    """Rewrites text as described in the module docstring."""

    secrets: tuple[str, ...] = ()
    hash_pii: bool = True

    @classmethod
    def of(cls, secrets: Iterable[str], hash_pii: bool = True) -> Redactor:
        """A redactor for the non-trivial ``secrets`` (and their URL-encoded forms), longest first."""
        found = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        found |= {quote(s, safe="") for s in found}
        return cls(tuple(sorted(found, key=len, reverse=True)), hash_pii)

    def text(self, value: str) -> str:
        """``value`` with secrets masked and, unless disabled, personal data hashed."""
        for secret in self.secrets:
            value = value.replace(secret, MASK)
        value = _CREDENTIAL_PARAM.sub(rf"\1{MASK}", value)
        if self.hash_pii:
            value = _JSON_FIELD.sub(_hash_json_field, value)
            value = _ENCODED_FIELD.sub(_hash_encoded_field, value)
            value = _hash_emails(value)
        return value

    def field(self, name: str, value: object) -> object:
        """An extra log field: personal fields hashed whole, other strings redacted as text."""
        if not isinstance(value, str):
            return value
        if self.hash_pii and name in PII_FIELDS:
            return pii_hash(value)
        return self.text(value)


def _hash_emails(text: str) -> str:
    if "@" not in text and "%40" not in text:
        return text
    parts, done = [], 0
    for match in _AT_DOMAIN.finditer(text):
        begin = _local_start(text, match.start(), done)
        if begin == match.start():
            continue  # no local part: not an email
        local = text[begin : match.start()]
        parts += [text[done:begin], pii_hash(f"{local}@{match.group(0).removeprefix('%40').lstrip('@')}")]
        done = match.end()
    return "".join([*parts, text[done:]])


def _local_start(text: str, at: int, floor: int) -> int:
    """Where the local part ending at ``at`` starts (after a ``%XX`` escape such as an encoded quote)."""
    begin = at
    while begin > floor and text[begin - 1] in _LOCAL_CHARS:
        begin -= 1
    if begin > floor and text[begin - 1] == "%" and set(text[begin : begin + 2]) <= _HEX and begin + 2 < at:
        begin += 2
    return begin


def _hash_json_field(match: re.Match[str]) -> str:
    quote_char, key, colon, value_quote, value = match.groups()
    if value.startswith("pii:"):
        return match.group(0)
    return f"{quote_char}{key}{quote_char}{colon}{value_quote}{pii_hash(value)}{value_quote}"


def _hash_encoded_field(match: re.Match[str]) -> str:
    opening, key, middle, value, closing = match.groups()
    return f"{opening}{key}{middle}{pii_hash(value.replace('%40', '@'))}{closing}"


_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Redacts every part of a log record that ends up in a line (install it on the handler)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        redact = self.redactor.text
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, self._extra(name, value))
        return True

    def _extra(self, name: str, value: object) -> object:
        if isinstance(value, list | tuple):
            return [self.redactor.field(name, item) for item in value]
        return self.redactor.field(name, value)


def settings_secrets(settings: object) -> list[str]:
    """The values of every ``SecretStr`` field of a settings object."""
    values = vars(settings).values() if hasattr(settings, "__dict__") else ()
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


def install(secrets: Iterable[str], hash_pii: bool, root: logging.Logger | None = None) -> RedactingFilter:
    """Put a :class:`RedactingFilter` on every handler of ``root`` (default: the root logger)."""
    found = RedactingFilter(Redactor.of(secrets, hash_pii))
    for handler in (root or logging.getLogger()).handlers:
        handler.addFilter(found)
    return found
