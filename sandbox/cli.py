"""Command line: ``python -m sandbox`` (also mounted by the worker CLI as ``cdp-worker sandbox``)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
from collections.abc import Mapping

import orjson

from sandbox.config import DEFAULT_IDENTITY_PROVIDERS, DEFAULT_POINTS_OF_SALE, SandboxConfig, StrictSwitches

#: Flag → StrictSwitches field it flips away from the strict default.
STRICT_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--lenient-common-attributes", "require_all_common", "events after the first may carry only type"),
    ("--optional-product-reference-id", "require_product_reference_id", "ADD product.referenceId optional"),
    ("--any-contact-keys", "contact_identity_spellings_only", "ADD_CONTACTS accepts camelCase keys too"),
    (
        "--confirm-unknown-item-skips-line",
        "confirm_unknown_item_voids_order",
        "unknown CONFIRM item: skip line",
    ),
    ("--checkout-without-confirm", "checkout_requires_confirm", "CHECKOUT orders every ADDed line"),
    ("--cart-survives-session-close", "cart_survives_session_close", "a new session inherits the cart"),
    ("--anonymous-checkout", "checkout_requires_identified_guest", "CHECKOUT for an unidentified guest"),
    ("--no-force-close", "force_close_enabled", "FORCE_CLOSE is a plain event"),
    ("--stream-post", "stream_post_allowed", "accept POST on the Stream endpoints"),
    ("--any-channel", "channel_enum_enforced", "accept any upper-case channel"),
    ("--allow-ext-type-changes", "ext_type_changes_rejected", "ext attributes may change value type"),
)
OWN_DESTS = frozenset(
    {
        "host",
        "port",
        "db",
        "client_key",
        "api_token",
        "pos",
        "any_pos",
        "session_timeout",
        "identity_provider",
        "fault",
        "fault_seed",
        "log_level",
        "keep_events",
    }
)
#: Modules that may register more flags (``add_arguments(parser)``); their values go to ``extra_options``.
OPTION_MODULES = ("sandbox.rest_options",)


def _strict_group(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("strict switches ([U] points of cdp-api.md; defaults are strict)")
    defaults = StrictSwitches()
    for flag, dest, text in STRICT_FLAGS:
        default = getattr(defaults, dest)
        group.add_argument(
            flag, dest=f"strict_{dest}", action="store_const", const=not default, default=default, help=text
        )
    group.add_argument(
        "--max-message-bytes",
        dest="strict_max_message_bytes",
        type=int,
        default=defaults.max_message_bytes,
        help="largest Stream message (%(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The sandbox's argument parser."""
    parser = argparse.ArgumentParser(prog="sandbox", description="Strict local emulator of Sitecore CDP.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port; 0 picks a free one (%(default)s)")
    parser.add_argument("--db", default=None, help="SQLite file to keep data in (default: in memory)")
    parser.add_argument("--client-key", default=SandboxConfig.client_key, help="tenant client key")
    parser.add_argument("--api-token", default=SandboxConfig.api_token, help="API token for REST/Batch")
    parser.add_argument(
        "--pos",
        action="append",
        default=None,
        help=f"known point of sale (repeatable; default {', '.join(DEFAULT_POINTS_OF_SALE)})",
    )
    parser.add_argument("--any-pos", action="store_true", help="accept any point of sale name")
    parser.add_argument(
        "--session-timeout",
        type=float,
        default=SandboxConfig.session_timeout_seconds,
        help="session inactivity timeout, seconds (%(default)s)",
    )
    parser.add_argument(
        "--identity-provider",
        action="append",
        default=None,
        help=f"identity rule provider (repeatable; default {', '.join(DEFAULT_IDENTITY_PROVIDERS)})",
    )
    parser.add_argument("--fault", action="append", default=[], help="fault rule JSON (repeatable)")
    parser.add_argument(
        "--keep-events", type=int, default=None, help="keep only the newest N accepted events (default: all)"
    )
    parser.add_argument("--fault-seed", type=int, default=None, help="seed of the fault random draws")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (%(default)s)")
    _strict_group(parser)
    for name in OPTION_MODULES:
        _optional(name, parser)
    return parser


def _optional(module_name: str, parser: argparse.ArgumentParser) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return
    module.add_arguments(parser)


def _fault_specs(texts: list[str]) -> tuple[Mapping[str, object], ...]:
    specs = []
    for text in texts:
        spec = orjson.loads(text)
        if not isinstance(spec, dict):
            raise ValueError(f"--fault must be a JSON object: {text}")
        specs.append(spec)
    return tuple(specs)


def config_from_args(ns: argparse.Namespace) -> SandboxConfig:
    """Turn parsed flags into a :class:`SandboxConfig` (fault rules are validated here)."""
    from sandbox.fault_rules import parse_rule  # noqa: PLC0415  (kept with the faults code)

    strict_values = {k.removeprefix("strict_"): v for k, v in vars(ns).items() if k.startswith("strict_")}
    extra = {k: v for k, v in vars(ns).items() if k not in OWN_DESTS and not k.startswith("strict_")}
    faults = _fault_specs(ns.fault)
    for spec in faults:
        parse_rule(spec)
    return SandboxConfig(
        client_key=ns.client_key,
        api_token=ns.api_token,
        points_of_sale=tuple(_split(ns.pos)) if ns.pos else DEFAULT_POINTS_OF_SALE,
        accept_any_pos=ns.any_pos,
        session_timeout_seconds=ns.session_timeout,
        identity_providers=tuple(_split(ns.identity_provider))
        if ns.identity_provider
        else DEFAULT_IDENTITY_PROVIDERS,
        strict=dataclasses.replace(StrictSwitches(), **strict_values),
        initial_faults=faults,
        db_path=ns.db,
        fault_seed=ns.fault_seed,
        keep_events=ns.keep_events,
        extra_options=extra,
    )


def _split(values: list[str]) -> list[str]:
    """Repeatable flags also accept comma-separated lists."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until interrupted; returns the process exit code."""
    from sandbox.server import serve  # noqa: PLC0415  (keeps --help free of uvicorn start-up)

    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        config = config_from_args(ns)
    except ValueError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    serve(config, ns.host, ns.port, log_level=ns.log_level)
    return 0
