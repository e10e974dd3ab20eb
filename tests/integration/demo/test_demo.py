"""`cdp-worker demo` on embedded defaults: every order of the sample traffic reaches the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_demo_places_every_order_and_dead_letters_only_the_bad_records() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDPW_")}
    done = subprocess.run([sys.executable, "-m", "worker", "demo", "--guests", "40"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    records = re.search(r"records: (\d+) published, (\d+) done, (\d+) dead-lettered", out)
    orders = re.search(r"CDP sandbox: (\d+) orders \(the traffic placed (\d+)\), (\d+) rejected", out)
    assert records is not None and orders is not None, out
    published, done_count, dead = map(int, records.groups())
    assert dead == 6
    assert done_count + dead == published
    assert orders.group(1) == orders.group(2)
    assert int(orders.group(1)) > 0
    assert orders.group(3) == "0"
