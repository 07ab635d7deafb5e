"""The resource namespaces of :class:`AsyncQoder`: ``client.agents``, ``client.sessions``, ..."""

from ._agents import Agents, AgentVersions
from ._environments import Environments
from ._files import Files
from ._models import Models
from ._sessions import SessionEvents, SessionResources, Sessions
from ._threads import SessionThreads, ThreadEvents
from ._work import EnvironmentWork

__all__ = [
    "AgentVersions",
    "Agents",
    "EnvironmentWork",
    "Environments",
    "Files",
    "Models",
    "SessionEvents",
    "SessionResources",
    "SessionThreads",
    "Sessions",
    "ThreadEvents",
]
