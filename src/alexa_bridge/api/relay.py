"""Stream and image relay: Alexa fetches Music Assistant's LAN URLs through here."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import logging

import aiohttp
from aiohttp import hdrs, web
from yarl import URL

from ..const import MAX_IMAGE_BYTES, RELAY_CHUNK, RELAY_CONNECT_TIMEOUT, RELAY_READ_TIMEOUT
from ..core import BridgeCore
from ..exceptions import APIBadGateway, APINotFound
from ..playback.test_play import read_test_sound

_LOGGER = logging.getLogger(__name__)

PASSED_HEADERS = (
    hdrs.CONTENT_TYPE,
    hdrs.CONTENT_LENGTH,
    hdrs.CONTENT_RANGE,
    hdrs.ACCEPT_RANGES,
    hdrs.CONTENT_ENCODING,  # bytes are passed undecoded, so their encoding must be too
)
HEADERS_TIMEOUT = 10.0
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(
    total=None, sock_connect=RELAY_CONNECT_TIMEOUT, sock_read=RELAY_READ_TIMEOUT
)


def as_mp3(url: str) -> str:
    """Ask Music Assistant for MP3 where it pushed FLAC (Alexa cannot play FLAC)."""
    parsed = URL(url)
    if parsed.path.lower().endswith(".flac"):
        return str(parsed.with_path(parsed.path[: -len(".flac")] + ".mp3", keep_query=True))
    return url


class APIRelay:
    """Serve a slot's stream and art by token, streaming without buffering."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core and the test sound (33 kB) in memory."""
        self.core = core
        self._test_sound = read_test_sound()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Relay the slot's audio stream."""
        slot = self.core.slots.by_relay_token(request.match_info["token"])
        if slot is None:
            raise APINotFound("unknown or expired stream")
        return await self._relay(request, as_mp3(slot.stream_url), max_bytes=None)

    async def image(self, request: web.Request) -> web.StreamResponse:
        """Relay the slot's cover art."""
        slot = self.core.slots.by_image_token(request.match_info["token"])
        if slot is None or slot.image_url is None:
            raise APINotFound("unknown or expired image")
        return await self._relay(request, slot.image_url, max_bytes=MAX_IMAGE_BYTES)

    async def sound(self, _request: web.Request) -> web.Response:
        """Serve the built-in test chime that Test play pushes (no secrets in it)."""
        return web.Response(body=self._test_sound, content_type="audio/mpeg")

    async def _relay(
        self, request: web.Request, url: str, *, max_bytes: int | None
    ) -> web.StreamResponse:
        """Copy MA's answer to Alexa in chunks; close it when Alexa leaves."""
        async with await self._open_upstream(request, url) as upstream:
            if upstream.status >= HTTPStatus.BAD_REQUEST:
                _LOGGER.warning("Music Assistant answered %s to a relay", upstream.status)
                raise APIBadGateway(f"Music Assistant answered {upstream.status}")
            if max_bytes is not None and (upstream.content_length or 0) > max_bytes:
                raise APIBadGateway("image is too large")
            response = web.StreamResponse(status=upstream.status)
            for name in PASSED_HEADERS:
                if name in upstream.headers:
                    response.headers[name] = upstream.headers[name]
            response.headers[hdrs.CACHE_CONTROL] = "no-store"
            await response.prepare(request)
            if request.method != hdrs.METH_HEAD and not await _copy(upstream, response, max_bytes):
                _drop(request)
            return response

    async def _open_upstream(self, request: web.Request, url: str) -> aiohttp.ClientResponse:
        """Ask Music Assistant for the URL; 502 when it is down or does not answer."""
        headers = {}
        if hdrs.RANGE in request.headers:
            headers[hdrs.RANGE] = request.headers[hdrs.RANGE]
        try:
            async with asyncio.timeout(HEADERS_TIMEOUT):
                return await self.core.session.request(
                    request.method,
                    url,
                    headers=headers,
                    timeout=UPSTREAM_TIMEOUT,
                    auto_decompress=False,
                )
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Music Assistant is not reachable for a relay: %s", type(err).__name__)
            raise APIBadGateway("Music Assistant did not answer") from None


async def _copy(
    upstream: aiohttp.ClientResponse,
    response: web.StreamResponse,
    max_bytes: int | None,
) -> bool:
    """Stream fixed-size chunks; return False when cut off by the limit, a stall or a drop."""
    sent = 0
    try:
        async for chunk in upstream.content.iter_chunked(RELAY_CHUNK):
            sent += len(chunk)
            if max_bytes is not None and sent > max_bytes:
                _LOGGER.warning("Music Assistant's image is over %d bytes; not relayed", max_bytes)
                return False
            await response.write(chunk)
        await response.write_eof()
    except TimeoutError:
        _LOGGER.warning("Music Assistant's stream stalled; relay ended")
        return False
    except (ConnectionResetError, aiohttp.ClientError):
        _LOGGER.debug("Relay ended after %d bytes", sent)
        return False
    return True


def _drop(request: web.Request) -> None:
    """Close Alexa's connection so that a cut-off relay never looks like a complete file."""
    if request.transport is not None:
        request.transport.close()
