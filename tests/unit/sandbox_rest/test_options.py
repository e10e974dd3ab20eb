"""REST/Batch switches: CLI flags round-trip into the options (pure)."""

from __future__ import annotations

import argparse

from sandbox.rest_options import RestBatchOptions, add_arguments, option_argv, options_of


def _parse(argv: list[str]) -> RestBatchOptions:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return options_of(vars(parser.parse_args(argv)))


def test_defaults_are_the_strict_reading() -> None:
    options = _parse([])
    assert options == RestBatchOptions()
    assert (options.rest_ext_max_keys, options.batch_ext_max_keys) == (100, 50)
    assert options.batch_record_ref_v3_v5_only and options.batch_serial_uploads
    assert not options.rest_create_dedup


def test_flags_round_trip_through_option_argv() -> None:
    options = RestBatchOptions(batch_url_ttl_s=5.0, batch_record_ref_v3_v5_only=False, rest_create_dedup=True)
    assert _parse(option_argv(options)) == options


def test_unrelated_extra_options_are_ignored() -> None:
    assert options_of({"something_else": 1}) == RestBatchOptions()
