"""The fault campaign's story of a broken order: which orders, which time window, how lines fold."""

from __future__ import annotations

from tests.chaos.story import Line, references, told


def test_references_are_the_orders_named_by_violations_first_ones_first() -> None:
    violations = ["ORD-C-00009-1: should not exist", "3 records never finished (committed 314)",
                  "ORD-C-00002-2: 2 orders", "ORD-C-00009-1: status 'X' != 'Y'",
                  "ORD-A-1: missing", "ORD-B-1: missing", "ORD-D-1: missing"]  # fmt: skip
    assert references(violations) == ["ORD-C-00009-1", "ORD-C-00002-2", "ORD-A-1"]


def test_the_story_runs_from_two_seconds_before_the_first_own_trace_to_three_after_the_last() -> None:
    lines = [
        Line(100.0, "campaign", "kill"),  # before the window
        Line(109.0, "worker", "a-002: assigned [...]"),
        Line(110.0, "source", "p0@1 OrderPlaced 9c538f5a", own=True),
        Line(111.0, "source", "p0@2 OrderPlaced 00000000"),  # another order of the key: not its own
        Line(115.0, "cdp", "batch 12e5ff81 with order/delete: error", own=True),
        Line(118.0, "campaign", "pause_start"),
        Line(119.0, "state", "@9 running=c910e838"),  # after the window
    ]
    text = told(lines)
    assert [t.split()[-1] for t in text] == ["[...]", "9c538f5a", "00000000", "error", "pause_start"]
    assert [t[0] for t in text] == [" ", "*", " ", "*", " "]


def test_runs_of_the_same_line_fold_into_one_with_a_count() -> None:
    lines = [Line(10.0 + n, "cdp", f"batch {n:08x} with order/delete: error", own=True) for n in range(4)]
    lines.insert(2, Line(11.5, "worker", "a-001: lost [...]"))
    text = told(lines)
    assert len(text) == 3
    assert text[0].endswith("error (x2)") and "lost" in text[1] and text[2].endswith("error (x2)")


def test_an_order_without_any_trace_says_so_instead_of_telling_the_whole_run() -> None:
    lines = [Line(100.0, "campaign", "kill"), Line(109.0, "worker", "a-002: assigned [...]")]
    assert told(lines) == ["  no trace of the order in the source or state topics or in the sandbox"]
