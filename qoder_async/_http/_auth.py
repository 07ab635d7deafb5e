"""Token providers: where the bearer token of each attempt comes from.

``token=`` takes a string, a callable or async callable returning the current token, or a
:class:`Credential` (an object with ``async get_token()``, such as
:class:`ServiceAccountCredential`). The HTTP core asks for the token before every attempt:
each retry and each stream reconnect, so a rotating token is always current.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Protocol, Union

from .._errors import InvalidInputError

__all__ = ["Credential", "TokenProvider", "TokenSource", "current_token", "token_rejected"]

TokenProvider = Callable[[], Union[str, Awaitable[str]]]
"""A callable or async callable returning the current token."""


class Credential(Protocol):
    """An object that hands out the current access token (``await credential.get_token()``)."""

    async def get_token(self) -> str:
        """The token to send now."""
        ...


TokenSource = Union[str, TokenProvider, Credential]
"""What ``token=`` accepts."""


async def current_token(source: TokenSource) -> str:
    """The token to send on this attempt.

    Raises:
        InvalidInputError: the provider returned something that is not a non-empty string.
    """
    if isinstance(source, str):
        return source
    get_token = getattr(source, "get_token", None)
    value: object = get_token() if callable(get_token) else source()  # type: ignore[operator]  # a TokenProvider when it has no get_token
    if inspect.isawaitable(value):
        value = await value
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"the token provider returned {type(value).__name__}, not a non-empty string"
        )
    return value


def token_rejected(source: TokenSource, token: str) -> bool:
    """Tell ``source`` that the API refused ``token`` (401); whether a fresh token may be
    asked for and the request sent once more.

    Only a source that knows tokens expire (a credential with ``token_rejected(token)``)
    can say yes: a fixed string or a plain callable would hand out the same refused token.
    """
    hook = getattr(source, "token_rejected", None)
    return bool(hook(token)) if callable(hook) else False
