"""The resource namespaces of :class:`AsyncQoder`: ``client.agents``, ``client.sessions``, ..."""

from ._agents import Agents, AgentVersions
from ._deployments import DeploymentRuns, Deployments, DeploymentScopedRuns
from ._dreams import Dreams
from ._environments import Environments
from ._files import Files
from ._memory_stores import Memories, MemoryStores, MemoryVersions
from ._models import Models
from ._sessions import SessionEvents, SessionResources, Sessions
from ._skills import Skills, SkillVersions
from ._threads import SessionThreads, ThreadEvents
from ._vaults import VaultCredentials, Vaults
from ._work import EnvironmentWork

__all__ = [
    "AgentVersions",
    "Agents",
    "DeploymentRuns",
    "DeploymentScopedRuns",
    "Deployments",
    "Dreams",
    "EnvironmentWork",
    "Environments",
    "Files",
    "Models",
    "SessionEvents",
    "SessionResources",
    "SessionThreads",
    "Sessions",
    "SkillVersions",
    "Skills",
    "ThreadEvents",
    "Memories",
    "MemoryStores",
    "MemoryVersions",
    "VaultCredentials",
    "Vaults",
]
