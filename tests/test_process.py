"""The real program: start-up, bad options, SIGTERM within 5 s, state flushed, quiet logs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from pathlib import Path
import signal
import time

import aiohttp
from aiohttp import web
import pytest

from .bridge_process import BridgeProcess, run_to_exit, start_process

SECRET_PASSWORD = "pw-Secret-4711"


@pytest.fixture(name="process")
async def process_fixture(tmp_path: Path) -> AsyncIterator[BridgeProcess]:
    """Run a bridge process with a public address and credentials; kill it at the end."""
    running = await start_process(
        tmp_path / "data",
        ALEXA_BRIDGE_PUBLIC_URL="https://bridge.example.com",
        ALEXA_BRIDGE_API_USERNAME="ma",
        ALEXA_BRIDGE_API_PASSWORD=SECRET_PASSWORD,
    )
    yield running
    if running.proc.returncode is None:
        running.proc.kill()
        await running.proc.wait()


async def _wait_for_file(path: Path) -> None:
    """Wait up to 5 s for the bridge's debounced write."""
    async with asyncio.timeout(5):
        while not path.exists():  # noqa: ASYNC110 - polling another process's disk write
            await asyncio.sleep(0.05)


async def _read_until_closed(stream: aiohttp.ClientResponse) -> None:
    """Read a relay until the bridge ends it; fail if it is still open after 5 s."""
    async with asyncio.timeout(5):
        try:
            while await stream.content.read(65536):
                pass
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError):
            return


def _auth() -> dict[str, str]:
    """Return MA's Basic header for the fixture's credentials."""
    import base64  # noqa: PLC0415 - only this helper needs it

    return {"Authorization": "Basic " + base64.b64encode(f"ma:{SECRET_PASSWORD}".encode()).decode()}


async def test_starts_with_no_options_file_and_serves(tmp_path: Path) -> None:
    """No options file at all: the bridge starts, serves /health everywhere, and stops."""
    running = await start_process(tmp_path / "fresh")
    async with aiohttp.ClientSession() as client:
        for name in ("ma", "public", "panel"):
            async with client.get(f"{running.url(name)}/health") as resp:
                assert resp.status == 200
    running.proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(running.proc.wait(), 5) == 0
    assert (tmp_path / "fresh" / "bridge.json").stat().st_mode & 0o777 == 0o600


async def test_sigterm_ends_relays_and_flushes_state(
    process: BridgeProcess, tmp_path: Path
) -> None:
    """SIGTERM mid-stream: exit 0 within 5 s, the relay ended, the last push on disk."""
    chunk = b"\xff\xfb" * 4096

    async def endless(request: web.Request) -> web.StreamResponse:
        """Stream forever, like MA's flow stream."""
        response = web.StreamResponse(headers={"Content-Type": "audio/mpeg"})
        await response.prepare(request)
        while True:
            await response.write(chunk)
            await asyncio.sleep(0.01)

    app = web.Application()
    app.router.add_get("/flow/x.mp3", endless)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    ma_port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as client:
            push = {"streamUrl": f"http://127.0.0.1:{ma_port}/flow/x.mp3", "playerId": "Den"}
            async with client.post(
                f"{process.url('ma')}/ma/push-url", json=push, headers=_auth()
            ) as resp:
                assert resp.status == 200
            slots_file = tmp_path / "data" / "slots.json"
            await _wait_for_file(slots_file)
            token = json.loads(slots_file.read_text())["slots"][0]["relay_token"]
            async with client.get(f"{process.url('public')}/stream/{token}.mp3") as stream:
                assert stream.status == 200
                await stream.content.readexactly(len(chunk))
                # A metadata push right before the signal must reach the disk too.
                push["title"] = "Last words"
                async with client.post(
                    f"{process.url('ma')}/ma/push-url", json=push, headers=_auth()
                ) as resp:
                    assert resp.status == 200
                started = time.monotonic()
                process.proc.send_signal(signal.SIGTERM)
                await _read_until_closed(stream)
            assert await asyncio.wait_for(process.proc.wait(), 5) == 0
            assert time.monotonic() - started < 5
    finally:
        await runner.cleanup()
    assert json.loads(slots_file.read_text())["slots"][0]["title"] == "Last words"


async def test_logs_hold_no_secrets(process: BridgeProcess, tmp_path: Path) -> None:
    """At info level the log never shows the password, relay tokens or request bodies."""
    async with aiohttp.ClientSession() as client:
        push = {"streamUrl": "http://192.168.1.5:8097/flow/s/p/1.mp3", "playerId": "Den"}
        async with client.post(f"{process.url('ma')}/ma/push-url", json=push, headers=_auth()):
            pass
        forged = {
            "request": {"type": "LaunchRequest"},
            "context": {"System": {"apiAccessToken": "TOPSECRET"}},
        }
        async with client.post(f"{process.url('public')}/alexa/skill", json=forged) as resp:
            assert resp.status == 400
    process.proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.proc.wait(), 5)
    log = await process.read_rest()
    slots = json.loads((tmp_path / "data" / "slots.json").read_text())["slots"]
    assert "Refused an Alexa request" in log
    assert "pushed a new stream" in log
    for secret in (SECRET_PASSWORD, "TOPSECRET", "192.168.1.5", "apiAccessToken"):
        assert secret not in log, secret
    assert slots[0]["relay_token"] not in log


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"ALEXA_BRIDGE_MA_API_PORT": "99999"}, "'ma_api_port': '99999'"),
        ({"ALEXA_BRIDGE_PUBLIC_URL": "http://insecure.example"}, "'public_url'"),
        ({"ALEXA_BRIDGE_MA_API_HOST": "0.0.0.0"}, "'ma_api_host'"),
    ],
    ids=["port", "http-url", "open-bind"],
)
async def test_bad_option_stops_with_one_line(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    """A bad option exits non-zero with one stderr line naming key, value and rule."""
    returncode, stderr = await run_to_exit(tmp_path, **env)
    lines = stderr.strip().splitlines()
    assert returncode == 2
    assert len(lines) == 1, lines
    assert fragment in lines[0]


async def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    """A taken port stops start-up with a message, not a traceback."""
    blocker = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        returncode, stderr = await run_to_exit(tmp_path, ALEXA_BRIDGE_MA_API_PORT=str(port))
    finally:
        blocker.close()
        await blocker.wait_closed()
    assert returncode == 1
    assert "Cannot open a listener" in stderr
    assert "Traceback" not in stderr


async def test_missing_tls_files_are_a_clear_error(tmp_path: Path) -> None:
    """TLS on without its files stops start-up with one line naming the file."""
    returncode, text = await run_to_exit(
        tmp_path, ALEXA_BRIDGE_SSL="true", ALEXA_BRIDGE_CERTFILE=str(tmp_path / "fullchain.pem")
    )
    assert returncode == 1
    assert "fullchain.pem does not exist" in text
    assert "Traceback" not in text


async def test_malformed_requests_do_not_flood_the_log(tmp_path: Path) -> None:
    """Broken request lines from scanners get 400 and leave no traceback in the log."""
    running = await start_process(tmp_path / "data")
    port = running.ports["public"]
    for raw in (b"GET /\x00evil HTTP/1.1\r\n\r\n", b"\xff\xfe garbage\r\n\r\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        answer = await reader.read()
        writer.close()
        assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request")
    running.proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(running.proc.wait(), 5) == 0
    log = await running.read_rest()
    assert "Traceback" not in log
    assert "evil" not in log
