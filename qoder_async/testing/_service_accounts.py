"""Service accounts in the emulator: the keys it accepts and the access tokens it issued.

Tokens issued by the exchange expire: a request carrying an expired one gets 401, as the
real API answers. Any other bearer token is accepted, as before (a test's PAT).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["EXCHANGE_PATH", "ServiceAccounts"]

EXCHANGE_PATH = "/api/v1/serviceToken/exchange"


@dataclass
class ServiceAccounts:
    """Thread-safe: the test thread registers keys, the server loop exchanges them."""

    keys: dict[str, int | None] = field(default_factory=dict)
    issued: dict[str, float] = field(default_factory=dict)
    exchanges: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, ttl_seconds: int | None) -> None:
        """Accept ``key``; ``ttl_seconds`` caps the lifetime of its tokens."""
        with self.lock:
            self.keys[key] = ttl_seconds

    def issue(self, key: str, requested_ttl: int) -> tuple[str, int] | None:
        """A new token and its lifetime for a known key; ``None`` for an unknown one."""
        with self.lock:
            self.exchanges += 1
            if key not in self.keys:
                return None
            cap = self.keys[key]
            ttl = min(requested_ttl, cap) if cap is not None else requested_ttl
            token = "sat-" + secrets.token_urlsafe(24)
            self.issued[token] = time.monotonic() + ttl
            return token, ttl

    def expired(self, token: str) -> bool:
        """Whether ``token`` was issued here and its lifetime is over."""
        with self.lock:
            expires = self.issued.get(token)
        return expires is not None and time.monotonic() >= expires

    def expire_all(self) -> None:
        """End the lifetime of every token issued so far."""
        with self.lock:
            now = time.monotonic()
            self.issued = dict.fromkeys(self.issued, now)
