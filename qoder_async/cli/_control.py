"""Ctrl-C during a conversation: the first press interrupts the turn, the next one quits."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from anyio.abc import TaskGroup, TaskStatus

import qoder_async as qa

from ._view import TurnView

__all__ = ["CtrlC"]


class CtrlC:
    """Receives SIGINT as an event while :meth:`watch` runs.

    During a turn (see :meth:`turn`) the first press sends ``user.interrupt`` and the turn
    ends as the API ends it; any other press cancels ``quit_scope``, and :attr:`quit` is set.
    """

    def __init__(self, quit_scope: anyio.CancelScope) -> None:
        self._quit_scope = quit_scope
        self._turn: tuple[qa.AsyncSession, TurnView] | None = None
        self.interrupting = False
        """An interrupt was requested for the current turn."""
        self.quit = False
        """Ctrl-C ended the program."""

    @contextmanager
    def turn(self, session: qa.AsyncSession, view: TurnView) -> Iterator[None]:
        """Mark a turn as running in ``session`` for the duration of the block."""
        self._turn = (session, view)
        self.interrupting = False
        try:
            yield
        finally:
            self._turn = None

    async def watch(
        self, task_group: TaskGroup, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Handle presses until cancelled; started with ``await task_group.start(...)``."""
        try:
            with anyio.open_signal_receiver(signal.SIGINT) as presses:
                task_status.started()
                async for _ in presses:
                    self._pressed(task_group)
        except NotImplementedError:
            # No signal receivers here (Windows): Ctrl-C raises KeyboardInterrupt instead.
            task_status.started()

    def _pressed(self, task_group: TaskGroup) -> None:
        if self._turn is not None and not self.interrupting:
            self.interrupting = True
            session, view = self._turn
            view.activity = "interrupting (Ctrl-C again to quit)"
            task_group.start_soon(self._interrupt, session, view)
            return
        self.quit = True
        self._quit_scope.cancel()

    @staticmethod
    async def _interrupt(session: qa.AsyncSession, view: TurnView) -> None:
        try:
            await session.interrupt()
        except qa.QoderError as exc:
            view.activity = f"could not interrupt ({exc}); Ctrl-C again to quit"
