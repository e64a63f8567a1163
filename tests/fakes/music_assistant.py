"""A fake Music Assistant stream server: endless flow streams, art, errors and stalls."""

from __future__ import annotations

import asyncio
import hashlib
import time

from aiohttp import hdrs, web

FLOW_CONTENT_TYPE = "audio/mpeg"
IMAGE_CONTENT_TYPE = "image/jpeg"
# A pseudo-random block whose length is not a power of two, so chunk boundaries drift.
_BLOCK = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(32771))
BLOCK_SIZE = len(_BLOCK)
_DOUBLE = memoryview(_BLOCK + _BLOCK)
WRITE_SIZE = 64 * 1024
ENDLESS = 1 << 40  # "endless": no client reads a terabyte from a test


def flow_bytes(start: int, length: int) -> bytes:
    """Return the stream's bytes at [start, start + length) without the server."""
    out = bytearray()
    position = start
    while len(out) < length:
        offset = position % BLOCK_SIZE
        piece = min(length - len(out), BLOCK_SIZE - offset)
        out += _DOUBLE[offset : offset + piece]
        position += piece
    return bytes(out)


def _slice(position: int, length: int) -> memoryview:
    """Return up to `length` stream bytes at `position` without copying."""
    offset = position % BLOCK_SIZE
    return _DOUBLE[offset : offset + min(length, BLOCK_SIZE)]


def _byte_range(header: str, total: int) -> tuple[int, int] | None:
    """Parse a single `bytes=a-b` or `bytes=a-` range; None when it is not one."""
    unit, _, spec = header.partition("=")
    first, _, last = spec.partition("-")
    if unit.strip() != "bytes" or not first.isdigit() or (last and not last.isdigit()):
        return None
    start, end = int(first), int(last) if last else total - 1
    if start > end or start >= total:
        return None
    return start, min(end, total - 1)


class FakeMusicAssistant:
    """Serve MA-like stream and image URLs on 127.0.0.1 and record how they were used.

    Query parameters of `/flow/...`: `length` (bytes; endless without it, which also
    turns off Range), `chunked=1` (with `length`: end there without declaring it, as MA's
    transcoded streams do), `rate` (bytes per second, paced in tenths of a second) and
    `stall_after` (send that many bytes, then hold the connection silently).
    """

    def __init__(self) -> None:
        """Start with nothing asked."""
        self.paths: list[str] = []
        self.methods: list[str] = []
        self.range_headers: list[str | None] = []
        self.opened = 0
        self.closed = 0
        self.bytes_sent = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the base URL, as MA's LAN address would be."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def open_streams(self) -> int:
        """Return how many flow responses are being sent right now."""
        return self.opened - self.closed

    def flow_url(self, player: str = "kitchen", ext: str = "mp3", **query: int) -> str:
        """Return a flow stream URL like the ones MA pushes."""
        params = "&".join(f"{key}={value}" for key, value in query.items())
        url = f"{self.url}/flow/session1/{player}/item1.{ext}"
        return f"{url}?{params}" if params else url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on a loopback port (a free one by default)."""
        app = web.Application()
        app.router.add_get("/flow/{session}/{player}/{name}", self._flow)
        # Current MA: /flow/{session}/{queue_id}/{queue_item_id}/{player_id}.{fmt}
        app.router.add_get("/flow/{session}/{queue}/{item}/{name}", self._flow)
        app.router.add_get("/stall/{name}", self._stall)
        app.router.add_get("/status/{code:[0-9]{3}}/{name}", self._status)
        app.router.add_get("/imageproxy", self._image)
        app.router.add_get("/redirect/{name}", self._redirect)
        app.router.add_get("/page/{name}", self._page)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving (open streams end)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _record(self, request: web.Request) -> None:
        """Remember the path, method and Range header of a request."""
        self.paths.append(request.path)
        self.methods.append(request.method)
        self.range_headers.append(request.headers.get(hdrs.RANGE))

    async def _flow(self, request: web.Request) -> web.StreamResponse:
        """Serve the deterministic flow stream, endless unless `length` is given."""
        self._record(request)
        if not request.match_info["name"].endswith(".mp3"):
            return web.Response(status=415, text="ask for .mp3")
        query = request.query
        length = int(query["length"]) if "length" in query else None
        rate = int(query.get("rate", 0))
        stall_after = int(query["stall_after"]) if "stall_after" in query else None
        response = web.StreamResponse()
        response.content_type = FLOW_CONTENT_TYPE
        start, end = 0, ENDLESS
        if length is not None and query.get("chunked") == "1":
            end = length
        elif length is not None:
            end = length
            response.headers[hdrs.ACCEPT_RANGES] = "bytes"
            wanted = request.headers.get(hdrs.RANGE)
            span = _byte_range(wanted, length) if wanted else None
            if span is not None:
                start, end = span[0], span[1] + 1
                response.set_status(206)
                response.headers[hdrs.CONTENT_RANGE] = f"bytes {span[0]}-{span[1]}/{length}"
            response.content_length = end - start
        self.opened += 1
        try:
            await response.prepare(request)
            if request.method != hdrs.METH_HEAD:
                await self._send(response, start, end, rate, stall_after)
                await response.write_eof()
        finally:
            self.closed += 1
        return response

    async def _send(
        self,
        response: web.StreamResponse,
        start: int,
        end: int,
        rate: int,
        stall_after: int | None,
    ) -> None:
        """Write [start, end) as fast as allowed by `rate`, stalling when asked."""
        position = start
        step = max(rate // 10, 1) if rate else WRITE_SIZE
        began = time.monotonic()
        while position < end:
            if stall_after is not None and position - start >= stall_after:
                await asyncio.sleep(3600)
            size = min(step, end - position)
            if stall_after is not None:
                size = min(size, stall_after - (position - start))
            chunk = _slice(position, size)
            await response.write(chunk)
            position += len(chunk)
            self.bytes_sent += len(chunk)
            if rate:
                due = began + (position - start) / rate
                await asyncio.sleep(max(due - time.monotonic(), 0))

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        """Accept the request and never answer it."""
        self._record(request)
        await asyncio.sleep(3600)
        return web.Response()

    async def _status(self, request: web.Request) -> web.Response:
        """Answer with the status code in the path."""
        self._record(request)
        return web.Response(status=int(request.match_info["code"]), text="failure")

    async def _redirect(self, request: web.Request) -> web.Response:
        """Redirect to a real stream (which a relay must not follow)."""
        self._record(request)
        raise web.HTTPFound(self.flow_url(length=1000))

    async def _page(self, request: web.Request) -> web.Response:
        """Answer 200 with an HTML page instead of audio."""
        self._record(request)
        return web.Response(text="<script>alert(1)</script>", content_type="text/html")

    async def _image(self, request: web.Request) -> web.StreamResponse:
        """Serve `size` bytes of "art", declared or (with `chunked=1`) undeclared."""
        self._record(request)
        size = int(request.query.get("size", "1000"))
        response = web.StreamResponse()
        response.content_type = IMAGE_CONTENT_TYPE
        if request.query.get("chunked") != "1":
            response.content_length = size
        await response.prepare(request)
        sent = 0
        while sent < size:
            chunk = _slice(sent, min(WRITE_SIZE, size - sent))
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
        return response
