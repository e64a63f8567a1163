"""Check from inside the home that the public address reaches this very bridge."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
import logging
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from ..config.validate import public_url as validate_public_url

if TYPE_CHECKING:
    from ..core import BridgeCore

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
        refused = isinstance(err.os_error, ConnectionRefusedError)
        return _failure(url, f"the connection failed ({'refused' if refused else err.strerror})")
    except TimeoutError:
        return _failure(url, "it did not answer within 8 seconds")
    except (aiohttp.ClientError, ValueError):
        return _failure(url, "it did not answer like Alexa Bridge")
    if not isinstance(body, dict) or body.get("status") != "ok":
        return _failure(url, "it did not answer like Alexa Bridge")
    _LOGGER.info("Public address check passed")
    return PublicCheck(url, ok=True, reason=None, checked_at=time.time())


class PublicAddress:
    """Own the public address: where it comes from, saving it, and its check from inside."""

    def __init__(self, core: BridgeCore) -> None:
        """Bind to the core (options and settings hold the address itself)."""
        self._core = core
        self._check: PublicCheck | None = None
        self.probes = PublicProbes()

    @property
    def url(self) -> str | None:
        """Return the public https address: the add-on option wins over the panel's."""
        return self._core.options.public_url or self._core.settings.public_url

    @property
    def from_option(self) -> bool:
        """Return whether the add-on option sets the address (the panel cannot change it)."""
        return self._core.options.public_url is not None

    @property
    def check(self) -> PublicCheck | None:
        """Return the last check, only if it was made for the current address."""
        check = self._check
        return check if check is not None and check.url == self.url else None

    async def save(self, url: str) -> PublicCheck:
        """Validate and store an address typed in the panel, then check it."""
        await self._core.settings.set_public_url(validate_public_url(url))
        return await self.recheck()

    async def recheck(self) -> PublicCheck:
        """Check that the current address reaches this bridge, and remember the outcome."""
        url = self.url
        if url is None:
            raise ValueError("there is no public address to check")
        self._check = await check_public_address(self._core.session, url, self.probes)
        return self._check
