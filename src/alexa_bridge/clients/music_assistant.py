"""A small client for Music Assistant's websocket API: one connection, commands by message id."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import itertools
import logging
from typing import TYPE_CHECKING, Any

import aiohttp

from .exceptions import (
    MusicAssistantAuthError,
    MusicAssistantConnectionError,
    MusicAssistantError,
    MusicAssistantPermissionError,
    MusicAssistantTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

WS_PATH = "/ws"
CONNECT_TIMEOUT = 3.0
COMMAND_TIMEOUT = 4.0
# Error codes of Music Assistant's API that mean "sign in first" or "wrong token"
# (AuthenticationRequired, AuthenticationFailed, InvalidToken), and "not allowed".
AUTH_ERROR_CODES = frozenset({20, 21, 23, 401})
PERMISSION_ERROR_CODE = 22


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What Music Assistant says about itself when a client connects."""

    server_id: str
    server_version: str
    schema_version: int


class MusicAssistantClient:
    """Send commands to Music Assistant over one websocket that reconnects on demand."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: Callable[[], str],
        token: Callable[[], str | None],
    ) -> None:
        """Keep the shared session and sources of the server URL and token (they may change)."""
        self._session = session
        self._url = url
        self._token = token
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._connect_lock = asyncio.Lock()
        self.server_info: ServerInfo | None = None

    async def close(self) -> None:
        """Close the websocket and fail every pending command."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self._fail_pending(MusicAssistantConnectionError("connection closed"))

    async def command(self, command: str, **args: Any) -> Any:
        """Send a command and return its result; raise a MusicAssistantError on failure."""
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT):
                ws = await self._connected()
                message_id = str(next(self._ids))
                future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                self._pending[message_id] = future
                try:
                    await ws.send_json({"message_id": message_id, "command": command, "args": args})
                    return await future
                finally:
                    self._pending.pop(message_id, None)
        except TimeoutError:
            raise MusicAssistantTimeoutError(f"Music Assistant did not answer {command}") from None
        except (aiohttp.ClientError, ConnectionError) as err:
            raise MusicAssistantConnectionError(
                f"Music Assistant is not reachable: {type(err).__name__}"
            ) from err

    async def _connected(self) -> aiohttp.ClientWebSocketResponse:
        """Return the open websocket, connecting and signing in first when needed."""
        async with self._connect_lock:
            if self._ws is not None and not self._ws.closed:
                return self._ws
            url = self._url().rstrip("/") + WS_PATH
            try:
                ws = await self._session.ws_connect(
                    url, timeout=aiohttp.ClientWSTimeout(ws_close=CONNECT_TIMEOUT), heartbeat=30
                )
            except (aiohttp.ClientError, OSError) as err:
                raise MusicAssistantConnectionError(
                    f"Music Assistant is not reachable at {url}: {type(err).__name__}"
                ) from err
            info = await ws.receive_json()
            self.server_info = ServerInfo(
                server_id=str(info.get("server_id", "")),
                server_version=str(info.get("server_version", "")),
                schema_version=int(info.get("schema_version", 0)),
            )
            self._ws = ws
            self._reader = asyncio.get_running_loop().create_task(
                self._read(ws), name="music-assistant-reader"
            )
            token = self._token()
            if token:
                await self._sign_in(ws, token)
            _LOGGER.info("Connected to Music Assistant %s", self.server_info.server_version)
            return ws

    async def _sign_in(self, ws: aiohttp.ClientWebSocketResponse, token: str) -> None:
        """Authenticate with a long-lived token (never logged)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending["auth"] = future
        try:
            await ws.send_json({"message_id": "auth", "command": "auth", "args": {"token": token}})
            await future
        finally:
            self._pending.pop("auth", None)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Dispatch answers to the commands waiting for them; ignore events."""
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = message.json()
                except ValueError:
                    continue
                if isinstance(data, dict) and "message_id" in data:
                    self._resolve(data)
        finally:
            if self._ws is ws:
                self._ws = None
            self._fail_pending(MusicAssistantConnectionError("Music Assistant closed the socket"))

    def _resolve(self, data: dict[str, Any]) -> None:
        """Complete one pending command with its result or error."""
        future = self._pending.get(str(data["message_id"]))
        if future is None or future.done() or data.get("partial"):
            return
        if "error_code" in data:
            code = data.get("error_code")
            details = str(data.get("details") or "error")
            error_type: type[MusicAssistantError] = MusicAssistantError
            if code in AUTH_ERROR_CODES:
                error_type = MusicAssistantAuthError
            elif code == PERMISSION_ERROR_CODE:
                error_type = MusicAssistantPermissionError
            future.set_exception(error_type(f"Music Assistant: {details}"))
        else:
            future.set_result(data.get("result"))

    def _fail_pending(self, error: Exception) -> None:
        """Fail every command still waiting."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
