"""LiveText: fold live previews into the growing text of messages, for chat UIs."""

from __future__ import annotations

from attrs import frozen

from .._models._events import Event, EventDelta, EventStart

__all__ = ["LiveText", "Preview"]


@frozen(kw_only=True)
class Preview:
    """The current text of one event being written.

    Attributes:
        id: the event's id (the buffered event that replaces the preview has the same id).
        event_type: ``agent.message`` or ``agent.thinking``.
        text: the text so far (blocks concatenated, as ``AgentMessage.text`` does).
        final: the buffered event arrived (``text`` is now its full text) or the preview
            ended without one (``aborted``).
        aborted: the model request ended before the buffered event came.
    """

    id: str
    event_type: str
    text: str
    final: bool = False
    aborted: bool = False


class LiveText:
    """Feed it every event of a ``deltas=True`` stream; it returns what to render.

    ::

        live = qa.LiveText()
        async for event in session.events(deltas=True):
            preview = live.update(event)
            if preview is not None:
                render(preview.id, preview.text, done=preview.final)
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[str, dict[int, str]]] = {}

    @property
    def open_ids(self) -> list[str]:
        """Ids of previews still being written."""
        return list(self._open)

    def update(self, event: Event) -> Preview | None:
        """Apply one event; return the preview it changed, or ``None``."""
        if isinstance(event, EventStart):
            self._open[event.id] = (event.event_type, {})
            return Preview(id=event.id, event_type=event.event_type, text="")
        if isinstance(event, EventDelta):
            kind, blocks = self._open.setdefault(event.id, ("agent.message", {}))
            blocks[event.index] = blocks.get(event.index, "") + event.text
            return Preview(id=event.id, event_type=kind, text=_join(blocks))
        opened = self._open.pop(event.id, None) if event.id else None
        if opened is not None:
            text = getattr(event, "text", None)
            return Preview(
                id=event.id,
                event_type=event.type,
                text=text if isinstance(text, str) else _join(opened[1]),
                final=True,
            )
        if event.type == "span.model_request_end" and self._open:
            # The request ended before the buffered event: no replacement will come.
            last_id, (kind, blocks) = self._open.popitem()
            self._open.clear()
            return Preview(
                id=last_id, event_type=kind, text=_join(blocks), final=True, aborted=True
            )
        return None


def _join(blocks: dict[int, str]) -> str:
    return "".join(blocks[i] for i in sorted(blocks))
