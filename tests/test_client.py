"""The client: configuration, the token kept secret, errors, retries and idempotency."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, RequestFault

pytestmark = pytest.mark.anyio


# --- configuration ------------------------------------------------------------------------


def test_token_comes_from_qoder_access_token_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QODER_ACCESS_TOKEN", "from-access")
    monkeypatch.setenv("QODER_PAT", "from-pat")
    assert qa.AsyncQoder()._http.token == "from-access"


def test_token_falls_back_to_qoder_pat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("QODER_PAT", "from-pat")
    assert qa.AsyncQoder()._http.token == "from-pat"


def test_missing_token_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("QODER_PAT", raising=False)
    with pytest.raises(qa.MissingTokenError, match="QODER_ACCESS_TOKEN"):
        qa.AsyncQoder()


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QODER_BASE_URL", "http://127.0.0.1:9/api/v1/cloud/")
    assert qa.AsyncQoder("t").base_url == "http://127.0.0.1:9/api/v1/cloud"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_BASE_URL", raising=False)
    assert qa.AsyncQoder("t").base_url == "https://api.qoder.com/api/v1/cloud"


@pytest.mark.parametrize(
    "url", ["api.qoder.com", "ftp://x/y", "https://u:p@x/api", "https://x/api?q=1", "https://x/#f"]
)
def test_bad_base_url_is_refused(url: str) -> None:
    with pytest.raises(qa.InvalidInputError):
        qa.AsyncQoder("t", url)


def test_token_is_not_in_the_client_repr(token: str) -> None:
    assert token not in repr(qa.AsyncQoder(token, "http://127.0.0.1:9"))


async def test_with_options_shares_the_connection_pool(client: qa.AsyncQoder) -> None:
    other = client.with_options(max_retries=0, timeout=3.0)
    assert other._http.http is client._http.http
    assert isinstance(other, qa.AsyncQoder)
    assert (other.max_retries, other.timeout.read) == (0, 3.0)
    assert client.max_retries == 2


async def test_closing_a_with_options_copy_keeps_the_pool_open(client: qa.AsyncQoder) -> None:
    await client.with_options(max_retries=0).aclose()
    assert not client.is_closed
    assert len([m async for m in client.models.list()]) > 0


# --- input checked before sending ---------------------------------------------------------


async def test_id_with_a_slash_is_refused_before_sending(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    before = len(emulator.requests)
    with pytest.raises(qa.InvalidInputError):
        await client.sessions.retrieve("sess_1/../agents")
    assert len(emulator.requests) == before


async def test_empty_message_is_refused_before_sending(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    before = len(emulator.requests)
    with pytest.raises(qa.InvalidInputError):
        await session.send("  ")
    assert len(emulator.requests) == before


# --- errors -------------------------------------------------------------------------------

STATUS_ERRORS = [
    (400, qa.InvalidRequestError),
    (401, qa.AuthenticationError),
    (403, qa.PermissionDeniedError),
    (404, qa.NotFoundError),
    (409, qa.ConflictError),
    (413, qa.RequestTooLargeError),
    (422, qa.UnprocessableEntityError),
    (429, qa.RateLimitError),
    (500, qa.InternalServerError),
    (501, qa.FeatureNotAvailableError),
    (503, qa.InternalServerError),
]


@pytest.mark.parametrize(("status", "error"), STATUS_ERRORS)
async def test_each_status_maps_to_its_error(
    client: qa.AsyncQoder, emulator: Emulator, status: int, error: type[qa.APIStatusError]
) -> None:
    emulator.request_faults([RequestFault(status=status, path_prefix="/models", message="boom")])
    with pytest.raises(error) as caught:
        await client.with_options(max_retries=0).models.list()
    assert caught.value.status_code == status
    assert caught.value.message == "boom"
    assert caught.value.request_id


async def test_error_keeps_type_message_and_request_id_from_the_envelope(
    client: qa.AsyncQoder,
) -> None:
    with pytest.raises(qa.NotFoundError) as caught:
        await client.sessions.retrieve("sess_00000000000000000000000000000000")
    error = caught.value
    assert error.type == "not_found_error"
    assert "was not found" in error.message
    assert error.request_id
    assert error.request_id in str(error)


async def test_validation_error_names_the_parameter(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError) as caught:
        await client.agents.create(name="x" * 300, model="ultimate")
    assert caught.value.param == "name"


async def test_token_never_appears_in_errors_or_logs(
    client: qa.AsyncQoder, emulator: Emulator, caplog: pytest.LogCaptureFixture, token: str
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.request_faults([RequestFault(status=503, path_prefix="/sessions", times=3)])
    with pytest.raises(qa.InternalServerError) as caught:
        await client.sessions.retrieve("sess_00000000000000000000000000000000")
    text = str(caught.value) + repr(caught.value) + repr(caught.value.request)
    assert token not in text
    assert token not in caplog.text
    assert "retrying" in caplog.text


CREDENTIAL_SECRETS = ("access-5ecret", "refresh-5ecret", "client-5ecret", "env-5ecret")


async def test_credential_secrets_never_appear_in_reprs_answers_errors_or_logs(
    client: qa.AsyncQoder, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    access, refresh, secret, value = CREDENTIAL_SECRETS
    oauth = qa.MCPOAuthAuth(
        "https://mcp.example",
        access,
        refresh=qa.OAuthRefresh(
            client_id="app",
            refresh_token=refresh,
            token_endpoint="https://auth.example/token",
            token_endpoint_auth=qa.TokenEndpointAuth("client_secret_basic", secret),
        ),
    )
    variable = qa.EnvironmentVariableAuth("API_KEY", value)
    vault = await client.vaults.create(display_name="secrets")
    made = [
        await client.vaults.credentials.create(vault.id, auth=auth) for auth in (oauth, variable)
    ]
    texts = [repr(oauth), repr(variable), *map(repr, made)]
    texts += [repr(c) + str(c.raw) async for c in client.vaults.credentials.list(vault.id)]
    raw = await client._http.request("GET", f"/vaults/{vault.id}/credentials")
    texts.append(raw.text)
    path = f"/vaults/{vault.id}/credentials/{made[0].id}"
    emulator.request_faults([RequestFault(status=503, method="POST", path_prefix=path)])
    with pytest.raises(qa.InternalServerError) as failed:
        await client.vaults.credentials.update(
            vault.id, made[0].id, auth={"type": "mcp_oauth", "access_token": access}
        )
    with pytest.raises(qa.InvalidRequestError) as refused:
        await client.vaults.credentials.update(
            vault.id, made[1].id, auth={"type": "static_bearer", "token": value}
        )
    for caught in (failed.value, refused.value):
        texts += [str(caught), repr(caught), repr(caught.request), str(caught.body)]
    texts.append(caplog.text)
    for text in texts:
        assert not [s for s in CREDENTIAL_SECRETS if s in text], text


async def test_connection_error_is_typed() -> None:
    async with qa.AsyncQoder("t", "http://127.0.0.1:9/api/v1/cloud", max_retries=0) as unreachable:
        with pytest.raises(qa.APIConnectionError):
            await unreachable.models.list()


async def test_timeout_is_typed(client: qa.AsyncQoder, emulator: Emulator) -> None:
    # A lost response leaves the read waiting: the read timeout must end it.
    emulator.request_faults([RequestFault(drop_response=True, path_prefix="/models")])
    fast = client.with_options(max_retries=0, timeout=httpx.Timeout(0.5))
    with pytest.raises(qa.APIConnectionError):
        await fast.models.list()


# --- retries ------------------------------------------------------------------------------


def attempts_of(emulator: Emulator, method: str, path: str, since: int) -> list[dict[str, str]]:
    return [
        r.headers for r in emulator.requests[since:] if r.method == method and r.path.endswith(path)
    ]


async def test_safe_request_is_retried_after_5xx(client: qa.AsyncQoder, emulator: Emulator) -> None:
    emulator.request_faults([RequestFault(status=503, path_prefix="/models", times=2)])
    since = len(emulator.requests)
    page = await client.models.list()
    assert page.data
    tries = attempts_of(emulator, "GET", "/models", since)
    assert [h["x-qoder-retry-count"] for h in tries] == ["0", "1", "2"]


async def test_error_reports_how_many_retries_were_made(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults([RequestFault(status=500, path_prefix="/models", times=3)])
    with pytest.raises(qa.InternalServerError) as caught:
        await client.models.list()
    assert caught.value.retries == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
async def test_client_errors_are_not_retried(
    client: qa.AsyncQoder, emulator: Emulator, status: int
) -> None:
    emulator.request_faults([RequestFault(status=status, path_prefix="/models")])
    since = len(emulator.requests)
    with pytest.raises(qa.APIStatusError):
        await client.models.list()
    assert len(attempts_of(emulator, "GET", "/models", since)) == 1


async def test_per_client_max_retries_is_honoured(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults([RequestFault(status=503, path_prefix="/models", times=5)])
    since = len(emulator.requests)
    with pytest.raises(qa.InternalServerError):
        await client.with_options(max_retries=4).models.list()
    assert len(attempts_of(emulator, "GET", "/models", since)) == 5
    emulator.request_faults([RequestFault(status=503, path_prefix="/models")])
    with pytest.raises(qa.InternalServerError):
        await client.with_options(max_retries=0).models.list()


async def test_x_should_retry_false_vetoes_a_retry(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults(
        [RequestFault(status=503, path_prefix="/models", headers={"x-should-retry": "false"})]
    )
    since = len(emulator.requests)
    with pytest.raises(qa.InternalServerError):
        await client.models.list()
    assert len(attempts_of(emulator, "GET", "/models", since)) == 1


async def test_retry_after_is_waited_for(client: qa.AsyncQoder, emulator: Emulator) -> None:
    emulator.request_faults(
        [RequestFault(status=429, path_prefix="/models", headers={"Retry-After": "1"})]
    )
    started = anyio.current_time()
    await client.models.list()
    assert anyio.current_time() - started >= 0.9


async def test_retry_after_ms_is_waited_for(client: qa.AsyncQoder, emulator: Emulator) -> None:
    emulator.request_faults(
        [RequestFault(status=503, path_prefix="/models", headers={"retry-after-ms": "300"})]
    )
    started = anyio.current_time()
    await client.models.list()
    assert 0.28 <= anyio.current_time() - started < 5


async def test_cancelling_during_a_backoff_returns_at_once(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults(
        [RequestFault(status=503, path_prefix="/models", headers={"Retry-After": "30"})]
    )
    started = anyio.current_time()
    with anyio.move_on_after(0.3):
        await client.models.list()
    assert anyio.current_time() - started < 1.0


async def test_every_post_carries_an_idempotency_key(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    since = len(emulator.requests)
    await client.agents.create(name="keyed", model="ultimate")
    (headers,) = attempts_of(emulator, "POST", "/agents", since)
    assert len(headers["idempotency-key"]) >= 32


async def test_the_callers_idempotency_key_is_sent(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    since = len(emulator.requests)
    await client.agents.create(name="keyed", model="ultimate", idempotency_key="my-key-1")
    (headers,) = attempts_of(emulator, "POST", "/agents", since)
    assert headers["idempotency-key"] == "my-key-1"


async def test_a_lost_create_response_is_retried_with_the_same_key_and_creates_one_agent(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults(
        [RequestFault(drop_response=True, method="POST", path_prefix="/agents")]
    )
    agents_before = emulator.count("agents")
    since = len(emulator.requests)
    agent = await client.agents.create(name="once", model="ultimate")
    tries = attempts_of(emulator, "POST", "/agents", since)
    assert len(tries) == 2
    assert tries[0]["idempotency-key"] == tries[1]["idempotency-key"]
    assert emulator.count("agents") == agents_before + 1
    assert (await client.agents.retrieve(agent.id)).name == "once"


async def test_a_5xx_on_send_is_retried_without_a_duplicate_message(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.request_faults(
        [RequestFault(status=500, method="POST", path_prefix=f"/sessions/{session.id}/events")]
    )
    await session.send("only once")
    emulator.wait_idle(session.id)
    messages = [e for e in emulator.log(session.id) if e["type"] == "user.message"]
    assert len(messages) == 1


# --- header values and wrong calls, refused before anything is sent --------------------------

BAD_HEADER_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"]


@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
async def test_cr_lf_or_nul_in_last_event_id_is_refused_at_once(
    client: qa.AsyncQoder, emulator: Emulator, value: str
) -> None:
    since = len(emulator.requests)
    with pytest.raises(qa.InvalidInputError, match="Last-Event-ID"):
        client.session("sess_00000000000000000000000000000000").events(last_event_id=value)
    assert len(emulator.requests) == since


async def test_cr_lf_in_a_thread_streams_last_event_id_is_refused_at_once(
    client: qa.AsyncQoder,
) -> None:
    with pytest.raises(qa.InvalidInputError, match="Last-Event-ID"):
        client.sessions.threads.events.stream("sess_1", "thr_1", last_event_id="a\r\nb")


@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
async def test_cr_lf_or_nul_in_an_idempotency_key_is_refused_before_sending(
    client: qa.AsyncQoder, emulator: Emulator, value: str
) -> None:
    since = len(emulator.requests)
    with pytest.raises(qa.InvalidInputError, match="Idempotency-Key"):
        await client.agents.create(name="x", model="ultimate", idempotency_key=value)
    assert len(emulator.requests) == since


@pytest.mark.parametrize(
    "options",
    [
        {"workspace_id": "ws\r\nX: 1"},
        {"betas": ("beta-1", "beta\n2")},
        {"default_headers": {"X-Trace": "a\x00b"}},
        {"default_headers": {"Bad Name": "ok"}},
    ],
)
def test_a_bad_header_value_in_the_client_options_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(qa.InvalidInputError):
        qa.AsyncQoder("tok", "http://127.0.0.1:9", **options)


def test_a_token_with_a_newline_is_refused_without_showing_it() -> None:
    with pytest.raises(qa.InvalidInputError) as caught:
        qa.AsyncQoder("qoder-5ecret\r\nX: 1", "http://127.0.0.1:9")
    assert "5ecret" not in str(caught.value)


async def test_a_bad_default_header_in_with_options_is_refused(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidInputError, match="X-Trace"):
        client.with_options(default_headers={"X-Trace": "a\nb"})


async def test_too_many_positional_arguments_raise_type_error_when_called(
    client: qa.AsyncQoder,
) -> None:
    with pytest.raises(TypeError):
        client.agents.retrieve("agent_1", "extra")  # type: ignore[call-arg]  # the wrong call is the test


async def test_an_unknown_keyword_raises_type_error_when_called(client: qa.AsyncQoder) -> None:
    with pytest.raises(TypeError, match="colour"):
        client.agents.create(name="x", model="ultimate", colour="red")  # type: ignore[call-arg]  # the wrong call is the test
