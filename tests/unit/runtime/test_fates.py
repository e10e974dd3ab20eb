import pytest

from worker.fates import Action, fate_table


@pytest.mark.parametrize(
    ("api", "status", "action"),
    [
        ("stream", 201, Action.DONE),
        ("rest", 200, Action.DONE),
        ("stream", 400, Action.DEAD_LETTER),
        ("rest", 404, Action.DEAD_LETTER),
        ("batch", 401, Action.STOP),
        ("rest", 403, Action.STOP),
        ("stream", 408, Action.RETRY),
        ("stream", 429, Action.RETRY),
        ("rest", 500, Action.RETRY),
        ("batch", 503, Action.RETRY),
        ("stream", 302, Action.DEAD_LETTER),
        ("stream", 999, Action.DEAD_LETTER),
    ],
)
def test_default_fates(api: str, status: int, action: Action) -> None:
    assert fate_table().decide(api, status) is action


def test_overrides_win_exact_over_class_and_named_api_over_any() -> None:
    table = fate_table("rest:409=done, *:5xx=dead_letter, stream:503=retry, *:418=retry")
    assert table.decide("rest", 409) is Action.DONE
    assert table.decide("stream", 409) is Action.DEAD_LETTER
    assert table.decide("rest", 500) is Action.DEAD_LETTER
    assert table.decide("stream", 503) is Action.RETRY
    assert table.decide("batch", 418) is Action.RETRY


@pytest.mark.parametrize(
    "bad", ["rest409=done", "rest:4x9=done", "ftp:500=retry", "rest:500=explode", "rest:500"]
)
def test_bad_overrides_name_the_entry(bad: str) -> None:
    with pytest.raises(ValueError, match="fate override"):
        fate_table(bad)
