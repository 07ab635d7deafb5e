"""A local emulator of the Qoder Cloud Agents API, for tests and offline development.

It speaks the wire protocol only (JSON and SSE, from the API reference) and imports nothing
from the rest of ``qoder_async`` but its lazy-import helper. Start it with
``with Emulator() as emu:`` and point a client at ``emu.base_url``, or run
``python -m qoder_async.testing``, which prints the base URL. Its pytest plugin
(``pytest_plugin.py``) gives a user's tests fixtures for it.

Choices where the reference is silent or sources disagree:

- Every list is in creation order (``order=desc`` reverses it where accepted). ``page`` tokens
  are opaque; ``after_id``/``before_id`` are positional in the listing order, so they work for
  models too. An unknown ``Last-Event-ID`` replays the whole log.
- ``user.interrupt`` and ``POST …/cancel`` end the turn with ``span.model_request_end`` (when a
  span is open), ``session.usage`` and ``session.status_idle`` with ``{"type": "end_turn"}``.
  Cancel answers ``{"id", "type": "session", "status": "canceling"}``: 202 if a turn was
  running, else 200.
- Send events answers 200. A ``Last-Event-ID`` naming a delta preview that is not yet buffered
  resumes after the previews already sent for it.
- Session resources get ``sres_`` ids and carry both ``path`` and ``mount_path``. Adding accepts
  the documented ``{"resources": [...]}`` (answers the full list) or one bare resource object,
  as the Python SDK sends it (answers that resource).
- ``GET /files/{id}/content`` answers the bytes with the file's media type; with
  ``Emulator(file_download="url")`` it answers ``{"url": …}`` pointing at an unauthenticated
  storage URL instead, as the official SDKs expect. Every file is ``ready`` and downloadable.
- Archiving a session is terminal: a running turn is stopped first, then
  ``session.status_terminated`` is published (streams end after it) and ``status`` becomes
  ``terminated``. Session-wide terminal events reach every thread stream. A stream opened on
  an archived or terminated session answers 200, replays what follows ``Last-Event-ID`` (if
  any) and ends the body: reading stays allowed, and nothing live will come.
- Ids are time-ordered like the API's; ``Emulator(ids="random")`` (``--ids random``) issues
  128 random bits instead. The emulator never compares ids: lists are in creation order and
  a cursor naming a deleted object is placed by the order ids were issued in.
- ``python -m qoder_async.testing`` and ``qoder-async emulator`` pace turns (``--pace``,
  default :data:`DEFAULT_PACE`, 0.08 s: about a second a turn, as on the real service);
  ``Emulator()`` defaults to ``pace=0`` for fast tests.
- Each session has a primary thread (``sthr_``); ``Emulator.add_thread`` adds child threads.
- Deletes answer ``{"id", "type": "<kind>_deleted"}``. Idempotency keys are remembered per
  bearer token for 24 h, except for responses 409, 429 and 5xx, which a retry re-executes.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# Each public name once; imported on first use, so that loading the pytest plugin
# (testing/pytest_plugin.py) costs nothing and needs no extra until a fixture is used.
if TYPE_CHECKING:
    from ._defaults import (
        DEFAULT_PACE as DEFAULT_PACE,
    )
    from ._expect import (
        assert_events as assert_events,
    )
    from ._faults import (
        RequestFault as RequestFault,
        StreamFault as StreamFault,
        StreamOptions as StreamOptions,
    )
    from ._inject import (
        FaultInjector as FaultInjector,
    )
    from ._recording import (
        RecordedRequest as RecordedRequest,
    )
    from ._script import (
        AgentScript as AgentScript,
        TurnContext as TurnContext,
        default_script as default_script,
    )
    from ._scripted import (
        ScriptedAgent as ScriptedAgent,
    )
    from ._server import (
        Emulator as Emulator,
    )

else:
    __getattr__, __dir__, __all__ = lazy_exports(__name__)
