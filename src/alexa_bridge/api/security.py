"""Who may call which listener: Basic credentials and the ingress peer rule."""

from __future__ import annotations

import base64
import contextlib
import hmac
import ipaddress
from typing import Any

from aiohttp import hdrs, web

from ..exceptions import APIForbidden, APIUnauthorized
from .utils import KEY_CORE, Handler

OPEN_PATHS = frozenset({"/health"})


def peer_address(request: web.Request) -> str | None:
    """Return the TCP peer's address (IPv4-mapped IPv6 unwrapped), never a header."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return None
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def decode_basic_auth(header: str) -> tuple[bytes, bytes] | None:
    """Return (user, password) bytes from a Basic Authorization header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        return None
    user, sep, password = decoded.partition(b":")
    return (user, password) if sep else None


def _matches(sent: bytes, expected: str) -> bool:
    """Compare in constant time with the UTF-8 and the Latin-1 form (MA's aiohttp sends Latin-1)."""
    forms = [expected.encode()]
    with contextlib.suppress(UnicodeEncodeError):  # else only the UTF-8 form can match
        forms.append(expected.encode("latin-1"))
    results = [hmac.compare_digest(sent, form) for form in forms]
    return any(results)


@web.middleware
async def basic_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require the configured Basic credentials on the Music Assistant API."""
    options = request.app[KEY_CORE].options
    if not options.api_auth_enabled or request.path in OPEN_PATHS:
        return await handler(request)
    credentials = decode_basic_auth(request.headers.get(hdrs.AUTHORIZATION, ""))
    if credentials is None:
        raise APIUnauthorized("Basic credentials are required")
    user_ok = _matches(credentials[0], str(options.api_username))
    pass_ok = _matches(credentials[1], str(options.api_password))
    if not (user_ok and pass_ok):
        raise APIUnauthorized("wrong username or password")
    return await handler(request)


def peer_middleware(allowed: frozenset[str]) -> Any:
    """Refuse every TCP peer not in `allowed` (the Supervisor, or loopback)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Check the peer before anything else runs."""
        if peer_address(request) not in allowed:
            raise APIForbidden("this port only serves the Home Assistant panel")
        return await handler(request)

    return middleware
