"""The forwarding views: Alexa reaches the add-on through Home Assistant's address, unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.alexa_bridge.const import MAX_SKILL_BODY

from .conftest import IMAGE, STREAM, FakeBridge

TOKEN = "A" * 22
# A body as Alexa signs it: exact bytes matter (spacing, key order, non-ASCII).
SKILL_BODY = (
    b'{"version":"1.0",  "session":{"new":true},\n'
    b'"request":{"type":"LaunchRequest","requestId":"amzn1.echo-api.request.1",'
    b'"timestamp":"2026-03-01T12:00:00Z","locale":"de-DE","note":"K\xc3\xbcche"}}'
)
SIGNATURE_HEADERS = {
    "SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem",
    "Signature-256": "c2lnbmF0dXJlLWJ5dGVzLW9mLXRoZS1ib2R5+/=",
    "Content-Type": "application/json; charset=utf-8",
}


@pytest.mark.usefixtures("loaded_entry")
async def test_skill_request_passes_unchanged(
    fake_bridge: FakeBridge,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A signed skill request reaches the bridge byte for byte, without a Home Assistant login."""
    client = await hass_client_no_auth()
    for path in ("/api/alexa_bridge/skill", "/api/alexa_bridge/alexa/skill"):
        resp = await client.post(path, data=SKILL_BODY, headers=SIGNATURE_HEADERS)
        assert resp.status == 200
        assert await resp.json() == {"version": "1.0", "response": {"shouldEndSession": True}}
    assert len(fake_bridge.skill_requests) == 2
    for body, headers in fake_bridge.skill_requests:
        assert body == SKILL_BODY
        for name, value in SIGNATURE_HEADERS.items():
            assert headers[name] == value
        assert "Authorization" not in headers


@pytest.mark.usefixtures("loaded_entry")
async def test_oversized_skill_body_is_refused(
    fake_bridge: FakeBridge,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """More than 128 KiB is refused with 413, whether announced or streamed in chunks."""
    client = await hass_client_no_auth()
    big = b"x" * (MAX_SKILL_BODY + 1)
    resp = await client.post("/api/alexa_bridge/skill", data=big, headers=SIGNATURE_HEADERS)
    assert resp.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        """Send the body without a Content-Length."""
        for _ in range(3):
            yield b"y" * (64 * 1024)

    resp = await client.post("/api/alexa_bridge/skill", data=chunks(), headers=SIGNATURE_HEADERS)
    assert resp.status == 413
    resp = await client.post(
        "/api/alexa_bridge/skill", data=b"z" * MAX_SKILL_BODY, headers=SIGNATURE_HEADERS
    )
    assert resp.status == 200  # exactly the limit is fine
    assert [len(body) for body, _ in fake_bridge.skill_requests] == [MAX_SKILL_BODY]


@pytest.mark.usefixtures("loaded_entry")
async def test_stream_passes_byte_for_byte(
    fake_bridge: FakeBridge,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The stream, a Range of it, HEAD and the cover art come through exactly."""
    client = await hass_client_no_auth()
    resp = await client.get(f"/api/alexa_bridge/stream/{TOKEN}.mp3")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "audio/mpeg"
    assert await resp.read() == STREAM

    resp = await client.get(
        f"/api/alexa_bridge/stream/{TOKEN}.mp3", headers={"Range": "bytes=1000-1999"}
    )
    assert resp.status == 206
    assert resp.headers["Content-Range"] == f"bytes 1000-1999/{len(STREAM)}"
    assert await resp.read() == STREAM[1000:2000]
    assert fake_bridge.relayed[-1]["Range"] == "bytes=1000-1999"

    resp = await client.head(f"/api/alexa_bridge/stream/{TOKEN}.mp3")
    assert resp.status == 200
    assert resp.headers["Content-Length"] == str(len(STREAM))
    assert await resp.read() == b""

    resp = await client.get(f"/api/alexa_bridge/image/{TOKEN}")
    assert (resp.status, await resp.read()) == (200, IMAGE)
    resp = await client.get(f"/api/alexa_bridge/stream/{'B' * 22}.mp3")
    assert resp.status == 404  # the bridge's own answer for an unknown token
    resp = await client.get("/api/alexa_bridge/stream/short.mp3")
    assert resp.status == 404  # not a token: never forwarded


@pytest.mark.usefixtures("loaded_entry")
async def test_health_reaches_the_bridge(
    fake_bridge: FakeBridge,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The panel's address check (<address>/health) sees the bridge's own instance id."""
    client = await hass_client_no_auth()
    resp = await client.get("/api/alexa_bridge/health")
    assert resp.status == 200
    assert (await resp.json())["instance"] == fake_bridge.status["instance_id"]


async def test_nothing_is_forwarded_without_a_loaded_bridge(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    fake_bridge: FakeBridge,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """With the bridge unloaded, or forwarding switched off, the views answer 404."""
    client = await hass_client_no_auth()
    hass.config_entries.async_update_entry(
        loaded_entry, options={"offer_home_assistant_address": False}
    )
    await hass.async_block_till_done()
    resp = await client.get(f"/api/alexa_bridge/stream/{TOKEN}.mp3")
    assert resp.status == 404
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    resp = await client.post("/api/alexa_bridge/skill", data=SKILL_BODY)
    assert resp.status == 404
    assert fake_bridge.skill_requests == []
