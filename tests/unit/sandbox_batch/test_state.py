"""The batch life cycle and its public views (pure)."""

from __future__ import annotations

import pytest

from sandbox.batch_state import Batch, Stats, from_doc, public_code, status_view, to_doc

NEW = Batch("b1", "0" * 32, 10, "uploading", "tok", "2026-11-27T16:00:00.000Z", 1.5, "t0", "t0")


def test_life_cycle_allows_only_documented_transitions() -> None:
    uploaded = NEW.moved_to("file_uploaded", "t1")
    processing = uploaded.moved_to("processing", "t2")
    done = processing.moved_to("error", "t3", Stats(1, 2, 1, 1), has_log=True)
    assert (done.status, done.has_log, done.modified_at) == ("error", True, "t3")
    with pytest.raises(ValueError, match="not allowed"):
        NEW.moved_to("processing", "t1")
    with pytest.raises(ValueError, match="not allowed"):
        done.moved_to("success", "t4")


def test_file_uploaded_shows_only_through_inspect() -> None:
    uploaded = NEW.moved_to("file_uploaded", "t1")
    assert public_code(uploaded, inspect=False) == "uploading"
    assert public_code(uploaded, inspect=True) == "file_uploaded"


def test_status_view_links_upload_url_log_and_stats() -> None:
    done = NEW.moved_to("file_uploaded", "t1").moved_to("corrupted", "t2")
    view = status_view(done, "http://h", inspect=False)
    assert view["location"] == {"href": "http://h/_upload/tok", "expiry": NEW.expiry}
    assert view["status"] == {"code": "corrupted"}
    failed = NEW.moved_to("file_uploaded", "t1").moved_to("processing", "t2")
    failed = failed.moved_to("error", "t3", Stats(5, 2, 1, 1), has_log=True)
    view = status_view(failed, "http://h", inspect=False)
    assert view["status"] == {"code": "error", "log": "http://h/_batchlog/tok"}
    assert view["stats"] == {"timeTakenMs": 5, "totalRecords": 2, "successCount": 1, "failureCount": 1}


def test_document_round_trip_keeps_stats() -> None:
    done = (
        NEW.moved_to("file_uploaded", "t1")
        .moved_to("processing", "t2")
        .moved_to("success", "t3", Stats(1, 1, 1, 0))
    )
    assert from_doc(to_doc(done)) == done
