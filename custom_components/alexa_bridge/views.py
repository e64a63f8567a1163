"""Forward Alexa through Home Assistant's public address to the add-on's public listener.

The views need no Home Assistant login: Alexa cannot log in. They pass requests through
unchanged (raw skill body and signature headers, Range for streams) and the bridge verifies
every skill request as it always does; relay tokens are unguessable and expire.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, ClassVar

import aiohttp
from aiohttp import hdrs, web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.http import HomeAssistantView

from .const import DOMAIN, LOGGER, MAX_SKILL_BODY, RELAY_CHUNK, VIEW_PREFIX

if TYPE_CHECKING:
    from .coordinator import AlexaBridgeCoordinator

# Headers the bridge needs from Alexa: the raw body's type and the signature pair.
SKILL_HEADERS = ("Content-Type", "SignatureCertChainUrl", "Signature-256", "Signature")
RELAY_REQUEST_HEADERS = ("Range", "If-Range", "If-None-Match", "If-Modified-Since")
RELAY_RESPONSE_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "Cache-Control",
    "ETag",
    "Last-Modified",
)
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
KEY_SESSION = f"{DOMAIN}_forward_session"


@callback
def async_register_views(hass: HomeAssistant) -> None:
    """Register the forwarding views (once; Home Assistant cannot remove a view)."""
    for view in (SkillView, StreamView, ImageView, HealthView):
        hass.http.register_view(view(hass))


def _bridge(hass: HomeAssistant) -> AlexaBridgeCoordinator:
    """Return the loaded bridge that allows forwarding, or answer 404."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED and entry.runtime_data.forwards:
            coordinator: AlexaBridgeCoordinator = entry.runtime_data
            return coordinator
    raise web.HTTPNotFound


def _session(hass: HomeAssistant) -> aiohttp.ClientSession:
    """Return the forwarding session: no decompression, so bytes pass through as they are."""
    session: aiohttp.ClientSession | None = hass.data.get(KEY_SESSION)
    if session is None:
        session = async_create_clientsession(hass, auto_decompress=False)
        hass.data[KEY_SESSION] = session
    return session


def _timeout() -> aiohttp.ClientTimeout:
    """Return the upstream timeout: quick to connect, no limit on a long stream."""
    return aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)


def _too_large() -> web.Response:
    """Refuse a skill body over the bridge's own limit and drop the connection (rest unread)."""
    return web.json_response(
        {"error": f"request body over {MAX_SKILL_BODY} bytes"},
        status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        headers={hdrs.CONNECTION: "close"},
    )


class _ForwardView(HomeAssistantView):
    """A view that forwards to one path of the bridge's public listener."""

    requires_auth = False
    upstream_path: ClassVar[str] = ""

    def __init__(self, hass: HomeAssistant) -> None:
        """Keep Home Assistant, to find the loaded bridge per request."""
        self.hass = hass

    def _target(self, request: web.Request) -> str:
        """Return the upstream URL of this request on the bridge's public listener."""
        path = self.upstream_path.format(**request.match_info)
        return f"{_bridge(self.hass).public_listener}{path}"

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        """Stream the bridge's answer back chunk by chunk, never holding the whole body."""
        headers = {k: request.headers[k] for k in RELAY_REQUEST_HEADERS if k in request.headers}
        try:
            async with _session(self.hass).request(
                request.method,
                self._target(request),
                headers=headers,
                timeout=_timeout(),
                allow_redirects=False,
            ) as upstream:
                response = web.StreamResponse(status=upstream.status)
                for name in RELAY_RESPONSE_HEADERS:
                    if name in upstream.headers:
                        response.headers[name] = upstream.headers[name]
                await response.prepare(request)
                if request.method != hdrs.METH_HEAD:
                    async for chunk in upstream.content.iter_chunked(RELAY_CHUNK):
                        await response.write(chunk)
                await response.write_eof()
                return response
        except (aiohttp.ClientError, TimeoutError) as err:
            LOGGER.debug("Cannot forward %s to the bridge: %s", request.path, err)
            raise web.HTTPBadGateway from None


class SkillView(_ForwardView):
    """POST /api/alexa_bridge/skill: the Alexa skill endpoint, verified by the bridge."""

    url = f"{VIEW_PREFIX}/skill"
    # <public address>/alexa/skill, the bridge's own path, works through the prefix as well.
    extra_urls: ClassVar[list[str]] = [f"{VIEW_PREFIX}/alexa/skill"]
    name = "api:alexa_bridge:skill"
    upstream_path = "/alexa/skill"

    async def post(self, request: web.Request) -> web.Response:
        """Pass the raw body and Alexa's signature headers through unchanged."""
        if (request.content_length or 0) > MAX_SKILL_BODY:
            return _too_large()
        body = bytearray()
        async for chunk in request.content.iter_chunked(RELAY_CHUNK):
            body += chunk
            if len(body) > MAX_SKILL_BODY:
                return _too_large()
        headers = {k: request.headers[k] for k in SKILL_HEADERS if k in request.headers}
        try:
            async with _session(self.hass).post(
                self._target(request),
                data=bytes(body),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=READ_TIMEOUT, sock_connect=CONNECT_TIMEOUT),
                allow_redirects=False,
            ) as upstream:
                answer = await upstream.read()
                return web.Response(
                    status=upstream.status,
                    body=answer,
                    headers={
                        hdrs.CONTENT_TYPE: upstream.headers.get(
                            hdrs.CONTENT_TYPE, "application/json"
                        )
                    },
                )
        except (aiohttp.ClientError, TimeoutError) as err:
            LOGGER.debug("Cannot forward a skill request to the bridge: %s", err)
            raise web.HTTPBadGateway from None


class _RelayView(_ForwardView):
    """A relay route of the bridge's public listener: GET and HEAD, passed through as they are."""

    async def get(self, request: web.Request, token: str) -> web.StreamResponse:  # noqa: ARG002
        """Relay the body."""
        return await self._relay(request)

    async def head(self, request: web.Request, token: str) -> web.StreamResponse:  # noqa: ARG002
        """Relay the headers only."""
        return await self._relay(request)


class StreamView(_RelayView):
    """GET/HEAD /api/alexa_bridge/stream/<token>.mp3: the stream relay, Range passed."""

    url = VIEW_PREFIX + "/stream/{token:[A-Za-z0-9_-]{16,64}}.mp3"
    name = "api:alexa_bridge:stream"
    upstream_path = "/stream/{token}.mp3"


class ImageView(_RelayView):
    """GET/HEAD /api/alexa_bridge/image/<token>: the cover art relay."""

    url = VIEW_PREFIX + "/image/{token:[A-Za-z0-9_-]{16,64}}"
    name = "api:alexa_bridge:image"
    upstream_path = "/image/{token}"


class HealthView(_ForwardView):
    """GET /api/alexa_bridge/health: lets the panel confirm the address reaches the bridge."""

    url = f"{VIEW_PREFIX}/health"
    name = "api:alexa_bridge:health"
    upstream_path = "/health"

    async def get(self, request: web.Request) -> web.StreamResponse:
        """Relay the bridge's health answer (status, version, instance id)."""
        return await self._relay(request)
