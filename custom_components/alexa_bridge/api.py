"""A small client of the bridge's status API (GET /api/status on its MA API listener)."""

from __future__ import annotations

import base64
from http import HTTPStatus
from typing import Any, TypedDict
from urllib.parse import urlsplit

import aiohttp

from .const import REQUEST_TIMEOUT, VIEW_PREFIX


class BridgeError(Exception):
    """The bridge could not answer the way the integration needs."""


class BridgeConnectionError(BridgeError):
    """The bridge cannot be reached, or does not answer like Alexa Bridge."""


class BridgeAuthError(BridgeError):
    """The bridge refused the credentials (api_username / api_password)."""


class EchoStatus(TypedDict):
    """One Echo of the Amazon account and its Music Assistant player."""

    serial: str
    name: str
    family: str
    online: bool
    can_play: bool
    player_id: str | None
    paired: bool
    activity: str | None
    last_push: str | None


class MusicAssistantStatus(TypedDict):
    """Whether Music Assistant's Alexa provider reaches the bridge, and its generation."""

    state: str
    generation: str | None
    provider_loaded_at: str | None
    api_url: str
    needs_api_url: bool
    provider_check: dict[str, Any] | None
    players: list[dict[str, Any]]


class StatusDocument(TypedDict):
    """The bridge's status, as src/alexa_bridge/models/status.py defines it."""

    schema: int
    version: str
    instance_id: str
    supervised: bool
    skill: dict[str, Any]
    amazon: dict[str, Any]
    public: dict[str, Any]
    activity: dict[str, str | None]
    echos: list[EchoStatus]
    echos_error: str | None
    pairings: list[dict[str, Any]]
    repairs: dict[str, bool | None]
    home_assistant: dict[str, Any] | None
    music_assistant: MusicAssistantStatus


def basic_auth(username: str, password: str) -> str:
    """Return the Authorization header value of HTTP Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def normalise_url(url: str) -> str:
    """Return an http(s) base URL without a trailing slash, or raise ValueError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError("expected no query or fragment")
    _ = parts.port  # raises ValueError for a bad port
    return url.strip().rstrip("/")


class BridgeClient:
    """Call the bridge's status API with the entry's credentials."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """Keep the session, the MA API's base URL and the optional Basic credentials."""
        self._session = session
        self.url = normalise_url(url)
        # A header of our own: aiohttp's `auth=` and BasicAuth are deprecated (Home Assistant
        # reports the first). The bridge compares the credentials as UTF-8 bytes.
        self._headers = {"Authorization": basic_auth(username, password or "")} if username else {}

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        """Send one request and return its JSON; map failures to the client's errors."""
        try:
            async with self._session.request(
                method,
                f"{self.url}{path}",
                json=body,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
                allow_redirects=False,
            ) as resp:
                if resp.status == HTTPStatus.UNAUTHORIZED:
                    raise BridgeAuthError("the bridge refused the credentials")
                data = await resp.json(content_type=None)
                if resp.status != HTTPStatus.OK:
                    message = data.get("error") if isinstance(data, dict) else None
                    raise BridgeError(message or f"the bridge answered HTTP {resp.status}")
                return data
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise BridgeConnectionError(f"cannot reach the bridge at {self.url}: {err}") from err

    async def status(self) -> StatusDocument:
        """Return the bridge's status document."""
        data = await self._request("GET", "/api/status")
        if not isinstance(data, dict) or "instance_id" not in data or "repairs" not in data:
            raise BridgeConnectionError(f"{self.url} does not answer like Alexa Bridge")
        document: StatusDocument = data  # type: ignore[assignment]
        return document

    async def test_play(self, serial: str) -> dict[str, Any]:
        """Start a test play on the Echo with this serial."""
        result: dict[str, Any] = await self._request("POST", "/api/test-play", {"serial": serial})
        return result

    async def report_home_assistant(self, external_url: str | None) -> dict[str, Any]:
        """Tell the bridge Home Assistant's external URL and where the forwarding views live."""
        body = {"external_url": external_url, "path_prefix": VIEW_PREFIX}
        result: dict[str, Any] = await self._request("POST", "/api/home-assistant", body)
        return result
