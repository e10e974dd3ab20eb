"""Batch API answers go through the fate table (api ``batch``), like REST and Stream."""

from __future__ import annotations

import httpx
import pytest

from worker.cdp.batch_api import BatchApi
from worker.cdp.rest_errors import BatchRejectedError, BatchTransientError, RestAuthError
from worker.fates import fate_table


def _api(status: int, overrides: str = "") -> BatchApi:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, text="nope"))
    http = httpx.AsyncClient(base_url="https://cdp.test", transport=transport)
    return BatchApi(http, httpx.AsyncClient(transport=transport), fate_table(overrides))


@pytest.mark.parametrize(
    ("status", "overrides", "error"),
    [
        (503, "", BatchTransientError),
        (503, "batch:503=dead_letter", BatchRejectedError),
        (418, "*:418=retry", BatchTransientError),
        (401, "", RestAuthError),
        (404, "", BatchRejectedError),
    ],
)
async def test_status_answers_follow_the_fate_table(
    status: int, overrides: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _api(status, overrides).status("a-ref")
