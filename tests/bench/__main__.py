"""``make bench``: print the product's performance figures (nothing is asserted)."""

from __future__ import annotations

import argparse
import os

from tests.bench import backfill, orderreport, orders, runtime
from worker.embedded import running_broker


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--runtime-records", type=int, default=200_000, help="records for the throughput run")
    parser.add_argument("--backlog-records", type=int, default=1_000_000, help="records for the memory run")
    parser.add_argument("--orders", type=int, default=2000, help="orders per cell of the orders run")
    parser.add_argument("--orders-cap-s", type=float, default=25.0, help="time cap of each orders run")
    parser.add_argument(
        "--no-stacks", action="store_true", help="skip the raw client's HTTP stack comparison"
    )
    parser.add_argument("--backfill-orders", type=int, default=100_000, help="orders for the backfill run")
    parser.add_argument(
        "--only", choices=["runtime", "backlog", "orders", "stacks", "backfill"], default=None
    )
    args = parser.parse_args()
    external = os.environ.get("CDPW_KAFKA_BOOTSTRAP_SERVERS")
    with running_broker() as broker:
        bootstrap = external or broker.bootstrap
        if args.only in (None, "runtime"):
            figures = runtime.run(bootstrap, args.runtime_records)
            print("runtime, log sink, one worker process, backlog drained from 6 partitions:")
            _print(figures)
        if args.only in (None, "backlog"):
            figures = runtime.run(bootstrap, args.backlog_records)
            print(f"memory with a {args.backlog_records:,}-record backlog (CDPW_MAX_IN_FLIGHT=1000):")
            _print(figures)
        _orders(bootstrap, args)
    if args.only in (None, "backfill"):
        figures = backfill.run(args.backfill_orders)
        print(f"backfill of {args.backfill_orders:,} historical orders through the Batch API:")
        _print(figures)


def _orders(bootstrap: str, args: argparse.Namespace) -> None:
    options = orders.OrdersOptions(orders=args.orders, cap_s=args.orders_cap_s)
    if args.only in (None, "orders"):
        orderreport.print_preamble(options)
        orderreport.print_targets(orders.run(bootstrap, options, orderreport.print_cell))
    if args.only == "stacks" or (args.only is None and not args.no_stacks):
        orderreport.print_stacks(orders.compare_stacks(options))
    if args.only in (None, "orders", "stacks"):
        orderreport.print_caveat()


def _print(figures: dict[str, float]) -> None:
    for name, value in figures.items():
        print(f"  {name:<20} {value:>14,.1f}")


if __name__ == "__main__":
    main()
