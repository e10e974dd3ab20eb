"""Switches for the REST v2.1 and Batch API emulation, one per point cdp-api.md leaves open.

Each field defaults to the strict reading of the doc (see the README section "REST and Batch
switches"); the CLI flags registered by :func:`add_arguments` flip them.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping

MEGABYTE = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class RestBatchOptions:
    """How strictly the sandbox reads the undocumented corners of the REST and Batch APIs."""

    rest_ext_max_keys: int = 100
    batch_ext_max_keys: int = 50
    batch_max_file_bytes: int = 50 * MEGABYTE
    batch_url_ttl_s: float = 3600.0
    batch_processing_delay_s: float = 0.2
    batch_serial_uploads: bool = True
    batch_allow_ref_reuse: bool = False
    batch_record_ref_v3_v5_only: bool = True
    batch_log_code_as_string: bool = True
    batch_upsert_requires_items: bool = True
    batch_reject_duplicate_entities: bool = True
    rest_item_status_enum: bool = True
    rest_create_dedup: bool = False


#: Flag name → (field, kind, help). ``kind`` is ``int``/``float`` for values, ``flip`` for booleans.
_FLAGS: tuple[tuple[str, str, str, str], ...] = (
    ("--rest-ext-max-keys", "rest_ext_max_keys", "int", "max keys of a REST order/item extension"),
    ("--batch-ext-max-keys", "batch_ext_max_keys", "int", "max keys of a Batch extension"),
    ("--batch-max-file-bytes", "batch_max_file_bytes", "int", "max gzipped Batch file size"),
    ("--batch-url-ttl", "batch_url_ttl_s", "float", "pre-signed upload URL lifetime, seconds"),
    ("--batch-delay", "batch_processing_delay_s", "float", "seconds per Batch processing phase"),
    ("--batch-parallel-uploads", "batch_serial_uploads", "flip", "allow allocating while one processes"),
    ("--batch-allow-ref-reuse", "batch_allow_ref_reuse", "flip", "let PUT /v2/batches reuse a batchRef"),
    ("--batch-any-uuid-ref", "batch_record_ref_v3_v5_only", "flip", "accept any UUID as a record ref"),
    ("--batch-log-numeric-codes", "batch_log_code_as_string", "flip", "error-log codes as numbers"),
    ("--batch-upsert-without-items", "batch_upsert_requires_items", "flip", "order upsert w/o orderItems"),
    ("--batch-allow-duplicates", "batch_reject_duplicate_entities", "flip", "same order twice in a file"),
    ("--rest-item-status-free-text", "rest_item_status_enum", "flip", "order-item status is free text"),
    ("--rest-create-dedup", "rest_create_dedup", "flip", "POST /orders returns a 2-day match"),
)

_KINDS = {"int": int, "float": float}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the REST/Batch flags on ``parser`` (defaults come from :class:`RestBatchOptions`)."""
    group = parser.add_argument_group("REST and Batch API switches")
    defaults = RestBatchOptions()
    for flag, field, kind, text in _FLAGS:
        default = getattr(defaults, field)
        if kind == "flip":
            group.add_argument(
                flag, dest=field, action="store_const", const=not default, default=default, help=text
            )
        else:
            group.add_argument(
                flag, dest=field, type=_KINDS[kind], default=default, help=f"{text} (%(default)s)"
            )


def option_argv(options: RestBatchOptions) -> list[str]:
    """The CLI arguments that reproduce ``options`` (used to start sandbox subprocesses in tests)."""
    defaults = RestBatchOptions()
    argv: list[str] = []
    for flag, field, kind, _ in _FLAGS:
        value = getattr(options, field)
        if value == getattr(defaults, field):
            continue
        argv += [flag] if kind == "flip" else [flag, str(value)]
    return argv


def options_of(extra_options: Mapping[str, object]) -> RestBatchOptions:
    """The options among the CLI's ``extra_options`` (values parsed by :func:`add_arguments`)."""
    known = {f.name for f in dataclasses.fields(RestBatchOptions)}
    values = {name: value for name, value in extra_options.items() if name in known}
    return RestBatchOptions(**values)  # type: ignore[arg-type]  # values were parsed by our own flags
