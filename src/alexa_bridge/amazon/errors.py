"""Errors of the Amazon account component; each message says what to do next."""

from __future__ import annotations

from ..exceptions import BridgeError


class AmazonError(BridgeError):
    """Root of the Amazon account errors."""


class AmazonInputError(AmazonError):
    """What the user entered or pasted can not be used; the message says why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Keep the message and which input it is about (a form field name), if one."""
        super().__init__(message)
        self.field = field


class AmazonNotSignedInError(AmazonError):
    """An Amazon call needs a signed-in account."""


class AmazonAuthError(AmazonError):
    """Amazon ended the session: the user must sign in again."""


class AmazonConnectionError(AmazonError, ConnectionError):
    """Amazon could not be reached or answered with a server error; retry later."""


class AmazonRateLimitedError(AmazonError):
    """Amazon asked us to slow down (HTTP 429); calls wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        """Say how long calls are held back."""
        super().__init__(
            f"Amazon asked the bridge to slow down; it tries again in {retry_after:.0f} s"
        )
        self.retry_after = retry_after
