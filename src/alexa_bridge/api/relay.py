"""Stream and image relay: Alexa fetches Music Assistant's LAN URLs through here."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from http import HTTPStatus
import logging
import ssl

from aiohttp import HttpVersion11, hdrs, web
from aiohttp.abc import AbstractStreamWriter
from yarl import URL

from ..const import MAX_IMAGE_BYTES, RELAY_CONNECT_TIMEOUT, RELAY_READ_TIMEOUT
from ..core import BridgeCore
from ..exceptions import APIBadGateway, APINotFound, APIUnavailable
from ..helpers.passthrough import Framing, RelayProtocol, UpstreamError, UpstreamHead
from ..playback.test_play import read_test_sound

_LOGGER = logging.getLogger(__name__)

PASSED_HEADERS = (
    hdrs.CONTENT_TYPE,
    hdrs.CONTENT_LENGTH,
    hdrs.CONTENT_RANGE,
    hdrs.ACCEPT_RANGES,
    hdrs.CONTENT_ENCODING,  # bytes are passed undecoded, so their encoding must be too
)
FORWARDED_HEADERS = (hdrs.RANGE, hdrs.IF_RANGE, hdrs.ACCEPT_ENCODING)
HEADERS_TIMEOUT = 10.0
READ_TIMEOUT = RELAY_READ_TIMEOUT  # Music Assistant silent this long: the relay ends
WRITE_TIMEOUT = RELAY_READ_TIMEOUT  # the Echo reads nothing this long: the relay ends
HOLD_LIMIT = 1.0  # a live stream quiet this long: bytes held back for a batch pass at once
# On a real Music Assistant every relay is a transcode: an Echo needs one or two per
# stream at a time (a HEAD, a Range retry); at the cap the oldest of the token ends.
MAX_RELAYS_PER_TOKEN = 3
MAX_RELAYS = 128
REPLACED = "a newer request for the same stream replaced it"
ACCEPTED_STATUSES = (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT)
STREAM_TYPES = "audio/"
IMAGE_TYPES = "image/"


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
        self._relays: dict[str, OrderedDict[RelayProtocol, None]] = {}
        self._count = 0
        self._tls = ssl.create_default_context()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Relay the slot's audio stream."""
        token = request.match_info["token"]
        slot = self.core.slots.by_relay_token(token)
        if slot is None:
            raise APINotFound("unknown or expired stream")
        return await self._relay(request, token, as_mp3(slot.stream_url), STREAM_TYPES, None)

    async def image(self, request: web.Request) -> web.StreamResponse:
        """Relay the slot's cover art."""
        token = request.match_info["token"]
        slot = self.core.slots.by_image_token(token)
        if slot is None or slot.image_url is None:
            raise APINotFound("unknown or expired image")
        return await self._relay(request, token, slot.image_url, IMAGE_TYPES, MAX_IMAGE_BYTES)

    async def sound(self, _request: web.Request) -> web.Response:
        """Serve the built-in test chime that Test play pushes (no secrets in it)."""
        return web.Response(body=self._test_sound, content_type="audio/mpeg")

    async def _relay(
        self,
        request: web.Request,
        token: str,
        url: str,
        media: str,
        max_bytes: int | None,
    ) -> web.StreamResponse:
        """Copy MA's answer to Alexa; close MA's side when Alexa leaves."""
        if self._count >= MAX_RELAYS:
            raise APIUnavailable("too many relays at once")
        protocol = RelayProtocol(
            asyncio.get_running_loop(), head_only=request.method == hdrs.METH_HEAD
        )
        self._admit(token, protocol)  # before connecting: MA never sees more than the cap
        try:
            await self._open_upstream(request, url, protocol)
            head = await self._read_head(protocol)
            response = _response_for(head, media, max_bytes)
            if request.version < HttpVersion11:
                response.force_close()
            elif head.length is None:
                response.enable_chunked_encoding()
            writer = await response.prepare(request)
            transport = request.transport
            if writer is None or transport is None:
                return response
            protocol.attach(
                transport,
                Framing.CHUNKED if response.chunked else Framing.RAW,
                max_bytes,
            )
            await _pump(protocol, writer)
            if not protocol.complete:
                log = _LOGGER.debug if protocol.reason == REPLACED else _LOGGER.warning
                log("Relay ended: %s", protocol.reason or "incomplete")
                transport.close()  # a cut-off relay must never look like a complete file
            return response
        finally:
            protocol.close()
            self._release(token, protocol)

    def _admit(self, token: str, protocol: RelayProtocol) -> None:
        """Count a relay; past the token's cap end its oldest relay."""
        relays = self._relays.setdefault(token, OrderedDict())
        relays[protocol] = None
        self._count += 1
        while len(relays) > MAX_RELAYS_PER_TOKEN:
            oldest, _ = relays.popitem(last=False)
            self._count -= 1
            oldest.abort(REPLACED)

    def _release(self, token: str, protocol: RelayProtocol) -> None:
        """Forget a finished relay."""
        relays = self._relays.get(token)
        if relays is not None and relays.pop(protocol, 0) is None:
            self._count -= 1
            if not relays:
                del self._relays[token]

    async def _open_upstream(self, request: web.Request, url: str, protocol: RelayProtocol) -> None:
        """Connect to Music Assistant and send the request; 502 when it is down."""
        target = URL(url)
        if target.scheme not in ("http", "https") or not target.host:
            raise APIBadGateway("the pushed URL cannot be relayed")
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(RELAY_CONNECT_TIMEOUT):
                await loop.create_connection(
                    lambda: protocol,
                    target.host,
                    target.port or (443 if target.scheme == "https" else 80),
                    ssl=self._tls if target.scheme == "https" else None,
                )
        except (OSError, TimeoutError) as err:
            _LOGGER.warning("Music Assistant is not reachable for a relay: %s", type(err).__name__)
            raise APIBadGateway("Music Assistant did not answer") from None
        lines = [
            f"{request.method} {target.raw_path_qs} HTTP/1.1",
            f"Host: {target.raw_authority}",
            "Connection: close",
        ]
        lines += [
            f"{name}: {request.headers[name]}"
            for name in FORWARDED_HEADERS
            if name in request.headers
        ]
        assert protocol.transport is not None  # noqa: S101 - connected just now
        protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def _read_head(self, protocol: RelayProtocol) -> UpstreamHead:
        """Wait for MA's status and headers; 502 when they do not come or do not parse."""
        try:
            async with asyncio.timeout(HEADERS_TIMEOUT):
                return await protocol.head
        except (UpstreamError, TimeoutError) as err:
            _LOGGER.warning("Music Assistant did not answer a relay: %s", err or "timeout")
            raise APIBadGateway("Music Assistant did not answer") from None


def _response_for(head: UpstreamHead, media: str, max_bytes: int | None) -> web.StreamResponse:
    """Check MA's answer (status, type, size) and build ours with the headers passed on."""
    if head.status not in ACCEPTED_STATUSES:
        # Redirects are never followed: they could lead anywhere, MA never sends one.
        _LOGGER.warning("Music Assistant answered %s to a relay", head.status)
        raise APIBadGateway(f"Music Assistant answered {head.status}")
    content_type = head.headers.get("content-type", "").lower()
    if not content_type.startswith(media):
        _LOGGER.warning("Music Assistant answered %r to a relay for %s*", content_type, media)
        raise APIBadGateway("Music Assistant answered with another type of content")
    if max_bytes is not None and (head.length or 0) > max_bytes:
        raise APIBadGateway("image is too large")
    response = web.StreamResponse(status=head.status)
    for name in PASSED_HEADERS:
        value = head.headers.get(name.lower())
        if value is not None:
            response.headers[name] = value
    response.headers[hdrs.CACHE_CONTROL] = "no-store"
    response.headers[hdrs.X_CONTENT_TYPE_OPTIONS] = "nosniff"
    return response


async def _pump(protocol: RelayProtocol, writer: AbstractStreamWriter) -> None:
    """Wait while the body flows; drain the client when it lags; end a stalled relay.

    A stream quiet for `HOLD_LIMIT` first gets the bytes held back for a batch; it is
    stalled only when nothing came since.
    """
    loop = asyncio.get_running_loop()
    quiet_limit = min(HOLD_LIMIT, READ_TIMEOUT)
    while True:
        await protocol.wait(quiet_limit if protocol.holding else READ_TIMEOUT)
        if protocol.finished:
            return
        if protocol.paused:
            try:
                async with asyncio.timeout(WRITE_TIMEOUT):
                    await writer.drain()
            except TimeoutError:
                protocol.abort("the client stopped reading")
                return
            protocol.resume()
            continue
        quiet = loop.time() - protocol.last_read
        if quiet >= quiet_limit and protocol.release_held():
            continue
        if quiet >= READ_TIMEOUT:
            protocol.abort("Music Assistant's stream stalled")
            return
