"""The sandbox command line: flags become one frozen SandboxConfig."""

from __future__ import annotations

import pytest

from sandbox.cli import build_parser, config_from_args, main
from sandbox.config import SandboxConfig, StrictSwitches
from sandbox.testing import flag_argv


def config(*argv: str) -> SandboxConfig:
    return config_from_args(build_parser().parse_args(list(argv)))


def test_defaults_are_the_strict_readings() -> None:
    built = config()
    assert built.strict == StrictSwitches()
    assert (built.db_path, built.session_timeout_seconds, built.accept_any_pos) == (None, 1200.0, False)
    assert built.identity_providers == ("email", "crm")


def test_every_strict_flag_flips_its_switch() -> None:
    built = config(
        "--lenient-common-attributes",
        "--optional-product-reference-id",
        "--any-contact-keys",
        "--confirm-unknown-item-skips-line",
        "--checkout-without-confirm",
        "--cart-survives-session-close",
        "--anonymous-checkout",
        "--no-force-close",
        "--stream-post",
        "--any-channel",
        "--allow-ext-type-changes",
        "--max-message-bytes",
        "999",
    )
    assert built.strict == StrictSwitches(
        require_all_common=False,
        require_product_reference_id=False,
        contact_identity_spellings_only=False,
        confirm_unknown_item_voids_order=False,
        checkout_requires_confirm=False,
        cart_survives_session_close=True,
        checkout_requires_identified_guest=False,
        force_close_enabled=False,
        stream_post_allowed=True,
        channel_enum_enforced=False,
        ext_type_changes_rejected=False,
        max_message_bytes=999,
    )


def test_lists_repeat_or_use_commas() -> None:
    built = config("--pos", "shop-a,shop-b", "--pos", "shop-c", "--identity-provider", "loyalty")
    assert built.points_of_sale == ("shop-a", "shop-b", "shop-c")
    assert built.identity_providers == ("loyalty",)
    assert built.knows_pos("shop-b")
    assert not built.knows_pos("retail-web")


def test_fault_rules_are_validated_at_start() -> None:
    assert config("--fault", '{"api": "rest", "p503": 0.5}').initial_faults == ({"api": "rest", "p503": 0.5},)
    assert main(["--fault", '{"p503": 5}']) == 2
    assert main(["--fault", "[1]"]) == 2


def test_flags_not_owned_by_the_core_go_to_extra_options() -> None:
    assert "port" not in config().extra_options
    assert all(not name.startswith("strict_") for name in config().extra_options)


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    assert "--session-timeout" in capsys.readouterr().out


def test_keyword_flags_become_cli_arguments() -> None:
    argv = flag_argv(
        {"db": "x.db", "any_pos": True, "stream_post": False, "pos": ["a", "b"], "fault": {"p500": 1}}
    )
    assert argv == ["--db", "x.db", "--any-pos", "--pos", "a", "--pos", "b", "--fault", '{"p500":1}']


def test_keep_events_is_a_core_option() -> None:
    built = config("--keep-events", "1000")
    assert built.keep_events == 1000
    assert "keep_events" not in built.extra_options
