"""Fast query-string decoding for the Stream hot path (messages are long, heavily %-encoded JSON).

``urllib.parse`` decodes percent escapes in a Python loop; here the escapes are turned into
quoted-printable ones and decoded by ``binascii.a2b_qp`` in C. Inputs with malformed escapes fall back
to ``urllib.parse`` so the bytes are always those ``urllib.parse.unquote_to_bytes`` gives.
"""

from __future__ import annotations

import binascii
import re
import urllib.parse

_MALFORMED = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def unquote_plus(raw: bytes) -> str:
    """Form-decode one query component (``+`` is a space, ``%XX`` a byte) as UTF-8 text."""
    if b"%" not in raw and b"+" not in raw:
        return raw.decode("utf-8", "replace")
    if b"\n" in raw or b"\r" in raw or _MALFORMED.search(raw):  # QP would read line breaks
        return urllib.parse.unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace")
    quoted = raw.replace(b"+", b" ").replace(b"=", b"=3D").replace(b"%", b"=")
    return binascii.a2b_qp(quoted).decode("utf-8", "replace")


def query_values(query_string: bytes, wanted: frozenset[str]) -> dict[str, str]:
    """The first value of each ``wanted`` parameter present in ``query_string``."""
    found: dict[str, str] = {}
    for part in query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        key = unquote_plus(name)
        if key in wanted and key not in found:
            found[key] = unquote_plus(value)
    return found
