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
    _telemetry                OpenTelemetry spans and metrics (opentelemetry on first use)
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
    from ._auth._regions import (
        RegionName as RegionName,
    )
    from ._auth._service_account import (
        ServiceAccountCredential as ServiceAccountCredential,
    )
    from ._client import (
        AsyncQoder as AsyncQoder,
    )
    from ._config import (
        NOT_GIVEN as NOT_GIVEN,
        NotGiven as NotGiven,
        RetryPolicy as RetryPolicy,
    )
    from ._errors import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APIStatusError as APIStatusError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        ClientClosedError as ClientClosedError,
        ConflictError as ConflictError,
        EventTooLargeError as EventTooLargeError,
        FeatureNotAvailableError as FeatureNotAvailableError,
        InternalServerError as InternalServerError,
        InvalidInputError as InvalidInputError,
        InvalidRequestError as InvalidRequestError,
        MissingTokenError as MissingTokenError,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        QoderError as QoderError,
        RateLimitError as RateLimitError,
        RequestTooLargeError as RequestTooLargeError,
        StreamError as StreamError,
        ToolError as ToolError,
        UnexpectedResponseError as UnexpectedResponseError,
        UnprocessableEntityError as UnprocessableEntityError,
    )
    from ._http._auth import (
        Credential as Credential,
        TokenProvider as TokenProvider,
    )
    from ._http._transports import (
        aiohttp_transport as aiohttp_transport,
    )
    from ._models._content import (
        ContentBlock as ContentBlock,
        DocumentBlock as DocumentBlock,
        ImageBlock as ImageBlock,
        RedactedBlock as RedactedBlock,
        SearchResultBlock as SearchResultBlock,
        TextBlock as TextBlock,
        UnknownBlock as UnknownBlock,
    )
    from ._models._credentials import (
        CredentialAuthParam as CredentialAuthParam,
        EnvironmentVariableAuth as EnvironmentVariableAuth,
        MCPOAuthAuth as MCPOAuthAuth,
        OAuthRefresh as OAuthRefresh,
        StaticBearerAuth as StaticBearerAuth,
        TokenEndpointAuth as TokenEndpointAuth,
    )
    from ._models._deployments import (
        Deployment as Deployment,
        DeploymentRun as DeploymentRun,
    )
    from ._models._dreams import (
        Dream as Dream,
        DreamUsage as DreamUsage,
    )
    from ._models._events import (
        AgentCustomToolUse as AgentCustomToolUse,
        AgentMCPToolResult as AgentMCPToolResult,
        AgentMCPToolUse as AgentMCPToolUse,
        AgentMessage as AgentMessage,
        AgentThinking as AgentThinking,
        AgentThreadContextCompacted as AgentThreadContextCompacted,
        AgentThreadMessageReceived as AgentThreadMessageReceived,
        AgentThreadMessageSent as AgentThreadMessageSent,
        AgentToolResult as AgentToolResult,
        AgentToolUse as AgentToolUse,
        BaseEvent as BaseEvent,
        Event as Event,
        EventDelta as EventDelta,
        EventStart as EventStart,
        MalformedEvent as MalformedEvent,
        ModelUsage as ModelUsage,
        SessionDeleted as SessionDeleted,
        SessionError as SessionError,
        SessionErrorInfo as SessionErrorInfo,
        SessionStatusIdle as SessionStatusIdle,
        SessionStatusRescheduled as SessionStatusRescheduled,
        SessionStatusRunning as SessionStatusRunning,
        SessionStatusTerminated as SessionStatusTerminated,
        SessionThreadCreated as SessionThreadCreated,
        SessionThreadStatusIdle as SessionThreadStatusIdle,
        SessionThreadStatusRescheduled as SessionThreadStatusRescheduled,
        SessionThreadStatusRunning as SessionThreadStatusRunning,
        SessionThreadStatusTerminated as SessionThreadStatusTerminated,
        SessionUpdated as SessionUpdated,
        SessionUsageEvent as SessionUsageEvent,
        SpanModelRequestEnd as SpanModelRequestEnd,
        SpanModelRequestStart as SpanModelRequestStart,
        SpanOutcomeEvaluationEnd as SpanOutcomeEvaluationEnd,
        SpanOutcomeEvaluationOngoing as SpanOutcomeEvaluationOngoing,
        SpanOutcomeEvaluationStart as SpanOutcomeEvaluationStart,
        StopReason as StopReason,
        SystemMessage as SystemMessage,
        UnknownEvent as UnknownEvent,
        UserCustomToolResult as UserCustomToolResult,
        UserDefineOutcome as UserDefineOutcome,
        UserInterrupt as UserInterrupt,
        UserMessage as UserMessage,
        UserToolConfirmation as UserToolConfirmation,
        UserToolResult as UserToolResult,
    )
    from ._models._memory import (
        Memory as Memory,
        MemoryStore as MemoryStore,
        MemoryVersion as MemoryVersion,
    )
    from ._models._objects import (
        Agent as Agent,
        DeletedObject as DeletedObject,
        Environment as Environment,
        FileMetadata as FileMetadata,
        ModelInfo as ModelInfo,
        Session as Session,
        SessionResource as SessionResource,
        SessionStats as SessionStats,
        SessionThread as SessionThread,
        SessionUsage as SessionUsage,
    )
    from ._models._params import (
        EventParam as EventParam,
        FileResource as FileResource,
        GitHubRepository as GitHubRepository,
        GitRepository as GitRepository,
        MemoryStoreResource as MemoryStoreResource,
        MessageInput as MessageInput,
        ResourceParam as ResourceParam,
        SystemMessageParam as SystemMessageParam,
        UserCustomToolResultParam as UserCustomToolResultParam,
        UserDefineOutcomeParam as UserDefineOutcomeParam,
        UserInterruptParam as UserInterruptParam,
        UserMessageParam as UserMessageParam,
        UserToolConfirmationParam as UserToolConfirmationParam,
        UserToolResultParam as UserToolResultParam,
    )
    from ._models._skills import (
        Skill as Skill,
        SkillVersion as SkillVersion,
    )
    from ._models._vaults import (
        CredentialAuth as CredentialAuth,
        CredentialValidation as CredentialValidation,
        Vault as Vault,
        VaultCredential as VaultCredential,
    )
    from ._models._work import (
        Work as Work,
        WorkData as WorkData,
        WorkHeartbeat as WorkHeartbeat,
        WorkQueueStats as WorkQueueStats,
    )
    from .cursors._sqlite import (
        SQLiteCursors as SQLiteCursors,
    )
    from .cursors._store import (
        AnswerStore as AnswerStore,
        BatchingCursors as BatchingCursors,
        CursorStore as CursorStore,
        MemoryCursors as MemoryCursors,
    )
    from .fleet._fleet import (
        Fleet as Fleet,
    )
    from .fleet._lease import (
        Lease as Lease,
        LeaseLost as LeaseLost,
    )
    from .fleet._redis_cursors import (
        RedisCursors as RedisCursors,
    )
    from .resources._download import (
        Download as Download,
        FileDownload as FileDownload,
        SkillDownload as SkillDownload,
    )
    from .resources._pagination import (
        AsyncPager as AsyncPager,
        Page as Page,
    )
    from .resources._session import (
        AsyncSession as AsyncSession,
        TurnResult as TurnResult,
    )
    from .resources._skill_files import (
        SkillFiles as SkillFiles,
    )
    from .resources._upload import (
        AsyncReadable as AsyncReadable,
        UploadSource as UploadSource,
    )
    from .streaming._hub import (
        EventHub as EventHub,
    )
    from .streaming._live import (
        LiveText as LiveText,
        Preview as Preview,
    )
    from .streaming._reconnect import (
        OnReconnect as OnReconnect,
        Reconnect as Reconnect,
    )
    from .streaming._stream import (
        EventStream as EventStream,
    )
    from .tools._calls import (
        Deny as Deny,
        OnPermission as OnPermission,
        PendingCall as PendingCall,
    )
    from .tools._runner import (
        ToolRunner as ToolRunner,
    )
    from .tools._tool import (
        Tool as Tool,
        tool as tool,
    )
    from .worker._executor import (
        Executor as Executor,
        LocalExecutor as LocalExecutor,
        ToolCall as ToolCall,
        ToolOutput as ToolOutput,
    )
    from .worker._worker import (
        EnvironmentWorker as EnvironmentWorker,
        WorkerStats as WorkerStats,
    )

else:
    __getattr__, __dir__, __all__ = lazy_exports(__name__)
