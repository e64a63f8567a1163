"""Check from inside the home that the public address reaches this very bridge."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
import logging
import secrets
import time
from urllib.parse import urlsplit

import aiohttp

_LOGGER = logging.getLogger(__name__)

CHECK_TIMEOUT = aiohttp.ClientTimeout(total=8)
PROBE_LIFETIME = 30.0
MAX_PROBES = 8
PROBE_PATH = "/health/"


@dataclass(slots=True)
class PublicProbes:
    """One-time probe names: the public /health tells nothing, yet the check knows it is us."""

    _pending: dict[str, float] = field(default_factory=dict)

    def issue(self) -> str:
        """Return a new random probe name, valid for a short while."""
        now = time.monotonic()
        self._pending = {name: due for name, due in self._pending.items() if due > now}
        while len(self._pending) >= MAX_PROBES:
            del self._pending[next(iter(self._pending))]
        name = secrets.token_urlsafe(24)
        self._pending[name] = now + PROBE_LIFETIME
        return name

    def confirm(self, name: str) -> bool:
        """Return whether the name was issued and is still valid (each works once)."""
        due = self._pending.pop(name, None)
        return due is not None and due > time.monotonic()


@dataclass(frozen=True, slots=True)
class PublicCheck:
    """The outcome of one check; a failure is a warning, not a verdict."""

    url: str
    ok: bool
    reason: str | None
    checked_at: float


def _failure(url: str, reason: str) -> PublicCheck:
    """Build a failed check."""
    return PublicCheck(url, ok=False, reason=reason, checked_at=time.time())


async def check_public_address(  # noqa: C901 - one except per way a connection fails
    session: aiohttp.ClientSession, url: str, probes: PublicProbes
) -> PublicCheck:
    """GET <url>/health/<one-time name> over HTTPS; only this bridge knows the name."""
    if urlsplit(url).scheme != "https":
        return _failure(url, "the address must start with https://")
    try:
        async with session.get(
            f"{url}{PROBE_PATH}{probes.issue()}", timeout=CHECK_TIMEOUT, allow_redirects=False
        ) as resp:
            if resp.status == HTTPStatus.NOT_FOUND:
                return _failure(url, "it answered, but for another server, not this bridge")
            if resp.status != HTTPStatus.OK:
                return _failure(url, f"it answered HTTP {resp.status}")
            body = await resp.json(content_type=None)
    except aiohttp.ClientConnectorDNSError:
        return _failure(url, "the host name does not resolve")
    except aiohttp.ClientConnectorCertificateError as err:
        return _failure(url, f"its certificate is not trusted ({err.certificate_error})")
    except aiohttp.ClientSSLError:
        return _failure(url, "the TLS handshake failed")
    except aiohttp.ClientConnectorError as err:
        return _failure(url, f"the connection failed ({err.strerror or 'refused'})")
    except TimeoutError:
        return _failure(url, "it did not answer within 8 seconds")
    except (aiohttp.ClientError, ValueError):
        return _failure(url, "it did not answer like Alexa Bridge")
    if not isinstance(body, dict) or body.get("status") != "ok":
        return _failure(url, "it did not answer like Alexa Bridge")
    _LOGGER.info("Public address check passed")
    return PublicCheck(url, ok=True, reason=None, checked_at=time.time())
