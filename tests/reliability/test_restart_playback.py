"""A crash in mid-playback: the real program is killed with SIGKILL, restarted, and resumes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import os
from pathlib import Path
import signal
import sys
from typing import Any

import aiohttp
import pytest

from ..bridge_process import wait_until_ready
from ..fakes import alexa
from ..fakes.cert_host import FakeCertHost
from ..fakes.pki import TestPKI

ROOT = Path(__file__).resolve().parents[2]
ECHO = "amzn1.ask.device.DENECHO"


async def _launch(data_dir: Path, options: Path, cert_port: int) -> tuple[Any, dict[str, int]]:
    """Start the bridge process (its outbound session reaches the fake certificate host)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.launcher",
        "--data-dir",
        str(data_dir),
        "--options",
        str(options),
        "--cert-port",
        str(cert_port),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = await wait_until_ready(proc, seconds=20)
    return proc, running.ports


@pytest.fixture(name="setup")
async def setup_fixture(
    tmp_path: Path, cert_host: FakeCertHost, pki: TestPKI
) -> AsyncIterator[dict[str, Any]]:
    """Write options, publish a signing chain, and kill any bridge left running."""
    options = tmp_path / "options.json"
    options.write_text(
        json.dumps(
            {
                "ma_api_port": 0,
                "public_port": 0,
                "panel_port": 0,
                "skill_id": alexa.TEST_SKILL_ID,
                "public_url": "https://bridge.example.com",
            }
        )
    )
    leaf = pki.alexa
    state: dict[str, Any] = {
        "options": options,
        "data": tmp_path / "data",
        "leaf": leaf,
        "url": cert_host.publish_leaf("restart.pem", leaf),
        "procs": [],
    }
    yield state
    for proc in state["procs"]:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _wait_for_text(path: Path, text: str) -> None:
    """Wait up to 5 s until the bridge process has written `text` to `path`."""
    async with asyncio.timeout(5):
        while text not in (path.read_text() if path.exists() else ""):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _skill(
    client: aiohttp.ClientSession, port: int, state: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """Send a signed request to the skill endpoint and return Alexa's answer."""
    raw, headers = alexa.sign(body, state["leaf"], state["url"])
    async with client.post(
        f"http://127.0.0.1:{port}/alexa/skill", data=raw, headers=headers
    ) as resp:
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
        return answer


async def test_resume_after_kill_continues_at_the_offset(
    setup: dict[str, Any], cert_host: FakeCertHost
) -> None:
    """Play, pause at 93 s, SIGKILL the process, restart it: Resume plays from 93 s."""
    proc, ports = await _launch(setup["data"], setup["options"], cert_host.port)
    setup["procs"].append(proc)
    async with aiohttp.ClientSession() as client:
        push = {"streamUrl": "http://192.168.1.7:8097/flow/s/den/1.mp3", "playerId": "Den"}
        async with client.post(f"http://127.0.0.1:{ports['ma']}/ma/push-url", json=push) as r:
            assert r.status == 200
        answer = await _skill(client, ports["public"], setup, alexa.launch(device_id=ECHO))
        stream = answer["response"]["directives"][0]["audioItem"]["stream"]
        token = stream["token"]
        await _skill(client, ports["public"], setup, alexa.audio_event("PlaybackStarted", token))
        await _skill(
            client, ports["public"], setup, alexa.audio_event("PlaybackStopped", token, 93_000)
        )
        await _wait_for_text(setup["data"] / "slots.json", '"offset_ms": 93000')
        proc.send_signal(signal.SIGKILL)
        await proc.wait()

        proc, ports = await _launch(setup["data"], setup["options"], cert_host.port)
        setup["procs"].append(proc)
        player = alexa.player_context(token, 93_000, "STOPPED")
        answer = await _skill(
            client,
            ports["public"],
            setup,
            alexa.intent("AMAZON.ResumeIntent", device_id=ECHO, player=player),
        )
    resumed = answer["response"]["directives"][0]["audioItem"]["stream"]
    assert resumed["offsetInMilliseconds"] == 93_000
    assert resumed["url"] == stream["url"]
    assert resumed["token"] != token
