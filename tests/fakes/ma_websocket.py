"""A fake Music Assistant server speaking its websocket API (greeting, auth, commands)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "ma-long-lived-token-for-tests"
# The two players of the shared `music_assistant` fixture.
KITCHEN = "Kitchen Echo"
BEDROOM = "Bedroom Echo"
ERROR_AUTH_REQUIRED = 20
ERROR_INVALID_TOKEN = 23
ERROR_INVALID_COMMAND = 1
ERROR_PLAYER_UNAVAILABLE = 999


class FakeMusicAssistantError(Exception):
    """An error MA answers with its own code (models errors.py) and details."""

    def __init__(self, code: int, details: str) -> None:
        """Keep MA's error code and text."""
        super().__init__(details)
        self.code = code
        self.details = details


@dataclass
class FakeMusicAssistant:
    """Players with a playback state; every command is recorded as (command, args)."""

    token: str | None = TOKEN
    players: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delay: float = 0.0
    port: int = 0
    connections: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL (as the `ma_url` option takes it)."""
        return f"http://127.0.0.1:{self.port}"

    def sent(self, command: str) -> list[dict[str, Any]]:
        """Return the arguments of every received `command`."""
        return [args for name, args in self.commands if name == command]

    def _answer(self, command: str, args: dict[str, Any]) -> Any:
        """Carry out a command like MA would, or raise LookupError/KeyError."""
        player_id = args.get("player_id") or args.get("queue_id")
        if player_id not in self.players:
            raise LookupError(f"Player {player_id} is not available")
        match command:
            case "players/get":
                return {"player_id": player_id, "playback_state": self.players[player_id]}
            case "players/cmd/pause":
                self.players[player_id] = "paused"
            case "players/cmd/play":
                self.players[player_id] = "playing"
            case "players/cmd/stop":
                self.players[player_id] = "idle"
            case (
                "players/cmd/next"
                | "players/cmd/previous"
                | "player_queues/shuffle"
                | "player_queues/repeat"
                | "player_queues/seek"
            ):
                pass
            case _:
                raise KeyError(command)
        return None

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        """Greet, require auth when a token is set, then answer commands by message id."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_json(
            {
                "server_id": "fake-ma",
                "server_version": "2.7.0",
                "schema_version": 28,
                "min_supported_schema_version": 24,
                "base_url": self.url,
                "homeassistant_addon": True,
                "onboard_done": True,
            }
        )
        authenticated = self.token is None
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            data = message.json()
            message_id, command = data.get("message_id"), data.get("command")
            args = data.get("args") or {}
            if command == "auth":
                authenticated = args.get("token") == self.token
                answer: dict[str, Any] = (
                    {"result": {"authenticated": True, "user": {"username": "bridge"}}}
                    if authenticated
                    else {"error_code": ERROR_INVALID_TOKEN, "details": "Invalid or expired token"}
                )
            elif not authenticated:
                answer = {
                    "error_code": ERROR_AUTH_REQUIRED,
                    "details": "Authentication required. Please send auth command first.",
                }
            else:
                self.commands.append((command, args))
                if self.delay:
                    await asyncio.sleep(self.delay)
                try:
                    answer = {"result": self._answer(command, args)}
                except FakeMusicAssistantError as err:
                    answer = {"error_code": err.code, "details": err.details}
                except LookupError as err:
                    answer = {"error_code": ERROR_PLAYER_UNAVAILABLE, "details": str(err)}
                except KeyError:
                    answer = {
                        "error_code": ERROR_INVALID_COMMAND,
                        "details": f"Invalid command: {command}",
                    }
            await ws.send_json({"message_id": message_id, "partial": False, **answer})
        return ws

    async def start(self) -> None:
        """Listen on a free loopback port at /ws."""
        app = web.Application()
        app.router.add_get("/ws", self._ws)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop (also how a test takes Music Assistant down)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
