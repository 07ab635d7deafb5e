"""A local emulator of the Qoder Cloud Agents API, for tests and offline development.

It speaks the wire protocol only (plain JSON and SSE), and imports nothing from the rest of
``qoder_async``. Start it with ``with Emulator() as emu:`` and point a client at
``emu.base_url``; or run ``python -m qoder_async.testing``.
"""

from ._faults import RequestFault, StreamFault, StreamOptions
from ._recording import RecordedRequest
from ._script import AgentScript, TurnContext, default_script
from ._server import Emulator

__all__ = [
    "Emulator",
    "StreamFault",
    "RequestFault",
    "StreamOptions",
    "RecordedRequest",
    "AgentScript",
    "TurnContext",
    "default_script",
]
