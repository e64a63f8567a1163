"""The Alexa web API an Echo is driven through, on session cookies minted from the device token."""

from __future__ import annotations

from collections.abc import Callable
import json
import logging
from typing import Any

import aiohttp
from alexapy.secureauth import (
    AuthTerminalError,
    AuthTransientError,
    DeviceCredentials,
    TokenManager,
)

from .const import CSRF_PATHS, PATH_BEHAVIORS, PATH_DEVICES, USER_AGENT, WEB_SESSION_MAX_AGE
from .errors import AmazonAuthError, AmazonConnectionError, AmazonRateLimitedError

_LOGGER = logging.getLogger(__name__)

HTTP_OK_MIN = 200
HTTP_OK_MAX = 299
HTTP_UNAUTHORIZED = 401
HTTP_TOO_MANY = 429
HTTP_CLIENT_ERROR = 400
_RATE_LIMITED = "HTTP 429"
_RETRY_AFTER_UNKNOWN = 0.0


class AlexaWebSession:
    """Cookies for `alexa.<domain>`, re-minted from the refresh token when they age or die."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: DeviceCredentials,
        clock: Callable[[], float],
    ) -> None:
        """Bind to the HTTP session and the stored device credentials."""
        self._session = session
        self._tokens = TokenManager(credentials)
        self._clock = clock
        self._cookies: dict[str, str] | None = None
        self._csrf: str | None = None
        self._minted = 0.0
        self.domain = credentials.domain
        self.base = f"https://alexa.{credentials.domain}"

    @property
    def credentials(self) -> DeviceCredentials:
        """Return the device credentials this session runs on."""
        return self._tokens.credentials

    async def deregister(self) -> None:
        """Ask Amazon to forget this device registration (best effort, never raises)."""
        if await self._tokens.async_deregister(self._session):
            _LOGGER.debug("Amazon removed the bridge's device registration")

    def forget(self) -> None:
        """Drop the cookies, so the next call mints new ones."""
        self._cookies = None
        self._csrf = None

    async def mint(self) -> None:
        """Check the refresh token, exchange it for cookies and fetch a CSRF token."""
        try:
            await self._tokens.async_refresh_access_token(self._session)
            by_domain = await self._tokens.async_exchange_cookies(self._session)
        except AuthTerminalError as err:
            raise AmazonAuthError(str(err)) from None
        except AuthTransientError as err:
            if _RATE_LIMITED in str(err):
                raise AmazonRateLimitedError(_RETRY_AFTER_UNKNOWN) from None
            raise AmazonConnectionError(f"Amazon could not renew the session: {err}") from None
        cookies: dict[str, str] = {}
        for domain_cookies in by_domain.values():
            cookies.update(domain_cookies)
        self._cookies = cookies
        self._csrf = None
        for path in CSRF_PATHS:
            async with await self._send("get", path) as response:
                if response.status == HTTP_TOO_MANY:
                    raise AmazonRateLimitedError(_RETRY_AFTER_UNKNOWN)
                csrf = response.cookies.get("csrf")
                if csrf is not None:
                    self._csrf = csrf.value
                    cookies["csrf"] = csrf.value
                    break
        if self._csrf is None:
            _LOGGER.debug("Amazon gave no CSRF token; commands may be refused")
        self._minted = self._clock()

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> aiohttp.ClientResponse:
        """Send one request with the session cookies; map transport failures."""
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json; charset=utf-8",
            "Referer": f"{self.base}/spa/index.html",
            "Cookie": "; ".join(f"{name}={value}" for name, value in (self._cookies or {}).items()),
        }
        if self._csrf:
            headers["csrf"] = self._csrf
        try:
            return await self._session.request(
                method, f"{self.base}{path}", json=body, headers=headers
            )
        except (aiohttp.ClientError, TimeoutError) as err:
            raise AmazonConnectionError(
                f"Amazon's Alexa service could not be reached: {err}"
            ) from err

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the Alexa web API; a 401 re-mints the cookies once before it counts."""
        for attempt in range(2):
            if self._cookies is None or self._clock() - self._minted > WEB_SESSION_MAX_AGE:
                await self.mint()
            async with await self._send(method, path, body) as response:
                status = response.status
                if status == HTTP_UNAUTHORIZED and attempt == 0:
                    _LOGGER.debug("Alexa answered 401 on %s; renewing the session", path)
                    self.forget()
                    continue
                if status == HTTP_UNAUTHORIZED:
                    raise AmazonAuthError(f"Alexa refused the renewed session on {path}")
                if status == HTTP_TOO_MANY:
                    raise AmazonRateLimitedError(_retry_after(response))
                if not HTTP_OK_MIN <= status <= HTTP_OK_MAX:
                    raise AmazonConnectionError(f"Alexa answered HTTP {status} on {path}")
                text = await response.text()
            return json.loads(text) if text.strip() else None
        raise AmazonAuthError("unreachable")  # pragma: no cover

    async def get_devices(self) -> list[dict[str, Any]]:
        """Return the raw device list of the account."""
        data = await self.request("get", PATH_DEVICES, None)
        devices = data.get("devices") if isinstance(data, dict) else None
        if not isinstance(devices, list):
            raise AmazonConnectionError("Alexa answered the device list without devices")
        return [device for device in devices if isinstance(device, dict)]

    async def run_behavior(self, sequence: dict[str, Any]) -> None:
        """Run a behavior sequence now, as the Alexa app's routine preview does."""
        body = {
            "behaviorId": "PREVIEW",
            "sequenceJson": json.dumps(sequence),
            "status": "ENABLED",
        }
        await self.request("post", PATH_BEHAVIORS, body)


def _retry_after(response: aiohttp.ClientResponse) -> float:
    """Return Amazon's Retry-After in seconds, when it sends a number."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return _RETRY_AFTER_UNKNOWN
