from worker.runtime.offsets import OffsetTracker

TP = ("t", 0)


def test_only_the_contiguous_finished_prefix_is_committable() -> None:
    tracker = OffsetTracker()
    for offset in range(5):
        tracker.take(TP, offset, 1000 + offset)
    tracker.finish(TP, 1)
    tracker.finish(TP, 3)
    assert tracker.committable() == {}
    tracker.finish(TP, 0)
    assert tracker.committable() == {TP: 2}
    tracker.finish(TP, 2)
    assert tracker.committable() == {TP: 4}
    assert tracker.oldest_pending_timestamp(TP) == 1004
    tracker.finish(TP, 4)
    assert tracker.committable() == {TP: 5}
    assert tracker.oldest_pending_timestamp(TP) is None


def test_offsets_with_gaps_commit_past_the_gap() -> None:
    tracker = OffsetTracker()
    tracker.take(TP, 10, 0)
    tracker.take(TP, 15, 0)
    tracker.finish(TP, 15)
    tracker.finish(TP, 10)
    assert tracker.committable() == {TP: 16}


def test_forgotten_partitions_are_never_committable_again() -> None:
    tracker = OffsetTracker()
    tracker.take(TP, 0, 0)
    tracker.finish(TP, 0)
    tracker.forget([TP])
    tracker.finish(TP, 1)
    assert tracker.committable() == {}
    assert tracker.partitions() == []
