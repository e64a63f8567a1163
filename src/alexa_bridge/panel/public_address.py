"""Check from inside the home that the public address reaches this very bridge."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
import logging
import time
from urllib.parse import urlsplit

import aiohttp

_LOGGER = logging.getLogger(__name__)

CHECK_TIMEOUT = aiohttp.ClientTimeout(total=8)


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


async def check_public_address(
    session: aiohttp.ClientSession, url: str, instance_id: str
) -> PublicCheck:
    """GET <url>/health over HTTPS and expect this bridge's own instance id."""
    if urlsplit(url).scheme != "https":
        return _failure(url, "the address must start with https://")
    try:
        async with session.get(
            f"{url}/health", timeout=CHECK_TIMEOUT, allow_redirects=False
        ) as resp:
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
    if not isinstance(body, dict) or body.get("instance") != instance_id:
        return _failure(url, "it answered, but for another server, not this bridge")
    _LOGGER.info("Public address check passed")
    return PublicCheck(url, ok=True, reason=None, checked_at=time.time())
