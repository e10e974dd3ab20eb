"""``cdp-worker`` command line: run, sandbox, demo, produce, dlq, backfill, check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from worker.errors import ConfigurationError

Command = Callable[[argparse.Namespace, list[str]], int]


def _run(_args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.app import run  # noqa: PLC0415  (subcommands import only what they use)
    from worker.config import load_settings  # noqa: PLC0415
    from worker.logs import configure_logging  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return run(settings)


def _sandbox(_args: argparse.Namespace, rest: list[str]) -> int:
    from sandbox.cli import main  # noqa: PLC0415

    return main(rest)


def _produce(args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.tools.produce import produce_file  # noqa: PLC0415

    return produce_file(args.file, args.topic, args.key_field)


def _check(_args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.tools.check import check  # noqa: PLC0415

    return check()


def _demo(args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.tools.demo import demo  # noqa: PLC0415

    return demo(keep_running=args.keep_running, guests=args.guests)


def _backfill(args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.tools.backfill import backfill  # noqa: PLC0415

    return backfill(args.file, args.rejected, args.reconcile_hours)


def _dlq(args: argparse.Namespace, _rest: list[str]) -> int:
    from worker.tools.dlq import dlq  # noqa: PLC0415

    return dlq(args)


def _iso_time(text: str) -> object:
    from worker.tools.dlq import iso_time  # noqa: PLC0415

    return iso_time(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdp-worker",
        description="Kafka → Sitecore CDP order worker. Configured by CDPW_* environment variables.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the worker").set_defaults(fn=_run)
    sub.add_parser(
        "sandbox", help="run the CDP sandbox (see 'cdp-worker sandbox --help')", add_help=False
    ).set_defaults(fn=_sandbox)
    demo = sub.add_parser("demo", help="embedded broker + sandbox + worker + sample traffic")
    demo.add_argument("--keep-running", action="store_true", help="stay up after the summary")
    demo.add_argument("--guests", type=int, default=300, help="shoppers in the sample traffic (default 300)")
    demo.set_defaults(fn=_demo)
    produce = sub.add_parser("produce", help="publish events from a JSON-lines file, encoded as configured")
    produce.add_argument("--file", required=True, help="JSON-lines file, one commerce event per line")
    produce.add_argument(
        "--topic", default=None, help="target topic (default: the first of CDPW_KAFKA_TOPICS)"
    )
    produce.add_argument(
        "--key-field",
        default="guest.customer_id",
        help="event field used as the Kafka key (default: guest.customer_id)",
    )
    produce.set_defaults(fn=_produce)
    dlq = sub.add_parser("dlq", help="inspect or replay dead letters")
    dlq.add_argument("action", choices=["inspect", "replay"])
    dlq.add_argument("--reason", default=None, help="only dead letters with this cdpw.reason")
    dlq.add_argument("--limit", type=int, default=100, help="at most this many dead letters")
    dlq.add_argument("--dry-run", action="store_true", help="replay: show what would be sent")
    dlq.add_argument("--max-replays", type=int, default=3, help="replay: skip letters replayed this often")
    dlq.add_argument("--from-offset", type=int, default=0, help="first dead-letter offset to consider")
    dlq.add_argument("--to-offset", type=int, default=-1, help="last dead-letter offset to consider")
    dlq.add_argument("--since", type=_iso_time, default=None, help="records from this time (ISO 8601)")
    dlq.add_argument("--until", type=_iso_time, default=None, help="records before this time (ISO 8601)")
    dlq.add_argument("--rate", type=float, default=0.0, help="replay: at most this many records per second")
    dlq.add_argument(
        "--to",
        default=None,
        help="replay: send to this topic instead of each record's source topic "
        "(e.g. a topic a worker of another group consumes)",
    )
    dlq.add_argument(
        "--through-worker",
        action="store_true",
        help="replay: run the records through the worker's pipeline in this process instead of "
        "producing them (nothing written to the source topic; orders CDP already has are skipped)",
    )
    dlq.set_defaults(fn=_dlq)
    backfill = sub.add_parser("backfill", help="send historical orders from a JSON-lines file via Batch")
    backfill.add_argument("--file", default=None, help="JSON-lines file, one order event per line")
    backfill.add_argument(
        "--reconcile-hours",
        type=float,
        default=None,
        help="reconciliation: re-upsert in full the orders Stream created in the last N hours",
    )
    backfill.add_argument("--rejected", default=None, help="write rejected lines and reasons to this file")
    backfill.set_defaults(fn=_backfill)
    sub.add_parser(
        "check", help="validate the configuration and reach the broker, registry and CDP"
    ).set_defaults(fn=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, rest = build_parser().parse_known_args(argv)
    if rest and args.command != "sandbox":
        build_parser().error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        code: int = args.fn(args, rest)
    except ConfigurationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
