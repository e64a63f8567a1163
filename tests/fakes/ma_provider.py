"""Music Assistant's `alexa` provider, replayed per generation: its calls, bodies and timing.

What each generation sends comes from the provider's code (June 2025 to the newest):
G1 pushes `{streamUrl}` without credentials and ignores the answer; G2 adds Basic auth;
G3 adds title, artist, album and imageUrl and raises on a non-2xx answer; G4 asks
`GET /alexa/intents` when it loads, refreshes metadata with `streamUrl: null` before
anything played, and re-posts the same stream about 1 s after a play and on every track
change; G5 is G4 with the setup flow; G6 adds `playerId` and `canSkipSpeech: true` to a new
stream's push, skips speaking when the answer says `pageLive: true`, and re-posts metadata
without either key. Stream URLs follow MA's streams controller of the time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import hashlib
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import web

REPOST_DELAY = 1.0  # the provider re-posts the playing stream about a second after play


@dataclass(frozen=True)
class Generation:
    """What one provider generation does."""

    name: str
    url_form: str  # "queue": /flow/{session}/{queue}/{item}.mp3, "player": .../{item}/{player}.mp3
    credentials: bool
    metadata: bool
    intents_on_load: bool
    null_refresh: bool
    reposts: bool
    player_id: bool
    raises: bool


def _gen(name: str, form: str, flags: str) -> Generation:
    """Build a generation from 0/1 flags in the order of the fields after url_form."""
    on = [flag == "1" for flag in flags]
    return Generation(name, form, *on)


GENERATIONS = {
    gen.name: gen
    for gen in (
        _gen("G1", "queue", "0000000"),
        _gen("G2", "queue", "1000000"),
        _gen("G3", "queue", "1100001"),
        _gen("G4", "player", "1111101"),
        _gen("G5", "player", "1111101"),
        _gen("G6", "player", "1111111"),
    )
}
# The generation label the bridge should infer from each generation's calls.
EXPECTED_LABEL = {
    "G1": "G1-G2",
    "G2": "G1-G2",
    "G3": "G3",
    "G4": "G4-G5",
    "G5": "G4-G5",
    "G6": "G6",
}


def stream_bytes(path: str, size: int) -> bytes:
    """Return the bytes MA's stream server sends for a path (different for every stream)."""
    seed = hashlib.sha256(unquote(path).encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class FakeStreamServer:
    """MA's stream port: every /flow or /single path answers its own bytes."""

    SIZE = 64 * 1024

    def __init__(self) -> None:
        """Start with nothing served."""
        self.paths: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL (MA's LAN address and stream port)."""
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, request: web.Request) -> web.Response:
        """Answer a stream path with its bytes."""
        self.paths.append(request.path)
        return web.Response(body=stream_bytes(request.path, self.SIZE), content_type="audio/mpeg")

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_get("/{kind:flow|single}/{tail:.+}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class Call:
    """One call the provider made and what it got back."""

    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    answer: Any


@dataclass
class FakeAlexaProvider:
    """One MA server's Alexa provider of a given generation, calling a bridge."""

    gen: Generation
    api_url: str
    streams: FakeStreamServer
    speak: Callable[[str], Awaitable[None]]
    credentials: tuple[str, str] | None = None
    calls: list[Call] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    _current: dict[str, str] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def _headers(self) -> dict[str, str]:
        """Return the Basic auth MA's aiohttp sends (Latin-1), when this generation does."""
        if self.gen.credentials and self.credentials is not None:
            user, password = self.credentials
            return {"Authorization": aiohttp.encode_basic_auth(user, password, "latin1")}
        return {}

    async def _call(self, method: str, endpoint: str, body: dict[str, Any] | None = None) -> Any:
        """Call the bridge the way the provider joins URLs; raise on an error status (G3+)."""
        url = f"{self.api_url.rstrip('/')}/{endpoint.lstrip('/')}"
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, url, json=body, headers=self._headers()) as resp,
        ):
            try:
                answer = await resp.json()
            except (aiohttp.ContentTypeError, ValueError):
                answer = None
            self.calls.append(Call(method, urlsplit(url).path, body, resp.status, answer))
            if self.gen.raises and resp.status >= 300:
                raise RuntimeError(f"Failed API request to {url}: {resp.status}")
            return answer

    def stream_url(self, player: str, item: str, session: str = "s1") -> str:
        """Build the stream URL MA's streams controller gives this player (raw f-string)."""
        if self.gen.url_form == "queue":
            return f"{self.streams.url}/flow/{session}/{player}/{item}.mp3"
        return f"{self.streams.url}/flow/{session}/{player}/{item}/{player}.mp3"

    def _metadata(self, title: str) -> dict[str, Any]:
        """Return the metadata keys of a push (G3 and newer)."""
        if not self.gen.metadata:
            return {}
        return {
            "title": title,
            "artist": f"{title} Artist",
            "album": f"{title} Album",
            "imageUrl": f"{self.streams.url}/imageproxy?path={title}",
        }

    async def load(self) -> None:
        """Load the provider: ask for the phrases (G4+), refresh metadata with no stream (G4+)."""
        if self.gen.intents_on_load:
            await self._call("GET", "/alexa/intents")
        if self.gen.null_refresh:
            await self._call("POST", "/ma/push-url", {"streamUrl": None, **self._metadata("Idle")})

    async def play(self, player: str, item: str, title: str) -> Any:
        """Play a new stream: push it, speak the trigger unless a page took it, re-post later."""
        url = self.stream_url(player, item)
        body: dict[str, Any] = {"streamUrl": url, **self._metadata(title)}
        if self.gen.player_id:
            body |= {"playerId": player, "canSkipSpeech": True}
        answer = await self._call("POST", "/ma/push-url", body)
        self._current[player] = url
        page_live = self.gen.player_id and isinstance(answer, dict) and answer.get("pageLive")
        if not page_live:
            self.spoken.append(player)
            await self.speak(player)
        if self.gen.reposts:
            task = asyncio.get_running_loop().create_task(self._repost_later(player, title))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return answer

    async def _repost_later(self, player: str, title: str) -> None:
        """Re-post the playing stream about a second later, as the provider's poll does."""
        await asyncio.sleep(REPOST_DELAY)
        await self.track_change(player, title)

    async def track_change(self, player: str, title: str) -> Any:
        """Re-post the flow stream with the next track's metadata (G4+; no playerId)."""
        if not self.gen.reposts:
            return None
        body = {"streamUrl": self._current[player], **self._metadata(title)}
        return await self._call("POST", "/ma/push-url", body)

    async def settle(self) -> None:
        """Wait for pending re-posts."""
        if self._tasks:
            await asyncio.gather(*self._tasks)
