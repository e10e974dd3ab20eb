"""The sandbox's one configuration object, built once by the CLI (or a test) and never mutated.

Every behaviour that ``cdp-api.md`` leaves unconfirmed ([U]) is a field of :class:`StrictSwitches`
whose default is the strict reading; ``sandbox/README.md`` lists them with their CLI flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_POINTS_OF_SALE = ("retail-web", "retail-app", "call-centre")
DEFAULT_IDENTITY_PROVIDERS = ("email", "crm")


@dataclass(frozen=True)
class StrictSwitches:
    """Switches for the [U] points of the CDP docs; each default is the strict reading."""

    #: [C conflict] every event must carry all seven common attributes (not only ``type``).
    require_all_common: bool = True
    #: [U §8.5] ``product.referenceId`` is required on ADD.
    require_product_reference_id: bool = True
    #: [U §8.4] ADD_CONTACTS ``contact[]`` accepts only the IDENTITY spellings (``firstname``…).
    contact_identity_spellings_only: bool = True
    #: [U §2.7] CONFIRM of an item never ADDed voids the order (False: the line is just skipped).
    confirm_unknown_item_voids_order: bool = True
    #: [U §2.7] a CHECKOUT needs a CONFIRM in the same session.
    checkout_requires_confirm: bool = True
    #: [U §2.7] a closed session's cart does not carry over into the browser's next session.
    cart_survives_session_close: bool = False
    #: [U §8.3] CHECKOUT needs an identified guest (IDENTITY or ADD_CONTACTS with an identity-rule match).
    checkout_requires_identified_guest: bool = True
    #: [K/U §2.5] FORCE_CLOSE closes the session (documented for non-production tenants only).
    force_close_enabled: bool = True
    #: [U §2.1] POST to the Stream endpoints is refused (405); only GET is documented.
    stream_post_allowed: bool = False
    #: [U §1.3] ``channel`` must be one of the documented channel names.
    channel_enum_enforced: bool = True
    #: [C, outcome U] an ``ext`` attribute must keep its value type per event type (else 400).
    ext_type_changes_rejected: bool = True
    #: [U §8.2] largest accepted ``message`` (decoded bytes); larger → 400.
    max_message_bytes: int = 16384


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the sandbox needs to run; built by :func:`sandbox.cli.parse_config` or by tests."""

    client_key: str = "sandbox-client-key"
    #: Password of HTTP Basic auth for REST and Batch (username = ``client_key``).
    api_token: str = "sandbox-api-token"  # noqa: S105  (documented default of a local emulator)
    points_of_sale: tuple[str, ...] = DEFAULT_POINTS_OF_SALE
    #: Accept any point of sale name (else unknown ones are dropped after a 201, as CDP does).
    accept_any_pos: bool = False
    session_timeout_seconds: float = 1200.0
    #: Identifier providers that resolve identity (matched case-insensitively).
    identity_providers: tuple[str, ...] = DEFAULT_IDENTITY_PROVIDERS
    strict: StrictSwitches = field(default_factory=StrictSwitches)
    #: Fault rules applied from the start, in the JSON shape of ``POST /_sandbox/faults``.
    initial_faults: tuple[Mapping[str, object], ...] = ()
    #: SQLite file to keep data in; ``None`` keeps everything in memory for this process only.
    db_path: str | None = None
    #: Keep only the newest N accepted events (``None``: all); bounds memory in long benchmarks.
    keep_events: int | None = None
    #: Seed of the fault-injection random generator (``None``: unpredictable).
    fault_seed: int | None = None
    #: Values of CLI flags registered by optional modules (``sandbox.rest_options``), by dest name.
    extra_options: Mapping[str, object] = field(default_factory=dict)

    def knows_pos(self, pos: str) -> bool:
        """Whether ``pos`` names an existing point of sale of the emulated tenant."""
        return self.accept_any_pos or pos in self.points_of_sale

    def resolves_identity(self, provider: str) -> bool:
        """Whether an identifier from ``provider`` matches an identity rule (case-insensitive)."""
        wanted = provider.casefold()
        return any(wanted == rule.casefold() for rule in self.identity_providers)
