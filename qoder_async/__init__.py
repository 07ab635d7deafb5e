"""qoder_async: an async-first SDK for the Qoder Cloud Agents API.

::

    import qoder_async as qa

    async with qa.AsyncQoder() as client:
        agent = await client.agents.create(name="helper", model="ultimate")
        session = await client.sessions.create(agent=agent.id, environment_id="env_…")
        async for event in session.turn("hello"):
            print(event.type)

The package is layered; each layer imports only the ones below it (checked in CI)::

    cli, testing              the command line; the emulator of the API
    _client                   AsyncQoder: wires the parts together
    resources                 one module per API group, the session handle, pagination, files
    streaming | fleet         resumable event streams, the hub, live text | Redis leases, fleets
    cursors                   where a consumer's position in a stream is kept
    _http                     requests, retries, streaming responses, URLs, transports
    _models                   attrs models, events, request params, content, the one converter
    _errors, _config, ...     the error tree, the retry policy, small shared pieces

This file lists every public name once, in the block below. Type checkers read it as is;
at run time the same block is read as a table and each name is imported on first use, so
``import qoder_async`` costs almost nothing (benchmarks/RESULTS.md).
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._client import (
        AsyncQoder as AsyncQoder,
    )
    from ._config import (
        NOT_GIVEN as NOT_GIVEN,
    )
    from ._config import (
        NotGiven as NotGiven,
    )
    from ._config import (
        RetryPolicy as RetryPolicy,
    )
    from ._errors import (
        APIConnectionError as APIConnectionError,
    )
    from ._errors import (
        APIError as APIError,
    )
    from ._errors import (
        APIStatusError as APIStatusError,
    )
    from ._errors import (
        APITimeoutError as APITimeoutError,
    )
    from ._errors import (
        AuthenticationError as AuthenticationError,
    )
    from ._errors import (
        ConflictError as ConflictError,
    )
    from ._errors import (
        FeatureNotAvailableError as FeatureNotAvailableError,
    )
    from ._errors import (
        InternalServerError as InternalServerError,
    )
    from ._errors import (
        InvalidInputError as InvalidInputError,
    )
    from ._errors import (
        InvalidRequestError as InvalidRequestError,
    )
    from ._errors import (
        MissingTokenError as MissingTokenError,
    )
    from ._errors import (
        NotFoundError as NotFoundError,
    )
    from ._errors import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from ._errors import (
        QoderError as QoderError,
    )
    from ._errors import (
        RateLimitError as RateLimitError,
    )
    from ._errors import (
        RequestTooLargeError as RequestTooLargeError,
    )
    from ._errors import (
        StreamError as StreamError,
    )
    from ._errors import (
        UnprocessableEntityError as UnprocessableEntityError,
    )
    from ._models._content import (
        ContentBlock as ContentBlock,
    )
    from ._models._content import (
        DocumentBlock as DocumentBlock,
    )
    from ._models._content import (
        ImageBlock as ImageBlock,
    )
    from ._models._content import (
        RedactedBlock as RedactedBlock,
    )
    from ._models._content import (
        SearchResultBlock as SearchResultBlock,
    )
    from ._models._content import (
        TextBlock as TextBlock,
    )
    from ._models._content import (
        UnknownBlock as UnknownBlock,
    )
    from ._models._credentials import (
        CredentialAuthParam as CredentialAuthParam,
    )
    from ._models._credentials import (
        EnvironmentVariableAuth as EnvironmentVariableAuth,
    )
    from ._models._credentials import (
        MCPOAuthAuth as MCPOAuthAuth,
    )
    from ._models._credentials import (
        OAuthRefresh as OAuthRefresh,
    )
    from ._models._credentials import (
        StaticBearerAuth as StaticBearerAuth,
    )
    from ._models._credentials import (
        TokenEndpointAuth as TokenEndpointAuth,
    )
    from ._models._events import (
        AgentCustomToolUse as AgentCustomToolUse,
    )
    from ._models._events import (
        AgentMCPToolResult as AgentMCPToolResult,
    )
    from ._models._events import (
        AgentMCPToolUse as AgentMCPToolUse,
    )
    from ._models._events import (
        AgentMessage as AgentMessage,
    )
    from ._models._events import (
        AgentThinking as AgentThinking,
    )
    from ._models._events import (
        AgentThreadContextCompacted as AgentThreadContextCompacted,
    )
    from ._models._events import (
        AgentThreadMessageReceived as AgentThreadMessageReceived,
    )
    from ._models._events import (
        AgentThreadMessageSent as AgentThreadMessageSent,
    )
    from ._models._events import (
        AgentToolResult as AgentToolResult,
    )
    from ._models._events import (
        AgentToolUse as AgentToolUse,
    )
    from ._models._events import (
        BaseEvent as BaseEvent,
    )
    from ._models._events import (
        Event as Event,
    )
    from ._models._events import (
        EventDelta as EventDelta,
    )
    from ._models._events import (
        EventStart as EventStart,
    )
    from ._models._events import (
        MalformedEvent as MalformedEvent,
    )
    from ._models._events import (
        ModelUsage as ModelUsage,
    )
    from ._models._events import (
        SessionDeleted as SessionDeleted,
    )
    from ._models._events import (
        SessionError as SessionError,
    )
    from ._models._events import (
        SessionErrorInfo as SessionErrorInfo,
    )
    from ._models._events import (
        SessionStatusIdle as SessionStatusIdle,
    )
    from ._models._events import (
        SessionStatusRescheduled as SessionStatusRescheduled,
    )
    from ._models._events import (
        SessionStatusRunning as SessionStatusRunning,
    )
    from ._models._events import (
        SessionStatusTerminated as SessionStatusTerminated,
    )
    from ._models._events import (
        SessionThreadCreated as SessionThreadCreated,
    )
    from ._models._events import (
        SessionThreadStatusIdle as SessionThreadStatusIdle,
    )
    from ._models._events import (
        SessionThreadStatusRescheduled as SessionThreadStatusRescheduled,
    )
    from ._models._events import (
        SessionThreadStatusRunning as SessionThreadStatusRunning,
    )
    from ._models._events import (
        SessionThreadStatusTerminated as SessionThreadStatusTerminated,
    )
    from ._models._events import (
        SessionUpdated as SessionUpdated,
    )
    from ._models._events import (
        SessionUsageEvent as SessionUsageEvent,
    )
    from ._models._events import (
        SpanModelRequestEnd as SpanModelRequestEnd,
    )
    from ._models._events import (
        SpanModelRequestStart as SpanModelRequestStart,
    )
    from ._models._events import (
        SpanOutcomeEvaluationEnd as SpanOutcomeEvaluationEnd,
    )
    from ._models._events import (
        SpanOutcomeEvaluationOngoing as SpanOutcomeEvaluationOngoing,
    )
    from ._models._events import (
        SpanOutcomeEvaluationStart as SpanOutcomeEvaluationStart,
    )
    from ._models._events import (
        StopReason as StopReason,
    )
    from ._models._events import (
        SystemMessage as SystemMessage,
    )
    from ._models._events import (
        UnknownEvent as UnknownEvent,
    )
    from ._models._events import (
        UserCustomToolResult as UserCustomToolResult,
    )
    from ._models._events import (
        UserDefineOutcome as UserDefineOutcome,
    )
    from ._models._events import (
        UserInterrupt as UserInterrupt,
    )
    from ._models._events import (
        UserMessage as UserMessage,
    )
    from ._models._events import (
        UserToolConfirmation as UserToolConfirmation,
    )
    from ._models._events import (
        UserToolResult as UserToolResult,
    )
    from ._models._memory import (
        Memory as Memory,
    )
    from ._models._memory import (
        MemoryStore as MemoryStore,
    )
    from ._models._memory import (
        MemoryVersion as MemoryVersion,
    )
    from ._models._objects import (
        Agent as Agent,
    )
    from ._models._objects import (
        DeletedObject as DeletedObject,
    )
    from ._models._objects import (
        Environment as Environment,
    )
    from ._models._objects import (
        FileMetadata as FileMetadata,
    )
    from ._models._objects import (
        ModelInfo as ModelInfo,
    )
    from ._models._objects import (
        Session as Session,
    )
    from ._models._objects import (
        SessionResource as SessionResource,
    )
    from ._models._objects import (
        SessionStats as SessionStats,
    )
    from ._models._objects import (
        SessionThread as SessionThread,
    )
    from ._models._objects import (
        SessionUsage as SessionUsage,
    )
    from ._models._params import (
        EventParam as EventParam,
    )
    from ._models._params import (
        FileResource as FileResource,
    )
    from ._models._params import (
        GitHubRepository as GitHubRepository,
    )
    from ._models._params import (
        GitRepository as GitRepository,
    )
    from ._models._params import (
        MemoryStoreResource as MemoryStoreResource,
    )
    from ._models._params import (
        MessageInput as MessageInput,
    )
    from ._models._params import (
        ResourceParam as ResourceParam,
    )
    from ._models._params import (
        SystemMessageParam as SystemMessageParam,
    )
    from ._models._params import (
        UserCustomToolResultParam as UserCustomToolResultParam,
    )
    from ._models._params import (
        UserDefineOutcomeParam as UserDefineOutcomeParam,
    )
    from ._models._params import (
        UserInterruptParam as UserInterruptParam,
    )
    from ._models._params import (
        UserMessageParam as UserMessageParam,
    )
    from ._models._params import (
        UserToolConfirmationParam as UserToolConfirmationParam,
    )
    from ._models._params import (
        UserToolResultParam as UserToolResultParam,
    )
    from ._models._vaults import (
        CredentialAuth as CredentialAuth,
    )
    from ._models._vaults import (
        CredentialValidation as CredentialValidation,
    )
    from ._models._vaults import (
        Vault as Vault,
    )
    from ._models._vaults import (
        VaultCredential as VaultCredential,
    )
    from .cursors._sqlite import (
        SQLiteCursors as SQLiteCursors,
    )
    from .cursors._store import (
        BatchingCursors as BatchingCursors,
    )
    from .cursors._store import (
        CursorStore as CursorStore,
    )
    from .cursors._store import (
        MemoryCursors as MemoryCursors,
    )
    from .fleet._fleet import (
        Fleet as Fleet,
    )
    from .fleet._lease import (
        Lease as Lease,
    )
    from .fleet._lease import (
        LeaseLost as LeaseLost,
    )
    from .fleet._redis_cursors import (
        RedisCursors as RedisCursors,
    )
    from .resources._download import (
        FileDownload as FileDownload,
    )
    from .resources._pagination import (
        AsyncPager as AsyncPager,
    )
    from .resources._pagination import (
        Page as Page,
    )
    from .resources._session import (
        AsyncSession as AsyncSession,
    )
    from .resources._session import (
        TurnResult as TurnResult,
    )
    from .resources._upload import (
        AsyncReadable as AsyncReadable,
    )
    from .resources._upload import (
        UploadSource as UploadSource,
    )
    from .streaming._hub import (
        EventHub as EventHub,
    )
    from .streaming._live import (
        LiveText as LiveText,
    )
    from .streaming._live import (
        Preview as Preview,
    )
    from .streaming._stream import (
        EventStream as EventStream,
    )

else:
    __getattr__, __dir__, __all__ = lazy_exports(__name__)
