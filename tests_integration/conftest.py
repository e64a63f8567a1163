"""Fixtures: a fake bridge (status API and public listener) on a real local socket.

Home Assistant's test harness blocks sockets (pytest-socket); the `socket_enabled` fixture,
the one `hass_client_no_auth` itself uses, allows the 127.0.0.1 servers these tests need.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
import copy
from dataclasses import dataclass, field
from datetime import timedelta
import inspect
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.alexa_bridge.const import CONF_ADDON_SLUG, DOMAIN

# The example the bridge's own tests check against a real bridge (tests/test_status_api.py).
STATUS_EXAMPLE = Path(__file__).parents[1] / "tests" / "data" / "status-example.json"
DISCOVERY_UUID = "0123456789abcdef0123456789abcdef"
ADDON_SLUG = "a1b2c3d4_alexa_bridge"
STREAM = bytes(range(256)) * 4096  # 1 MiB that shows any reordering or loss
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


# What Home Assistant logs when an integration uses a deprecated or wrong API.
DEPRECATION_REPORTS = ("Detected that custom integration", "Detected code that")


def load_status() -> dict[str, Any]:
    """Return a fresh copy of the shared status example."""
    return json.loads(STATUS_EXAMPLE.read_text("utf-8"))


INSTANCE = load_status()["instance_id"]


async def settle(hass: HomeAssistant) -> None:
    """Wait for all pending work, background tasks too (newer cores refresh in them)."""
    if "wait_background_tasks" in inspect.signature(hass.async_block_till_done).parameters:
        await hass.async_block_till_done(wait_background_tasks=True)
    else:  # Home Assistant before 2024.4 has no background tasks
        await hass.async_block_till_done()


async def poll(hass: HomeAssistant) -> None:
    """Let the coordinator fetch the status once more."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await settle(hass)


def device(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> dr.DeviceEntry | None:
    """Return the entry's device with this identifier (no deprecated registry lookup)."""
    return next(
        (
            found
            for found in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            if (DOMAIN, identifier) in found.identifiers
        ),
        None,
    )


@dataclass
class FakeBridge:
    """The bridge's MA API status routes and its public listener, on one local server."""

    status: dict[str, Any] = field(default_factory=load_status)
    credentials: tuple[str, str] | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    test_plays: list[str] = field(default_factory=list)
    skill_requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    relayed: list[dict[str, str]] = field(default_factory=list)
    test_play_stage: tuple[str, str | None] = ("sent", None)
    server: TestServer | None = None

    @property
    def url(self) -> str:
        """Return the base URL (MA API and public listener share the server here)."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def document(self) -> dict[str, Any]:
        """Return the status with the public port pointing at this server."""
        assert self.server is not None
        status = copy.deepcopy(self.status)
        status["public"]["port"] = self.server.port
        return status

    def _check_auth(self, request: web.Request) -> None:
        """Refuse wrong Basic credentials as the bridge's middleware does."""
        if self.credentials is None:
            return
        token = base64.b64encode(":".join(self.credentials).encode()).decode()
        if request.headers.get("Authorization") != f"Basic {token}":
            raise web.HTTPUnauthorized(
                text='{"error": "wrong username or password"}', content_type="application/json"
            )

    async def _status(self, request: web.Request) -> web.Response:
        """GET /api/status."""
        self._check_auth(request)
        return web.json_response(self.document())

    async def _test_play(self, request: web.Request) -> web.Response:
        """POST /api/test-play."""
        self._check_auth(request)
        serial = (await request.json())["serial"]
        self.test_plays.append(serial)
        return web.json_response(
            {
                "serial": serial,
                "name": "Kitchen Echo",
                "phrase": "x",
                "stage": self.test_play_stage[0],
                "reason": self.test_play_stage[1],
            }
        )

    async def _home_assistant(self, request: web.Request) -> web.Response:
        """POST /api/home-assistant."""
        self._check_auth(request)
        body = await request.json()
        self.reports.append(body)
        url = body["external_url"]
        answer = {
            "external_url": url,
            "path_prefix": body["path_prefix"],
            "public_url": f"{url}{body['path_prefix']}" if url else None,
            "reason": None,
            "reported_at": "2026-03-01T12:00:00+00:00",
        }
        self.status["home_assistant"] = answer
        return web.json_response(answer)

    async def _skill(self, request: web.Request) -> web.Response:
        """POST /alexa/skill: record the raw body and headers exactly as they arrived."""
        self.skill_requests.append((await request.read(), dict(request.headers)))
        return web.json_response({"version": "1.0", "response": {"shouldEndSession": True}})

    async def _relay(self, request: web.Request, body: bytes, content_type: str) -> web.Response:
        """Serve bytes with Range support, as the bridge's relay does."""
        self.relayed.append(dict(request.headers))
        response = web.Response(body=body, content_type=content_type)
        if request.http_range.start is not None:
            start = request.http_range.start
            stop = min(request.http_range.stop or len(body), len(body))
            response = web.Response(
                status=206,
                body=body[start:stop],
                content_type=content_type,
                headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(body)}"},
            )
        response.headers["Accept-Ranges"] = "bytes"
        return response

    async def _stream(self, request: web.Request) -> web.Response:
        """GET/HEAD /stream/<token>.mp3."""
        if request.match_info["token"] != "A" * 22:
            raise web.HTTPNotFound
        return await self._relay(request, STREAM, "audio/mpeg")

    async def _image(self, request: web.Request) -> web.Response:
        """GET /image/<token>."""
        return await self._relay(request, IMAGE, "image/png")

    async def _health(self, _request: web.Request) -> web.Response:
        """GET /health."""
        return web.json_response({"status": "ok", "instance": self.status["instance_id"]})

    def app(self) -> web.Application:
        """Build the fake's routes."""
        app = web.Application()
        app.router.add_get("/api/status", self._status)
        app.router.add_post("/api/test-play", self._test_play)
        app.router.add_post("/api/home-assistant", self._home_assistant)
        app.router.add_post("/alexa/skill", self._skill)
        app.router.add_get("/stream/{token}.mp3", self._stream)
        app.router.add_get("/image/{token}", self._image)
        app.router.add_get("/health", self._health)
        return app


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/alexa_bridge."""


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which Home Assistant reports a deprecated or wrong call of ours."""
    yield
    reports = [
        record.getMessage()
        for phase in ("setup", "call", "teardown")
        for record in caplog.get_records(phase)
        if any(text in record.getMessage() for text in DEPRECATION_REPORTS)
    ]
    assert reports == []


@pytest.fixture(name="fake_bridge")
async def fake_bridge_fixture(
    socket_enabled: None,  # noqa: ARG001 - lets the harness open 127.0.0.1 sockets
) -> AsyncIterator[FakeBridge]:
    """Run the fake bridge on 127.0.0.1."""
    fake = FakeBridge()
    fake.server = TestServer(fake.app(), host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture(name="entry")
def entry_fixture(hass: HomeAssistant, fake_bridge: FakeBridge) -> MockConfigEntry:
    """Add a discovered entry for the fake bridge."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Alexa Bridge",
        unique_id=INSTANCE,
        data={CONF_URL: fake_bridge.url, CONF_ADDON_SLUG: ADDON_SLUG},
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture(name="loaded_entry")
async def loaded_entry_fixture(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Set the entry up against the fake bridge."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    return entry
