"""A fake Music Assistant server speaking its websocket API (greeting, auth, commands)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import itertools
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import WSMsgType, web

TOKEN = "ma-long-lived-token-for-tests"
# The two players of the shared `music_assistant` fixture.
KITCHEN = "Kitchen Echo"
BEDROOM = "Bedroom Echo"
# Music Assistant's error codes (music_assistant_models/errors.py).
ERROR_MEDIA_NOT_FOUND = 2
ERROR_PLAYER_UNAVAILABLE = 10
ERROR_INVALID_COMMAND = 12
ERROR_AUTH_REQUIRED = 20
ERROR_INVALID_TOKEN = 23
# SearchResults keys by media type ("radio" is singular in MA's model).
RESULT_KEYS = {
    "artist": "artists",
    "album": "albums",
    "track": "tracks",
    "playlist": "playlists",
    "radio": "radio",
}


class MediaError(Exception):
    """A media URI MA cannot resolve."""


def media_item(
    media_type: str,
    name: str,
    item_id: str,
    *,
    provider: str = "library",
    artists: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return a media item shaped like MA's (library items carry library:// URIs)."""
    item: dict[str, Any] = {
        "item_id": item_id,
        "provider": provider,
        "name": name,
        "version": "",
        "sort_name": name.casefold(),
        "uri": f"{provider}://{media_type}/{item_id}",
        "external_ids": [],
        "is_playable": True,
        "media_type": media_type,
        "provider_mappings": [
            {
                "item_id": item_id,
                "provider_domain": "filesystem_local" if provider == "library" else provider,
                "provider_instance": provider,
                "available": True,
                "in_library": provider == "library",
            }
        ],
        "metadata": {"images": []},
        "favorite": False,
        "position": None,
    }
    if media_type in ("track", "album"):
        item["artists"] = [
            {"item_id": f"a-{n}", "provider": provider, "name": artist, "media_type": "artist"}
            for n, artist in enumerate(artists)
        ]
    return item


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
    library: list[dict[str, Any]] = field(default_factory=list)
    now: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where and how play_media pushes the new stream: "G6" (playerId, canSkipSpeech) or "G4".
    bridge_url: str | None = None
    stream_base: str = "http://127.0.0.1:8097"
    generation: str = "G6"
    push_delay: float = 0.3
    pushes: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    spoken_triggers: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _sessions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """Return the server's base URL (as the `ma_url` option takes it)."""
        return f"http://127.0.0.1:{self.port}"

    def sent(self, command: str) -> list[dict[str, Any]]:
        """Return the arguments of every received `command`."""
        return [args for name, args in self.commands if name == command]

    def _player(self, player_id: str) -> dict[str, Any]:
        """Return a player in the shape of MA's Player model."""
        return {
            "player_id": player_id,
            "provider": "alexa" if "Echo" in player_id else "sonos",
            "type": "player",
            "name": player_id,
            "display_name": player_id,
            "available": True,
            "enabled": True,
            "hide_in_ui": False,
            "playback_state": self.players[player_id],
            "state": self.players[player_id],
            "current_media": self.now.get(player_id),
        }

    def _search(self, args: dict[str, Any]) -> dict[str, Any]:
        """Answer music/search: library items first, each list cut to the limit."""
        words = str(args["search_query"]).casefold().split()
        result: dict[str, list[Any]] = {key: [] for key in RESULT_KEYS.values()}
        result.update(audiobooks=[], podcasts=[], genres=[])
        hits = [
            item
            for item in self.library
            if item["media_type"] in args.get("media_types", RESULT_KEYS)
            and all(word in item["name"].casefold() for word in words)
        ]
        hits.sort(key=lambda item: item["provider"] != "library")
        for item in hits:
            entries = result[RESULT_KEYS[item["media_type"]]]
            if len(entries) < int(args.get("limit", 25)):
                entries.append(item)
        return result

    def _play_media(self, args: dict[str, Any]) -> None:
        """Answer player_queues/play_media and push the new stream to the bridge, later."""
        queue_id = args["queue_id"]
        if queue_id not in self.players:
            raise LookupError(f"Queue {queue_id} is not available")
        item = next((i for i in self.library if i["uri"] == args["media"]), None)
        if item is None:
            raise MediaError(f"Media item {args['media']} not found")
        self.players[queue_id] = "playing"
        artists = [a["name"] for a in item.get("artists", [])]
        self.now[queue_id] = {"title": item["name"], "artist": ", ".join(artists) or None}
        if self.bridge_url is not None and self._player(queue_id)["provider"] == "alexa":
            # Only MA's alexa provider pushes to the bridge; other players stream themselves.
            task = asyncio.get_running_loop().create_task(self._push(queue_id, item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def stream_url(self, queue_id: str, session: int) -> str:
        """Return the flow URL current MA gives a player (queue id = player id)."""
        player = quote(queue_id)
        return f"{self.stream_base}/flow/s{session}/{player}/item{session}/{player}.mp3"

    async def _push(self, queue_id: str, item: dict[str, Any]) -> None:
        """POST /ma/push-url the way this generation of MA's alexa provider does."""
        await asyncio.sleep(self.push_delay)
        artists = [a["name"] for a in item.get("artists", [])]
        body: dict[str, Any] = {
            "streamUrl": self.stream_url(queue_id, next(self._sessions)),
            "title": item["name"],
            "artist": ", ".join(artists) or None,
            "album": None,
            "imageUrl": None,
        }
        if self.generation == "G6":
            body.update(playerId=queue_id, canSkipSpeech=True)
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.bridge_url}/ma/push-url", json=body) as resp,
        ):
            answer = await resp.json()
        self.pushes.append((body, answer))
        if self.generation != "G6" or not answer.get("pageLive"):
            # MA makes the Echo say its trigger; the test plays the Echo's part.
            self.spoken_triggers.append(queue_id)

    def _answer(self, command: str, args: dict[str, Any]) -> Any:
        """Carry out a command like MA would, or raise LookupError/KeyError/MediaError."""
        if command == "music/search":
            return self._search(args)
        if command == "players/all":
            return [self._player(player_id) for player_id in self.players]
        if command == "player_queues/play_media":
            self._play_media(args)
            return None
        player_id = args.get("player_id") or args.get("queue_id")
        if player_id not in self.players:
            raise LookupError(f"Player {player_id} is not available")
        match command:
            case "players/get":
                return self._player(player_id)
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
                except MediaError as err:
                    answer = {"error_code": ERROR_MEDIA_NOT_FOUND, "details": str(err)}
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

    async def settle(self) -> None:
        """Wait for the pushes play_media scheduled."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def close(self) -> None:
        """Stop (also how a test takes Music Assistant down)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
