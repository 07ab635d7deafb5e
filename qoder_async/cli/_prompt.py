"""The chat's prompt on a terminal: line editing and a history kept across runs.

prompt_toolkit reads the keys (arrows, Ctrl-A/E, Ctrl-R, Ctrl-L, Up for history) so none of
them reach the agent as escape codes. The history lives in a file under the user's state
directory, or where ``QODER_CHAT_HISTORY`` says.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory

from ._screen import USER_MARK

__all__ = ["HISTORY_VARIABLE", "Prompt", "history_path"]

HISTORY_VARIABLE = "QODER_CHAT_HISTORY"


def history_path() -> Path:
    """Where the chat keeps what was typed: ``$QODER_CHAT_HISTORY``, else the state dir."""
    override = os.environ.get(HISTORY_VARIABLE)
    if override:
        return Path(override)
    return platformdirs.user_state_path("qoder-async") / "chat-history"


class Prompt:
    """Reads one edited line at a time (a message, or the answer to a question); ``None``
    at Ctrl-D.

    Raises:
        KeyboardInterrupt: Ctrl-C was pressed at the prompt.
    """

    def __init__(self, path: Path | None = None) -> None:
        path = history_path() if path is None else path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._session: PromptSession[str] = PromptSession(history=FileHistory(str(path)))
        # Answers to questions are not messages: they stay out of the chat's history.
        self._questions: PromptSession[str] = PromptSession()

    async def read(self) -> str | None:
        """The next line typed, or ``None`` at the end of input (Ctrl-D)."""
        mark = FormattedText([("bold ansicyan", USER_MARK)])
        try:
            # handle_sigint=False: prompt_toolkit would take over SIGINT from the loop and give
            # it back to Python's default handler, leaving the chat's Ctrl-C watcher deaf.
            return await self._session.prompt_async(mark, handle_sigint=False)
        except EOFError:
            return None

    async def ask(self, question: FormattedText) -> str | None:
        """One line answering ``question`` (kept out of the history); ``None`` at Ctrl-C or
        Ctrl-D."""
        try:
            return await self._questions.prompt_async(question, handle_sigint=False)
        except (EOFError, KeyboardInterrupt):
            return None
