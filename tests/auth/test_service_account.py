"""ServiceAccountCredential: exchange, cache, single flight, renewal, cooldown, 401, secrecy."""

from __future__ import annotations

import json
import logging
import secrets

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator
from tests.hostile._server import Connection, http_response, raw_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def key(emulator: Emulator) -> str:
    """A fresh key the emulator accepts (one per test: counts stay apart)."""
    value = "sa-key-" + secrets.token_hex(8)
    emulator.add_service_account(value)
    return value


def credential(emulator: Emulator, key: str, **options: object) -> qa.ServiceAccountCredential:
    return qa.ServiceAccountCredential(key, exchange_url=emulator.exchange_url, **options)  # type: ignore[arg-type]


def exchange_requests(emulator: Emulator, key: str) -> list[dict[str, object]]:
    return [
        json.loads(r.body)
        for r in emulator.requests
        if r.path.endswith("/serviceToken/exchange") and key in r.headers.get("authorization", "")
    ]


async def test_the_key_is_exchanged_for_a_token_the_api_accepts(
    emulator: Emulator, key: str
) -> None:
    async with credential(emulator, key) as cred, qa.AsyncQoder(cred, emulator.base_url) as client:
        await client.models.list()
        sent = emulator.requests[-1].headers["authorization"]
    assert sent.startswith("Bearer sat-")
    assert key not in sent
    assert exchange_requests(emulator, key) == [
        {
            "grant_type": "client_credentials",
            "audience": "qoder",
            "scope": "qca.access",
            "ttl_seconds": 3600,
        }
    ]


async def test_the_token_is_cached_across_requests(emulator: Emulator, key: str) -> None:
    async with credential(emulator, key) as cred, qa.AsyncQoder(cred, emulator.base_url) as client:
        for _ in range(3):
            await client.models.list()
    assert len(exchange_requests(emulator, key)) == 1


async def test_concurrent_callers_share_one_exchange(emulator: Emulator, key: str) -> None:
    tokens: list[str] = []
    async with credential(emulator, key) as cred:

        async def ask() -> None:
            tokens.append(await cred.get_token())

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(ask)
    assert len(set(tokens)) == 1
    assert len(exchange_requests(emulator, key)) == 1


async def test_a_token_is_renewed_shortly_before_it_expires(emulator: Emulator) -> None:
    key = "sa-short-" + secrets.token_hex(8)
    emulator.add_service_account(key, ttl_seconds=2)  # renewed at 2 - 0.2 = 1.8 s
    async with credential(emulator, key) as cred:
        started = anyio.current_time()
        first = await cred.get_token()
        assert await cred.get_token() == first
        await anyio.sleep(started + 1.85 - anyio.current_time())
        second = await cred.get_token()
    assert second != first
    assert len(exchange_requests(emulator, key)) == 2


async def test_a_401_to_an_expired_token_is_sent_once_more_with_a_new_one(
    emulator: Emulator, key: str
) -> None:
    async with credential(emulator, key) as cred, qa.AsyncQoder(cred, emulator.base_url) as client:
        await client.models.list()
        emulator.expire_tokens()
        since = len(emulator.requests)
        await client.models.list()
        models = [r for r in emulator.requests[since:] if r.path.endswith("/models")]
    assert len(models) == 2
    assert models[0].headers["authorization"] != models[1].headers["authorization"]
    assert len(exchange_requests(emulator, key)) == 2


async def test_a_401_to_a_fixed_token_is_not_sent_again(emulator: Emulator) -> None:
    key = "sa-plain-" + secrets.token_hex(8)
    emulator.add_service_account(key)
    async with credential(emulator, key) as cred:
        token = await cred.get_token()
    emulator.expire_tokens()
    since = len(emulator.requests)
    async with qa.AsyncQoder(token, emulator.base_url) as client:
        with pytest.raises(qa.AuthenticationError):
            await client.models.list()
    assert len([r for r in emulator.requests[since:] if r.path.endswith("/models")]) == 1


async def test_a_refused_key_raises_and_cools_down(emulator: Emulator) -> None:
    key = "sa-unknown-" + secrets.token_hex(8)
    async with credential(emulator, key, cooldown=30.0) as cred:
        for _ in range(3):
            with pytest.raises(qa.AuthenticationError):
                await cred.get_token()
    assert len(exchange_requests(emulator, key)) == 1


async def test_a_new_exchange_follows_the_cooldown(emulator: Emulator) -> None:
    key = "sa-late-" + secrets.token_hex(8)
    async with credential(emulator, key, cooldown=0.3) as cred:
        with pytest.raises(qa.AuthenticationError):
            await cred.get_token()
        emulator.add_service_account(key)
        await anyio.sleep(0.35)
        assert (await cred.get_token()).startswith("sat-")
    assert len(exchange_requests(emulator, key)) == 2


async def test_a_rejected_token_that_is_not_the_cached_one_keeps_the_cache() -> None:
    def handle(conn: Connection) -> None:
        if conn.index == 0:
            body = {"access_token": "sat-cached-token", "token_type": "bearer", "expires_in": "40"}
            conn.send(http_response(200, json.dumps(body).encode()))
        else:
            conn.send(http_response(503, b'{"error":{"code":"unavailable"}}'))

    with raw_server(handle) as server:
        url = server.base_url + "/api/v1/serviceToken/exchange"
        async with qa.ServiceAccountCredential("sa-key-cached", exchange_url=url) as cred:
            assert await cred.get_token() == "sat-cached-token"
            cred.token_rejected("sat-other")  # not its token: nothing forgotten
            assert await cred.get_token() == "sat-cached-token"
    assert len(server.requests) == 1


async def test_a_transient_failure_serves_the_cached_token_until_it_is_unsafe() -> None:
    # ttl 4 s: renewed after 3.6 s, safe until 3.8 s.
    def handle(conn: Connection) -> None:
        if conn.index == 0:
            body = {"access_token": "sat-short-token", "token_type": "Bearer", "expires_in": 4}
            conn.send(http_response(200, json.dumps(body).encode()))
        else:
            conn.send(http_response(503, b'{"error":{"code":"unavailable"}}'))

    now = [100.0]
    with raw_server(handle) as server:
        url = server.base_url + "/api/v1/serviceToken/exchange"
        async with qa.ServiceAccountCredential("sa-key-short", exchange_url=url) as cred:
            # Both bounds of a 0.2 s window matter here: the test moves the credential's
            # clock instead of sleeping, so that a slow machine cannot push a call past one.
            cred._clock = lambda: now[0]
            await cred.get_token()
            now[0] += 3.7
            assert await cred.get_token() == "sat-short-token"  # 503, cached still safe
            now[0] += 0.2
            with pytest.raises(qa.InternalServerError):
                await cred.get_token()  # within the cooldown, no longer safe
    assert len(server.requests) == 2


async def test_neither_key_nor_token_appear_in_reprs_errors_or_logs(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    key = "sa-hidden-" + secrets.token_hex(8)
    caplog.set_level(logging.DEBUG)
    async with credential(emulator, key, cooldown=0.0) as cred:
        with pytest.raises(qa.AuthenticationError) as caught:
            await cred.get_token()
        emulator.add_service_account(key)
        token = await cred.get_token()
        async with qa.AsyncQoder(cred, emulator.base_url) as client:
            emulator.expire_tokens()
            await client.models.list()
            shown = [repr(cred), str(cred), repr(client), repr(client._http), str(caught.value)]
    for secret in (key, token):
        assert all(secret not in text for text in shown)
        assert secret not in caplog.text
    assert "credentials=redacted" in repr(cred)


def test_from_env_reads_the_key_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QODER_SA_KEY", "sa-from-env-key")
    monkeypatch.setenv("QODER_REGION", "cn")
    cred = qa.ServiceAccountCredential.from_env()
    assert cred.region == "cn"
    assert cred.exchange_url == "https://openapi.qoder.com.cn/api/v1/serviceToken/exchange"


def test_from_env_without_a_key_is_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_SA_KEY", raising=False)
    with pytest.raises(qa.MissingTokenError, match="QODER_SA_KEY"):
        qa.ServiceAccountCredential.from_env()


def test_scopes_are_deduplicated_and_checked() -> None:
    with pytest.raises(qa.InvalidInputError, match="scope"):
        qa.ServiceAccountCredential("sa-key-xyz", scopes=["qca.access", "two words"])
    with pytest.raises(qa.InvalidInputError, match="scope"):
        qa.ServiceAccountCredential("sa-key-xyz", scopes="qca.access")
