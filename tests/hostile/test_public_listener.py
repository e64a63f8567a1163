"""Hostile clients against the public port (loopback only, bounded, lighter than `make bench`).

The benchmark holds 4,000 idle and 200 slow-header connections at the real deadlines;
these tests use hundreds, and shortened deadlines where waiting would be the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import logging
from pathlib import Path
import resource
import stat
import time

import aiohttp
import pytest

from alexa_bridge.config.logs import setup_logging
from alexa_bridge.server import limits

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..harness import RunningBridge

MB = 1024 * 1024


def open_fds() -> int:
    """Return how many file descriptors this process (the bridge runs in it) holds."""
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


async def connect(port: int, source: str = "127.0.0.1") -> asyncio.StreamWriter:
    """Open a TCP connection to the port from a given loopback address."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    return writer


async def is_closed(writer: asyncio.StreamWriter, within: float) -> bool:
    """Return whether the server closes the connection within `within` seconds."""
    reader = writer.transport.get_protocol()._stream_reader  # type: ignore[attr-defined]
    try:
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


@contextlib.asynccontextmanager
async def held(writers: list[asyncio.StreamWriter]) -> AsyncIterator[list[asyncio.StreamWriter]]:
    """Close every held connection at the end."""
    try:
        yield writers
    finally:
        for writer in writers:
            writer.close()


async def health_within(bridge: RunningBridge, seconds: float) -> float:
    """GET /health from a new client; return how long it took (fail beyond `seconds`)."""
    started = time.monotonic()
    async with (
        asyncio.timeout(seconds),
        aiohttp.ClientSession() as fresh,
        fresh.get(f"{bridge.public}/health") as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
    return time.monotonic() - started


async def test_partial_request_line_is_closed_at_the_head_deadline(
    bridge: RunningBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request line that never ends is closed at the head deadline (here shortened)."""
    monkeypatch.setattr(limits, "HEAD_TIMEOUT", 0.5)
    writer = await connect(bridge.bridge.listeners.port("public"))
    async with held([writer]):
        writer.write(b"GET /hea")
        assert await is_closed(writer, within=3)


async def test_slow_headers_are_closed_though_bytes_keep_coming(
    bridge: RunningBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head sent a header every 0.1 s (never finished) is closed at the deadline."""
    monkeypatch.setattr(limits, "HEAD_TIMEOUT", 1.0)
    writer = await connect(bridge.bridge.listeners.port("public"))
    async with held([writer]):
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        for index in range(40):
            try:
                writer.write(f"X-Slow-{index}: a\r\n".encode())
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            await asyncio.sleep(0.1)
            if writer.transport.is_closing() or await is_closed(writer, within=0):
                closed = True
                break
        assert closed
        assert time.monotonic() - started < 3


async def test_oversized_and_overlong_heads_are_refused(bridge: RunningBridge) -> None:
    """33 headers get 400; a head over 64 KiB is cut off; /health still answers."""
    port = bridge.bridge.listeners.port("public")
    many = "".join(f"X-H{index}: v\r\n" for index in range(33))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /health HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert b" 400 " in status_line
    writer = await connect(port)
    async with held([writer]):
        writer.write(b"GET /health HTTP/1.1\r\n")
        for index in range(20):
            writer.write(f"X-Big-{index}: {'a' * 4000}\r\n".encode())
        assert await is_closed(writer, within=3)
    await health_within(bridge, 2)


async def test_idle_and_slow_connections_do_not_stop_alexa(
    bridge: RunningBridge, caplog: pytest.LogCaptureFixture
) -> None:
    """With 400 idle and 50 slow-header connections open, /health and a Launch answer in 2 s."""
    port = bridge.bridge.listeners.port("public")
    fds_before = open_fds()
    writers: list[asyncio.StreamWriter] = []
    async with held(writers):
        writers.extend([await connect(port, f"127.0.1.{n % 20 + 1}") for n in range(400)])
        for index in range(50):
            writer = await connect(port, f"127.0.2.{index % 10 + 1}")
            writer.write(b"GET / HTTP/1.1\r\nX-Slow: " + b"a" * 4000)
            writers.append(writer)
        await asyncio.sleep(0.2)
        assert await health_within(bridge, 2) < 2
        started = time.monotonic()
        status, answer = await asyncio.wait_for(bridge.skill(alexa.launch()), 2)
        assert status == 200, answer
        assert time.monotonic() - started < 2
        # Both ends live in this process: two per connection, nothing leaked beyond.
        assert open_fds() < fds_before + 2 * len(writers) + 50
        assert open_fds() < resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    protection = [r for r in caplog.records if r.name == limits.__name__]
    assert len(protection) <= 2


async def test_global_cap_closes_oldest_idle_not_the_new_client(
    bridge_factory: BridgeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the connection cap the oldest idle connection goes and the new client is served."""
    monkeypatch.setattr(limits, "MAX_CONNECTIONS", 60)
    bridge = await bridge_factory()
    port = bridge.bridge.listeners.port("public")
    writers: list[asyncio.StreamWriter] = []
    async with held(writers):
        writers.extend([await connect(port, f"127.0.3.{n % 50 + 1}") for n in range(100)])
        await asyncio.sleep(0.2)
        assert await is_closed(writers[0], within=1)
        assert not await is_closed(writers[-1], within=0.2)
        await health_within(bridge, 2)


async def test_per_address_cap_spares_active_requests(
    bridge: RunningBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle connections of one address over the cap are closed; its active stream is not."""
    monkeypatch.setattr(limits, "PEER_GRACE", 0.0)
    port = bridge.bridge.listeners.port("public")
    status, _ = await bridge.push({"streamUrl": "http://127.0.0.1:9/x.mp3"})
    assert status == 200
    writers: list[asyncio.StreamWriter] = []
    async with held(writers):
        busy = await connect(port, "127.0.4.1")
        # A skill request whose body never arrives is an active request, not an idle one.
        busy.write(b"POST /alexa/skill HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        writers.append(busy)
        await asyncio.sleep(0.2)
        extra = limits.MAX_WAITING_PER_PEER + 20
        writers.extend([await connect(port, "127.0.4.1") for _ in range(extra)])
        await asyncio.sleep(0.3)
        closed = [await is_closed(writer, within=0.05) for writer in writers[1:]]
        assert sum(closed) >= 20
        assert not await is_closed(busy, within=0.2)


async def test_replayed_request_is_refused(bridge: RunningBridge) -> None:
    """The same signed request sent twice acts once: the second gets 400."""
    raw, headers = alexa.sign(alexa.intent("AMAZON.HelpIntent"), bridge.leaf, bridge.cert_url)
    assert (await bridge.skill(raw, headers=headers))[0] == 200
    status, answer = await bridge.skill(raw, headers=headers)
    assert status == 400
    assert answer == {"error": "request refused"}


async def test_junk_certificate_urls_do_not_block_alexa(bridge: RunningBridge) -> None:
    """12 junk certificate URLs after a start do not make Alexa's next request fail."""
    for index in range(12):
        junk = f"https://s3.amazonaws.com/echo.api/junk-{index}.pem"
        status, _ = await bridge.skill(alexa.launch(), cert_url=junk)
        assert status == 400
    assert bridge.cert_host.fetches.get("echo-api-cert-12.pem", 0) == 0
    status, answer = await bridge.skill(alexa.launch())
    assert status == 200, answer


async def test_encoded_skill_body_is_refused(bridge: RunningBridge) -> None:
    """A gzip Content-Encoding is refused: Amazon signs the plain bytes it sends."""
    raw, headers = alexa.sign(alexa.launch(), bridge.leaf, bridge.cert_url)
    status, _ = await bridge.skill(raw, headers={**headers, "Content-Encoding": "gzip"})
    assert status == 400


def test_alexapy_stays_at_info_unless_trace() -> None:
    """At debug alexapy (which logs tokens) stays at INFO; only trace lets it through."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        setup_logging("debug")
        assert logging.getLogger("alexapy").getEffectiveLevel() == logging.INFO
        setup_logging("trace")
        assert logging.getLogger("alexapy").getEffectiveLevel() == logging.DEBUG
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("alexapy").setLevel(logging.NOTSET)


async def test_existing_data_dir_is_made_private(
    bridge_factory: BridgeFactory, tmp_path: Path
) -> None:
    """A data directory created 0755 by someone else is 0700 after start."""
    data_dir = tmp_path / "shared"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    await bridge_factory(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


async def test_access_log_has_no_query_strings(
    bridge_factory: BridgeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """At trace level requests are logged by path only: queries can carry codes and tokens."""
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.DEBUG)
    try:
        bridge = await bridge_factory()
        with caplog.at_level(logging.DEBUG, logger="aiohttp.access"):
            async with bridge.client.get(f"{bridge.public}/health?code=SECRET-CODE") as resp:
                assert resp.status == 200
            await asyncio.sleep(0.1)
    finally:
        access.setLevel(logging.NOTSET)
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any('"GET /health"' in line for line in lines), lines
    assert not any("SECRET" in line for line in lines)


async def test_replayed_skill_event_is_refused_within_its_hour(bridge: RunningBridge) -> None:
    """A skill event 50 minutes old (inside its 3600 s window) acts once, replayed or not."""
    created = alexa.timestamp(-3000)
    event = alexa.envelope(
        {
            "type": "AlexaSkillEvent.SkillEnabled",
            "eventCreationTime": created,
            "eventPublishingTime": created,
        },
        age_s=3000,
    )
    raw, headers = alexa.sign(event, bridge.leaf, bridge.cert_url)
    assert (await bridge.skill(raw, headers=headers))[0] == 200
    assert (await bridge.skill(raw, headers=headers))[0] == 400
