"""The campaign in the ``avro-registry`` wire format: good records encoded through a real schema
registry, and the poison kinds of that format (corrupt bodies, unknown schema ids, wrong framing)
beside the limit and CDP kinds, which the encoder can still carry.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass

from tests.chaos.poison import KINDS, Event, PoisonRecord, own_guest
from worker.codec import Encoder
from worker.events import event_from_dict

Encode = Callable[[Event], bytes]


@dataclass(frozen=True)
class AvroPoisonKind:
    """A way to spoil an encoded record and the dead-letter reason it must end with."""

    name: str
    reason: str
    base: str
    spoil: Callable[[Event, Encode], bytes | None]


def _schema_id(value: bytes) -> int:
    found: int = struct.unpack(">I", value[1:5])[0]
    return found


def _unknown_id(event: Event, encode: Encode) -> bytes:
    good = encode(event)
    return b"\x00" + struct.pack(">I", _schema_id(good) + 99_999) + good[5:]


#: The JSON kinds whose spoiled event the Avro encoder can still write (limits and CDP refusals).
CARRIED = ("oversize_value", "too_many_lines", "too_many_extension_keys", "overlong_string",
           "cdp_400_channel", "cdp_extension_limits", "batch_error_line")  # fmt: skip


def _carried(name: str) -> AvroPoisonKind:
    kind = next(k for k in KINDS if k.name == name)

    def spoil(event: Event, encode: Encode) -> bytes | None:
        spoiled = kind.spoil(event)
        assert spoiled is not None
        changed = json.loads(spoiled)
        if name == "oversize_value":  # Avro has no padding: make a string carry the size
            changed["order"]["lines"][0]["sku"] = "s" * 70_000
        return encode(changed)

    return AvroPoisonKind(name, "limit" if name == "oversize_value" else kind.reason, kind.base, spoil)


AVRO_KINDS = (
    AvroPoisonKind("corrupt_avro", "decode", "placed",
                   lambda e, enc: enc(e)[:5] + b"\xff\xff\xff\xff\x0f" + enc(e)[10:]),
    AvroPoisonKind("truncated_avro", "decode", "placed", lambda e, enc: enc(e)[: len(enc(e)) // 2]),
    AvroPoisonKind("unknown_schema_id", "unknown_schema", "placed", _unknown_id),
    AvroPoisonKind("bad_magic_byte", "decode", "placed", lambda e, enc: b"\x07" + enc(e)[1:]),
    AvroPoisonKind("json_on_avro_topic", "decode", "placed", lambda e, enc: json.dumps(e).encode()),
    AvroPoisonKind("tombstone", "empty", "placed", lambda e, enc: None),
    *(_carried(name) for name in CARRIED),
)  # fmt: skip
AVRO_REASONS = {kind.name: kind.reason for kind in AVRO_KINDS}


def encoder_of(encoder: Encoder) -> Encode:
    """Event dict → value bytes in the registry wire format (the type travels in the value)."""

    def encode(event: Event) -> bytes:
        value, _ = encoder.encode(event_from_dict(event))
        return value

    return encode


def avro_poison_records(bases: dict[str, Event], per_kind: int, encode: Encode) -> list[PoisonRecord]:
    """``per_kind`` records of every Avro poison kind."""
    found = []
    for kind in AVRO_KINDS:
        for n in range(1, per_kind + 1):
            event = own_guest(bases[kind.base], kind.name, n)
            found.append(PoisonRecord(kind.name, f"POISON-{kind.name}-{n}", kind.spoil(event, encode)))
    return found
