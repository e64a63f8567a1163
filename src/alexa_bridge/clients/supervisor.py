"""A small typed client of the Supervisor API (the part an add-on may call)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
import logging
import os
from typing import Any, TypeVar

import aiohttp
from yarl import URL

from ..const import ENV_SUPERVISOR_API, ENV_SUPERVISOR_TOKEN, SUPERVISOR_API_URL, VERSION
from ..models.supervisor import AddonInfo, DiscoveryConfig, DiscoveryResult
from .exceptions import (
    SupervisorAuthError,
    SupervisorBadRequestError,
    SupervisorConnectionError,
    SupervisorError,
    SupervisorNotFoundError,
    SupervisorTimeoutError,
)

_LOGGER = logging.getLogger(__name__)
_M = TypeVar("_M")

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
USER_AGENT = f"AlexaBridge/{VERSION}"


def _raise_on_status(status: int, message: str) -> None:
    """Raise the error that matches an HTTP status; return for success."""
    match status:
        case HTTPStatus.BAD_REQUEST:
            raise SupervisorBadRequestError(message)
        case HTTPStatus.UNAUTHORIZED | HTTPStatus.FORBIDDEN:
            raise SupervisorAuthError(message)
        case HTTPStatus.NOT_FOUND:
            raise SupervisorNotFoundError(message)
        case _ if status >= HTTPStatus.BAD_REQUEST:
            raise SupervisorError(message)


def _parse(factory: Callable[[dict[str, Any]], _M], data: dict[str, Any]) -> _M:
    """Build a model from an answer's `data`, or raise SupervisorError."""
    try:
        return factory(data)
    except (KeyError, TypeError, ValueError) as err:
        raise SupervisorError(f"Unexpected answer from the Supervisor: {err}") from err


class _SupervisorTransport:
    """Send authenticated requests and unwrap the `{"result", "data"}` envelope."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_url: str,
        token: str,
        timeout: aiohttp.ClientTimeout,
    ) -> None:
        """Keep the session, base URL, token and timeout."""
        self._session = session
        self._base = URL(api_url)
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        self._timeout = timeout

    def _url(self, path: str) -> URL:
        """Join a relative API path to the base URL."""
        rel = URL(path.lstrip("/"))
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"Supervisor API path must be relative: {path!r}")
        return URL(f"{str(self._base).rstrip('/')}/{rel}")

    async def _request(
        self, method: str, path: str, *, json: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call the API and return the answer's `data` (an empty dict when absent)."""
        url = self._url(path)
        try:
            async with self._session.request(
                method, url, json=json, headers=self._headers, timeout=self._timeout
            ) as resp:
                body = await self._read_body(resp)
        except TimeoutError as err:
            raise SupervisorTimeoutError(
                f"Timeout on {method} {url.path} to the Supervisor"
            ) from err
        except aiohttp.ClientError as err:
            raise SupervisorConnectionError(
                f"Cannot reach the Supervisor at {self._base}: {err}"
            ) from err
        message = str(body.get("message") or f"{resp.status} {resp.reason}")
        _raise_on_status(resp.status, message)
        if body.get("result") != "ok":
            raise SupervisorError(message)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    @staticmethod
    async def _read_body(resp: aiohttp.ClientResponse) -> dict[str, Any]:
        """Read a JSON object body; anything else becomes an empty envelope."""
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def get(self, path: str) -> dict[str, Any]:
        """GET a path and return its `data`."""
        return await self._request("GET", path)

    async def post(self, path: str, json: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST a JSON body to a path and return its `data`."""
        return await self._request("POST", path, json=json)

    async def delete(self, path: str) -> None:
        """DELETE a path."""
        await self._request("DELETE", path)


class AddonsClient:
    """Calls about this add-on (`/addons/self/*`)."""

    def __init__(self, transport: _SupervisorTransport) -> None:
        """Keep the transport."""
        self._transport = transport

    async def self_info(self) -> AddonInfo:
        """Return this add-on's hostname, address and ingress details."""
        return _parse(AddonInfo.from_dict, await self._transport.get("addons/self/info"))


class DiscoveryClient:
    """Calls about discovery messages (`/discovery`)."""

    def __init__(self, transport: _SupervisorTransport) -> None:
        """Keep the transport."""
        self._transport = transport

    async def publish(self, message: DiscoveryConfig) -> DiscoveryResult:
        """Post (or update) the discovery message of a service; return its uuid."""
        data = await self._transport.post("discovery", message.to_dict())
        return _parse(DiscoveryResult.from_dict, data)

    async def delete(self, uuid: str) -> None:
        """Remove a discovery message."""
        await self._transport.delete(f"discovery/{uuid}")


class SupervisorClient:
    """The Supervisor API: one transport, one thin client per area."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_url: str = SUPERVISOR_API_URL,
        token: str,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        """Build the per-area clients on one transport."""
        self._transport = _SupervisorTransport(session, api_url, token, timeout)
        self.addons = AddonsClient(self._transport)
        self.discovery = DiscoveryClient(self._transport)

    @classmethod
    def from_env(
        cls, session: aiohttp.ClientSession, env: Mapping[str, str] | None = None
    ) -> SupervisorClient:
        """Build a client from SUPERVISOR_API and SUPERVISOR_TOKEN."""
        env = os.environ if env is None else env
        return cls(
            session,
            api_url=env.get(ENV_SUPERVISOR_API) or SUPERVISOR_API_URL,
            token=env.get(ENV_SUPERVISOR_TOKEN, ""),
        )
