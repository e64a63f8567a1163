"""Errors of the bridge; HTTP statuses are attached here and nowhere else."""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error the bridge raises on purpose."""


class OptionsError(BridgeError):
    """An option is invalid; the message names the key, the value and the rule."""


class StorageError(BridgeError):
    """State could not be read or written in the data directory."""


class ListenerError(BridgeError):
    """A listener could not be started (port taken, unsafe bind)."""


class VerificationError(BridgeError):
    """An Alexa request failed one of the signature or freshness checks."""


class APIError(BridgeError):
    """An error answered to an HTTP caller with `status`."""

    status = 400


class APIUnauthorized(APIError):
    """Credentials are missing or wrong."""

    status = 401


class APIForbidden(APIError):
    """The caller may not use this listener or route."""

    status = 403


class APINotFound(APIError):
    """The thing asked for does not exist (or no longer does)."""

    status = 404


class APIPayloadTooLarge(APIError):
    """The request body is larger than the route accepts."""

    status = 413


class APIBadGateway(APIError):
    """Music Assistant, behind the relay, did not answer usefully."""

    status = 502


class APIUnavailable(APIError):
    """A component the route needs is not ready."""

    status = 503
