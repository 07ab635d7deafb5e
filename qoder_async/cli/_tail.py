"""``qoder-async tail``: follow a session's events, resuming across dropped connections."""

from __future__ import annotations

import sys

import anyio

import qoder_async as qa

from ._control import CtrlC
from ._errors import EXIT_INTERRUPTED, CliError
from ._run import event_json
from ._screen import Screen
from ._view import TurnView

__all__ = ["tail"]


async def tail(
    client: qa.AsyncQoder,
    session_id: str,
    *,
    from_id: str | None,
    as_json: bool,
    until_idle: bool,
    screen: Screen,
) -> int:
    """Follow until the session ends, ``until_idle`` sees a turn end, or Ctrl-C.

    Before streaming, the session is read once: an unreachable API or a missing session
    fails at once (after the SDK's retries), an unknown ``from_id`` is an error, and
    ``until_idle`` on an idle session with nothing after ``from_id`` ends at once.
    """
    _say(f"connecting to {client.base_url} for {session_id}…")
    session = client.session(session_id)
    info = await session.refresh()
    last_id = await _last_event_id(session)
    if from_id is not None and from_id != last_id and not await _has_event(session, from_id):
        raise CliError(
            f"--from {from_id}: the session has no such event. Use an id that tail printed "
            f"(tail --json shows them), or leave --from out to follow from now"
        )
    if until_idle and info.status == "idle" and (from_id is None or from_id == last_id):
        _say(f"{session_id} is idle, with nothing after " + (from_id or "its last event"))
        return 0
    stream = session.events(last_event_id=from_id, deltas=not as_json, on_reconnect=_tell)
    async with anyio.create_task_group() as tasks:
        control = CtrlC(tasks.cancel_scope)
        await tasks.start(control.watch, tasks)
        try:
            async with stream:
                await _follow(stream, as_json=as_json, until_idle=until_idle, screen=screen)
        except qa.StreamError as exc:
            cause = exc.__cause__
            why = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
            raise CliError(
                f"gave up reconnecting to {client.base_url} after {exc.attempts} failed "
                f"attempts{why}{_resume(session_id, exc.last_event_id or stream.last_event_id)}"
            ) from exc
        tasks.cancel_scope.cancel()
    if control.quit:
        if stream.last_event_id:
            _say(f"stopped after {stream.last_event_id}{_resume(session_id, stream.last_event_id)}")
        return EXIT_INTERRUPTED
    return 0


def _resume(session_id: str, last_event_id: str | None) -> str:
    if not last_event_id:
        return ""
    return f"; resume with: qoder-async tail {session_id} --from {last_event_id}"


def _tell(change: qa.Reconnect) -> None:
    """Say at once what happens to the connection: tail reconnects by itself, not silently."""
    error = change.error
    why = "the server closed it" if error is None else f"{type(error).__name__}: {error}"
    if change.state == "reconnected":
        after = f", resuming after {change.last_event_id}" if change.last_event_id else ""
        _say(f"reconnected to {change.url}{after}")
    elif change.failures == 0:
        _say(f"connection lost ({why}); reconnecting to {change.url}…")
    else:
        _say(
            f"cannot reconnect to {change.url} ({why}); attempt {change.failures} of "
            f"{change.max_failures} failed, trying again in {change.delay:.1f}s…"
        )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _last_event_id(session: qa.AsyncSession) -> str | None:
    page = await session.history(limit=1, order="desc")
    return page.data[0].id if page.data else None


async def _has_event(session: qa.AsyncSession, event_id: str) -> bool:
    """Whether the session's history holds ``event_id``, looking from the newest back."""
    async for event in session.history(limit=100, order="desc"):
        if event.id == event_id:
            return True
    return False


async def _follow(
    stream: qa.EventStream, *, as_json: bool, until_idle: bool, screen: Screen
) -> None:
    view = TurnView()
    view.activity = "waiting for events"
    async with screen.live(view):
        async for event in stream:
            if as_json:
                print(event_json(event), flush=True)
            else:
                screen.show(view.feed(event))
            if isinstance(event, qa.SessionStatusIdle):
                if until_idle:
                    return
                view.activity = "waiting for events"
