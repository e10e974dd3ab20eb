"""The campaign's workload less the records a broker lost: the model follows what the log holds."""

from __future__ import annotations

import json

from tests.chaos.profiles import PROFILES
from tests.chaos.workload import build


def test_a_lost_deletion_leaves_its_order_in_the_model_and_a_lost_poison_record_leaves_the_poison() -> None:
    work = build(PROFILES["short"], seed=1)
    deletion = next(i for i, r in enumerate(work.records) if r.label == "OrderDeleted")
    poison = next(i for i, r in enumerate(work.records) if r.label.startswith("poison:"))
    reference = json.loads(work.records[deletion].value or b"")["order_id"].upper()

    kept = work.without({deletion, poison})

    assert len(kept.records) == len(work.records) - 2
    assert [r for i, r in enumerate(work.records) if i not in (deletion, poison)] == list(kept.records)
    assert len(kept.good) == len(work.good) - 1 and len(kept.poison) == len(work.poison) - 1
    assert work.records[poison].key not in {item.key for item in kept.poison}
    assert reference not in work.expected_orders()
    assert reference in kept.expected_orders()


def test_nothing_lost_keeps_the_workload_as_it_is() -> None:
    work = build(PROFILES["short"], seed=2)
    assert work.without(set()) == work
