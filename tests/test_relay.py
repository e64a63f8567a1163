"""The stream and image relay: MA's bytes through the public listener, and nothing of MA's LAN."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import hashlib
import json
from pathlib import Path
import re
import socket
import time

import aiohttp
import pytest

from alexa_bridge.api import relay
from alexa_bridge.const import MAX_IMAGE_BYTES
from alexa_bridge.helpers.passthrough import BATCH_AFTER, BATCH_SIZE

from .fakes import alexa
from .fakes.music_assistant import (
    FLOW_CONTENT_TYPE,
    IMAGE_CONTENT_TYPE,
    FakeMusicAssistant,
    flow_bytes,
)
from .harness import PUBLIC_URL, RunningBridge

MB = 1024 * 1024
LAN_STREAM = "http://192.168.1.10:8097/flow/5f3a/kitchen/9c1e.flac"
LAN_IMAGE = "http://192.168.1.10:8095/imageproxy?path=cover.jpg&size=500"


@pytest.fixture(name="ma")
async def ma_fixture() -> AsyncIterator[FakeMusicAssistant]:
    """Run the fake Music Assistant stream server."""
    server = FakeMusicAssistant()
    await server.start()
    yield server
    await server.close()


async def push(bridge: RunningBridge, stream_url: str, **fields: str) -> str:
    """Push a stream as MA does and return the relay URL that serves it."""
    status, answer = await bridge.push({"streamUrl": stream_url, **fields})
    assert status == 200, answer
    slot = bridge.core.slots.get(answer["playerId"])  # the slot the bridge says it chose
    assert slot is not None
    return f"{bridge.public}/stream/{slot.relay_token}.mp3"


async def read_hash(response: aiohttp.ClientResponse, limit: int) -> tuple[str, int]:
    """Read up to `limit` bytes of a response; return their SHA-256 and the count."""
    digest = hashlib.sha256()
    count = 0
    while count < limit:
        chunk = await response.content.read(min(MB, limit - count))
        if not chunk:
            break
        digest.update(chunk)
        count += len(chunk)
    return digest.hexdigest(), count


def expected_hash(length: int) -> str:
    """Return the SHA-256 of the fake stream's first `length` bytes."""
    digest = hashlib.sha256()
    for start in range(0, length, MB):
        digest.update(flow_bytes(start, min(MB, length - start)))
    return digest.hexdigest()


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib() -> int:
    """Return this process's resident set size in KiB (the bridge runs in-process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


async def wait_for(condition: Callable[[], bool], within: float) -> None:
    """Poll a condition until it holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)


async def read_until_error(response: aiohttp.ClientResponse, received: bytearray) -> None:
    """Read a response into `received` until it ends (or, as expected here, breaks)."""
    async with asyncio.timeout(5):
        async for chunk in response.content.iter_any():
            received += chunk


async def test_relay_returns_ma_bytes_unchanged(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """16 MB of the endless flow stream arrive byte for byte, as audio/mpeg."""
    url = await push(bridge, ma.flow_url())
    async with bridge.client.get(url) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == FLOW_CONTENT_TYPE
        assert resp.headers["Cache-Control"] == "no-store"
        digest, count = await read_hash(resp, 16 * MB)
    assert count == 16 * MB
    assert digest == expected_hash(16 * MB)


async def test_finite_stream_ends_with_its_length(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """A stream of known length passes its Content-Length and ends cleanly."""
    url = await push(bridge, ma.flow_url(length=3 * MB + 17))
    async with bridge.client.get(url) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Length"] == str(3 * MB + 17)
        body = await resp.read()
    assert body == flow_bytes(0, 3 * MB + 17)


async def test_flac_push_is_fetched_as_mp3(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """MA is asked for .mp3 (query kept) when it pushed .flac, which Alexa cannot play."""
    url = await push(bridge, ma.flow_url(ext="flac", length=1000))
    async with bridge.client.get(url) as resp:
        assert resp.status == 200
        assert await resp.read() == flow_bytes(0, 1000)
    assert ma.paths == ["/flow/session1/kitchen/item1.mp3"]


async def test_head_answers_headers_without_body(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """HEAD gets status and Content-Type, no body, and sends no body upstream either."""
    url = await push(bridge, ma.flow_url(length=5 * MB))
    async with bridge.client.head(url) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == FLOW_CONTENT_TYPE
        assert resp.headers["Content-Length"] == str(5 * MB)
        assert await resp.read() == b""
    assert ma.methods == ["HEAD"]
    assert ma.bytes_sent == 0


async def test_range_is_passed_through(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """A Range request reaches MA and its 206 answer comes back with Content-Range."""
    url = await push(bridge, ma.flow_url(length=MB))
    async with bridge.client.get(url, headers={"Range": "bytes=1000-1999"}) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes 1000-1999/{MB}"
        assert resp.headers["Accept-Ranges"] == "bytes"
        assert await resp.read() == flow_bytes(1000, 1000)
    assert ma.range_headers == ["bytes=1000-1999"]


@pytest.mark.parametrize(
    "path", ["/stream/AAAAAAAAAAAAAAAAAAAAAA.mp3", "/stream/short.mp3", "/image/AAAAAAAAAAAAAAAAAA"]
)
async def test_unknown_token_is_404(
    bridge: RunningBridge, ma: FakeMusicAssistant, path: str
) -> None:
    """A token no slot holds is 404 and MA is never asked."""
    await push(bridge, ma.flow_url())
    async with bridge.client.get(f"{bridge.public}{path}") as resp:
        assert resp.status == 404
        assert "error" in await resp.json()
    assert ma.paths == []


async def test_new_stream_expires_old_token(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """After MA pushes another streamUrl for the player the old relay URL is 404."""
    old = await push(bridge, ma.flow_url(length=100))
    new = await push(bridge, ma.flow_url(length=200).replace("item1", "item2"))
    assert new != old
    async with bridge.client.get(old) as resp:
        assert resp.status == 404
    async with bridge.client.get(new) as resp:
        assert resp.status == 200
        assert len(await resp.read()) == 200
    assert ma.paths == ["/flow/session1/kitchen/item2.mp3"]


async def test_metadata_push_keeps_token(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """A push of the same streamUrl with new track metadata keeps the relay URL working."""
    first = await push(bridge, ma.flow_url(length=100), title="One")
    second = await push(bridge, ma.flow_url(length=100), title="Two", artist="B")
    assert second == first
    async with bridge.client.get(first) as resp:
        assert resp.status == 200


async def test_ma_down_is_502_quickly(bridge: RunningBridge) -> None:
    """MA not listening gives 502 within a few seconds (behaviour bound, not a benchmark)."""
    url = await push(bridge, f"http://127.0.0.1:{closed_port()}/flow/s/p/i.mp3")
    started = time.monotonic()
    async with bridge.client.get(url) as resp:
        assert resp.status == 502
        assert "error" in await resp.json()
    assert time.monotonic() - started < 6


@pytest.mark.parametrize("code", [404, 500])
async def test_ma_error_status_is_502(
    bridge: RunningBridge, ma: FakeMusicAssistant, code: int
) -> None:
    """An error answer from MA becomes 502 and MA's body is not passed on."""
    url = await push(bridge, f"{ma.url}/status/{code}/item.mp3")
    async with bridge.client.get(url) as resp:
        assert resp.status == 502
        assert "failure" not in await resp.text()


async def test_ma_that_never_answers_is_502(
    bridge: RunningBridge, ma: FakeMusicAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MA accepting the connection but sending no headers ends in 502 at the header timeout."""
    monkeypatch.setattr(relay, "HEADERS_TIMEOUT", 0.5)
    url = await push(bridge, f"{ma.url}/stall/item.mp3")
    started = time.monotonic()
    async with bridge.client.get(url) as resp:
        assert resp.status == 502
    assert time.monotonic() - started < 3


async def test_stalled_stream_ends_relay_and_upstream(
    bridge: RunningBridge, ma: FakeMusicAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MA going silent mid-stream ends the relay at the read timeout and closes MA's side."""
    monkeypatch.setattr(relay, "READ_TIMEOUT", 0.5)
    url = await push(bridge, ma.flow_url(stall_after=100_000))
    async with bridge.client.get(url) as resp:
        assert resp.status == 200
        received = bytearray()
        with pytest.raises(aiohttp.ClientPayloadError):
            await read_until_error(resp, received)
    assert received == flow_bytes(0, 100_000)
    await wait_for(lambda: ma.closed == 1, within=2)


async def test_upstream_closed_when_client_disconnects(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """Alexa dropping the connection mid-stream closes the relay's MA connection within 2 s."""
    url = await push(bridge, ma.flow_url())
    async with bridge.client.get(url) as resp:
        await resp.content.readexactly(2 * MB)
        assert ma.open_streams == 1
        resp.close()
    await wait_for(lambda: ma.open_streams == 0, within=2)
    sent = ma.bytes_sent
    await asyncio.sleep(0.2)
    assert ma.bytes_sent == sent


async def test_upstream_closed_when_paced_client_disconnects(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """A slow real-time stream (40 KB/s, as 320 kbit/s) is also closed promptly."""
    url = await push(bridge, ma.flow_url(rate=40_000))
    async with bridge.client.get(url) as resp:
        await resp.content.readexactly(10_000)
        resp.close()
    await wait_for(lambda: ma.open_streams == 0, within=2)


async def http_chunks(response: aiohttp.ClientResponse, count: int) -> list[bytes]:
    """Read `count` whole HTTP chunks of a chunked response, as the Echo's parser sees them."""
    chunks: list[bytes] = []
    current = bytearray()
    async for data, end_of_chunk in response.content.iter_chunks():
        current += data
        if end_of_chunk:
            chunks.append(bytes(current))
            current.clear()
            if len(chunks) == count:
                break
    return chunks


async def test_live_stream_is_passed_on_in_batches(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """MA writes 5 kB every 0.1 s; past the first 64 KiB the Echo gets 16 KiB or more at a time.

    Each batch is one read and one write of the bridge's instead of one per MA write:
    that is what keeps a relay's CPU near nginx's.
    """
    url = await push(bridge, ma.flow_url(rate=50_000))
    async with bridge.client.get(url) as resp:
        chunks = await http_chunks(resp, 24)
    received = b"".join(chunks)
    assert received == flow_bytes(0, len(received))
    start = next(i for i in range(len(chunks)) if sum(map(len, chunks[:i])) >= BATCH_AFTER)
    later = [len(chunk) for chunk in chunks[start + 1 : -1]]
    assert len(later) >= 5, later
    assert min(later) >= BATCH_SIZE, later
    assert max(len(chunk) for chunk in chunks[:start]) < BATCH_SIZE  # the start is not held


async def test_quiet_stream_gets_its_held_bytes_at_once(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """MA going quiet mid-batch: its last bytes reach the Echo within 2 s, not at the stall.

    70,000 bytes at 40 kB/s take 1.75 s; the last 4,464 are less than a batch.
    """
    url = await push(bridge, ma.flow_url(rate=40_000, stall_after=70_000))
    deadline = 70_000 / 40_000 + 2 * relay.HOLD_LIMIT + 0.5
    started = time.monotonic()
    async with bridge.client.get(url) as resp:
        received = bytearray()
        async with asyncio.timeout(deadline + 2):
            while len(received) < 70_000:
                received += await resp.content.readany()
        took = time.monotonic() - started
        assert ma.open_streams == 1  # still open: the relay was not ended as stalled
    assert received == flow_bytes(0, 70_000)
    assert took < deadline


async def test_live_stream_end_is_not_held(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """A stream of undeclared length ends whole as soon as MA ends it, even mid-batch."""
    url = await push(bridge, ma.flow_url(rate=100_000, length=200_007, chunked=1))
    async with bridge.client.get(url) as resp:
        assert "Content-Length" not in resp.headers
        started = time.monotonic()
        body = await resp.read()
        took = time.monotonic() - started
    assert body == flow_bytes(0, 200_007)
    assert took < 200_007 / 100_000 + 0.5


async def test_image_relay_serves_art(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """Pushed art is served under /image/<token> with its bytes and Content-Type."""
    await push(bridge, ma.flow_url(), imageUrl=f"{ma.url}/imageproxy?size=50000")
    slot = bridge.core.slots.get("kitchen")  # the player in the flow URL
    assert slot is not None
    assert slot.image_token is not None
    async with bridge.client.get(f"{bridge.public}/image/{slot.image_token}") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == IMAGE_CONTENT_TYPE
        assert await resp.read() == flow_bytes(0, 50000)
    assert ma.paths == ["/imageproxy"]


async def test_image_token_changes_with_the_image(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """New art gets a new token (the old one is 404); no art means no image token."""
    await push(bridge, ma.flow_url(), imageUrl=f"{ma.url}/imageproxy?size=10")
    slot = bridge.core.slots.get("kitchen")  # the player in the flow URL
    assert slot is not None
    old = slot.image_token
    await push(bridge, ma.flow_url(), imageUrl=f"{ma.url}/imageproxy?size=20")
    assert slot.image_token not in (None, old)
    async with bridge.client.get(f"{bridge.public}/image/{old}") as resp:
        assert resp.status == 404
    await push(bridge, ma.flow_url())
    assert slot.image_token is None


async def test_image_over_declared_limit_is_refused(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """Art whose Content-Length is over the limit is refused before any byte is relayed."""
    await push(bridge, ma.flow_url(), imageUrl=f"{ma.url}/imageproxy?size={MAX_IMAGE_BYTES + 1}")
    slot = bridge.core.slots.get("kitchen")  # the player in the flow URL
    assert slot is not None
    async with bridge.client.get(f"{bridge.public}/image/{slot.image_token}") as resp:
        assert resp.status == 502
        assert "too large" in (await resp.json())["error"]


async def test_image_over_undeclared_limit_is_not_served_whole(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """Chunked art that grows past the limit is cut off with an error, never a clean end."""
    url = f"{ma.url}/imageproxy?size={MAX_IMAGE_BYTES + MB}&chunked=1"
    await push(bridge, ma.flow_url(), imageUrl=url)
    slot = bridge.core.slots.get("kitchen")  # the player in the flow URL
    assert slot is not None
    async with bridge.client.get(f"{bridge.public}/image/{slot.image_token}") as resp:
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


async def test_tokens_are_unguessable_and_per_slot(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """Relay tokens carry 128 random bits, differ per player and serve only their own slot."""
    kitchen = await push(bridge, ma.flow_url("kitchen", length=10), playerId="Kitchen")
    bedroom = await push(bridge, ma.flow_url("bedroom", length=10), playerId="Bedroom")
    tokens = [re.search(r"/stream/(.+)\.mp3$", url) for url in (kitchen, bedroom)]
    values = [match.group(1) for match in tokens if match]
    assert len(values) == 2
    assert values[0] != values[1]
    assert all(len(value) >= 22 for value in values)  # token_urlsafe(16): 128 bits
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", value) for value in values)
    for url in (bedroom, kitchen):
        async with bridge.client.get(url) as resp:
            assert resp.status == 200
    assert ma.paths == ["/flow/session1/bedroom/item1.mp3", "/flow/session1/kitchen/item1.mp3"]


async def test_lan_address_never_reaches_alexa(bridge: RunningBridge) -> None:
    """The Play directive of a signed LaunchRequest carries only public relay URLs."""
    status, _ = await bridge.push(
        {"streamUrl": LAN_STREAM, "title": "Song", "artist": "A", "imageUrl": LAN_IMAGE}
    )
    assert status == 200
    status, answer = await bridge.skill(alexa.launch())
    assert status == 200, answer
    text = json.dumps(answer)
    assert "192.168.1.10" not in text
    assert ".flac" not in text
    urls = re.findall(r"https?://[^\"]+", text)
    assert urls
    assert all(url.startswith(f"{PUBLIC_URL}/") for url in urls)
    directive = answer["response"]["directives"][0]
    assert re.fullmatch(
        rf"{re.escape(PUBLIC_URL)}/stream/[A-Za-z0-9_-]{{22,}}\.mp3",
        directive["audioItem"]["stream"]["url"],
    )


async def test_relay_headers_do_not_leak_ma(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """The relay's answer names neither MA's address nor its server software."""
    url = await push(bridge, ma.flow_url(length=10))
    async with bridge.client.get(url) as resp:
        await resp.read()
        headers = "\n".join(f"{key}: {value}" for key, value in resp.headers.items())
    assert f"127.0.0.1:{ma.port}" not in headers
    assert str(ma.port) not in headers


async def test_memory_stays_flat_over_50_mb(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """Relaying 50 MB through one stream grows the (in-process) bridge's RSS by under 20 MB."""
    url = await push(bridge, ma.flow_url())
    async with bridge.client.get(url) as resp:
        await read_hash(resp, 5 * MB)  # warm up buffers and allocator pools
        before = rss_kib()
        _, count = await read_hash(resp, 50 * MB)
        after = rss_kib()
    assert count == 50 * MB
    assert after - before < 20 * 1024, f"RSS grew by {(after - before) / 1024:.1f} MiB"


async def test_redirect_and_html_are_502(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """MA's redirect is not followed and an HTML page is not served on the public origin."""
    for path in ("/redirect/item.mp3", "/page/item.mp3"):
        url = await push(bridge, f"{ma.url}{path}")
        async with bridge.client.get(url, allow_redirects=False) as resp:
            assert resp.status == 502
            assert "script" not in await resp.text()
    assert ma.paths == ["/redirect/item.mp3", "/page/item.mp3"]


async def test_art_must_be_an_image(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """Art that MA answers as audio (or anything but image/*) is 502 under /image."""
    await push(bridge, ma.flow_url(length=1000), imageUrl=ma.flow_url(length=1000))
    slot = bridge.core.slots.get("kitchen")  # the player in the flow URL
    assert slot is not None
    assert slot.image_token is not None
    async with bridge.client.get(f"{bridge.public}/image/{slot.image_token}") as resp:
        assert resp.status == 502


async def test_relay_says_nosniff(bridge: RunningBridge, ma: FakeMusicAssistant) -> None:
    """Relayed answers tell browsers not to guess another content type."""
    url = await push(bridge, ma.flow_url(length=1000))
    async with bridge.client.get(url) as resp:
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        await resp.read()


async def test_stalled_clients_of_one_token_are_capped(
    bridge: RunningBridge, ma: FakeMusicAssistant
) -> None:
    """50 clients of one stream that never read open at most the cap of MA connections."""
    url = await push(bridge, ma.flow_url())
    port = int(url.split(":")[2].split("/")[0])
    path = url.split(str(port), 1)[1]
    writers = []
    peak = 0
    try:
        for _ in range(50):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: bridge\r\n\r\n".encode())
            writers.append(writer)
            await asyncio.sleep(0.02)
            peak = max(peak, ma.open_streams)
        await asyncio.sleep(0.5)
        peak = max(peak, ma.open_streams)
    finally:
        for writer in writers:
            writer.close()
    assert ma.opened >= relay.MAX_RELAYS_PER_TOKEN
    assert peak <= relay.MAX_RELAYS_PER_TOKEN
    await wait_for(lambda: ma.open_streams == 0, within=2)
