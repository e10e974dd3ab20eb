"""``python -m tests.chaos [--short | --long] [--seed N] [--workdir DIR]``: run a campaign, print figures.

Exit code 0 when the invariant holds, 1 when it breaks (the violations are printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.chaos.campaign import run
from tests.chaos.profiles import PROFILES

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--short", dest="profile", action="store_const", const="short", help="CI form (default)"
    )
    size.add_argument("--long", dest="profile", action="store_const", const="long", help="the full campaign")
    size.add_argument("--restarts", dest="profile", action="store_const", const="restarts",
                      help="broker restarts on S3 storage among the other faults")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="seed of the workload and the fault schedule")
    parser.add_argument("--wire-format", choices=("json", "avro-registry"), default="json",
                        help="how records are encoded (avro-registry starts a schema registry)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="where logs and figures go (default artifacts/chaos-*)")
    parser.set_defaults(profile="short")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    workdir = args.workdir or ARTIFACTS / f"chaos-{args.profile}-{args.wire_format}"
    verdict = run(PROFILES[args.profile], args.seed, workdir, args.wire_format)
    report = {"profile": args.profile, "wire_format": args.wire_format, "seed": args.seed, **verdict.figures,
              "violations": verdict.violations}  # fmt: skip
    text = json.dumps(report, indent=2, default=str)
    (workdir / "figures.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    # CI keeps only the end of the output: broker losses, the violations and their stories go last.
    for kind in ("broker_lost_records", "broker_lost_dead_letters"):
        if verdict.figures.get(kind):
            print(f"{kind} (acknowledged, then lost by the broker; not judged): {verdict.figures[kind]}")
    for violation in verdict.violations[:5]:
        print(f"violation: {violation}")
    if verdict.story:
        (workdir / "story.txt").write_text(verdict.story + "\n", encoding="utf-8")
        print(verdict.story)
    orders = verdict.figures.get("orders", {})
    outcome = "PASS" if not verdict.violations else "FAIL"
    print(f"chaos {args.profile}: orders lost {orders.get('lost')}, duplicated {orders.get('duplicated')}, "
          f"violations {len(verdict.violations)} -> {outcome}")  # fmt: skip
    return 0 if not verdict.violations else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
