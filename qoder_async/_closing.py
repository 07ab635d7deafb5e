"""AsyncCloseable: ``async with obj:`` closes ``obj`` on the way out."""

from __future__ import annotations

import sys
from types import TracebackType

if sys.version_info >= (3, 11):
    from typing import Self
else:  # cattrs and anyio bring typing_extensions on 3.10
    from typing_extensions import Self

__all__ = ["AsyncCloseable"]


class AsyncCloseable:
    """A base for objects that hold connections: subclasses define :meth:`aclose`."""

    async def aclose(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
