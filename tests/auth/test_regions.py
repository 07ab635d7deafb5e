"""Regions: ``region="cn"`` selects the China endpoints for the API and the exchange; a
mismatch is refused before any request."""

from __future__ import annotations

import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio

CN_API = "https://api.qoder.com.cn/api/v1/cloud"
CN_EXCHANGE = "https://openapi.qoder.com.cn/api/v1/serviceToken/exchange"


@pytest.fixture(autouse=True)
def _no_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_BASE_URL", raising=False)


async def test_region_cn_selects_the_china_api() -> None:
    async with qa.AsyncQoder("pt-some-token", region="cn") as client:
        assert client.base_url == CN_API


async def test_region_cn_selects_the_china_exchange() -> None:
    cred = qa.ServiceAccountCredential("sa-key-cn", region="cn")
    assert cred.exchange_url == CN_EXCHANGE
    assert cred.region == "cn"


async def test_a_china_credential_selects_the_china_api() -> None:
    cred = qa.ServiceAccountCredential("sa-key-cn", region="cn")
    async with cred, qa.AsyncQoder(cred) as client:
        assert client.base_url == CN_API


async def test_the_global_region_is_the_default() -> None:
    async with qa.AsyncQoder("pt-some-token") as client:
        assert client.base_url == "https://api.qoder.com/api/v1/cloud"
    assert qa.ServiceAccountCredential("sa-key-g").exchange_url.startswith(
        "https://openapi.qoder.sh/"
    )


@pytest.mark.parametrize(
    ("region", "base_url"),
    [("cn", "https://api.qoder.com/api/v1/cloud"), ("global", CN_API)],
)
def test_a_region_that_does_not_match_the_base_url_is_refused(region: str, base_url: str) -> None:
    with pytest.raises(qa.InvalidInputError, match="never mix regions"):
        qa.AsyncQoder("pt-some-token", base_url, region=region)  # type: ignore[arg-type]


def test_a_credential_of_another_region_is_refused() -> None:
    cred = qa.ServiceAccountCredential("sa-key-cn", region="cn")
    with pytest.raises(qa.InvalidInputError, match="never mix regions"):
        qa.AsyncQoder(cred, region="global")
    with pytest.raises(qa.InvalidInputError, match="never mix regions"):
        qa.AsyncQoder(cred, "https://api.qoder.com/api/v1/cloud")


def test_an_exchange_url_of_the_other_region_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="never mix regions"):
        qa.ServiceAccountCredential(
            "sa-key-cn", region="cn", exchange_url="https://openapi.qoder.sh/x"
        )


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="region"):
        qa.AsyncQoder("pt-some-token", region="eu")  # type: ignore[arg-type]


async def test_a_mismatch_sends_no_request(emulator: Emulator) -> None:
    since = len(emulator.requests)
    cred = qa.ServiceAccountCredential("sa-key-cn", region="cn", exchange_url=emulator.exchange_url)
    with pytest.raises(qa.InvalidInputError):
        qa.AsyncQoder(cred, "https://api.qoder.com/api/v1/cloud")
    await cred.aclose()
    assert emulator.requests[since:] == []


async def test_a_local_base_url_is_in_no_region(emulator: Emulator) -> None:
    async with qa.AsyncQoder("pt-some-token", emulator.base_url, region="cn") as client:
        await client.models.list()
