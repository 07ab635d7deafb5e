"""Self-hosted workers: the loop that serves a self-hosted environment's sessions, and the
executors that run their tools."""

from ._executor import BUILT_IN_TOOLS, Executor, LocalExecutor, ToolCall, ToolOutput
from ._worker import EnvironmentWorker, WorkerAPI, WorkerStats

__all__ = [
    "BUILT_IN_TOOLS",
    "EnvironmentWorker",
    "Executor",
    "LocalExecutor",
    "ToolCall",
    "ToolOutput",
    "WorkerAPI",
    "WorkerStats",
]
