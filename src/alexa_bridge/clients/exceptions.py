"""Errors of the Supervisor client, one per kind of failure."""

from __future__ import annotations

from ..exceptions import BridgeError


class SupervisorError(BridgeError):
    """The Supervisor did not answer as expected."""


class SupervisorConnectionError(SupervisorError, ConnectionError):
    """The Supervisor could not be reached."""


class SupervisorTimeoutError(SupervisorError, TimeoutError):
    """The Supervisor did not answer in time."""


class SupervisorBadRequestError(SupervisorError):
    """The Supervisor refused the request as malformed (400)."""


class SupervisorAuthError(SupervisorError):
    """The token is wrong (401) or the call is not allowed (403)."""


class SupervisorNotFoundError(SupervisorError):
    """The thing asked for does not exist (404)."""


class MusicAssistantError(BridgeError):
    """Music Assistant refused a command or answered unexpectedly."""


class MusicAssistantConnectionError(MusicAssistantError, ConnectionError):
    """Music Assistant's websocket API could not be reached."""


class MusicAssistantTimeoutError(MusicAssistantError, TimeoutError):
    """Music Assistant did not answer in time."""


class MusicAssistantAuthError(MusicAssistantError):
    """Music Assistant needs a valid long-lived token (server schema 28 and newer)."""


class MusicAssistantPermissionError(MusicAssistantError):
    """The token's user may not run the command (MA's admin-only settings)."""
