"""Faults the bridge must survive: kill -9 mid-write, a read-only or full disk, Amazon failing.

Covered elsewhere, not repeated here: Music Assistant down, erroring, silent or stalling
mid-stream (tests/test_relay.py: test_ma_down_is_502_quickly, test_ma_error_status_is_502,
test_ma_that_never_answers_is_502, test_stalled_stream_ends_relay_and_upstream); Music
Assistant's websocket down (tests/test_transport.py: test_ma_down_is_explained_in_time);
the Supervisor away or refusing (tests/test_discovery.py:
test_unreachable_supervisor_is_retried_and_logged_once, test_unlisted_service_is_logged_once_and_
the_bridge_runs); Amazon's 429 back-off for the account (tests/amazon/test_session.py); a
certificate-host outage retried within seconds (tests/alexa/test_verification.py); a restart
between pause and resume, in process (tests/alexa/test_playback.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import datetime as dt
import json
import logging
from pathlib import Path
import random
import signal
import subprocess
import time
from typing import Any

import aiohttp
import pytest
import voluptuous as vol

from alexa_bridge.alexa.certificates import TRANSIENT_FAILURE_TTL
from alexa_bridge.const import FILE_BRIDGE, FILE_SLOTS, SAVE_DELAY
from alexa_bridge.models.slot import SCHEMA_SLOTS_FILE
from alexa_bridge.state.settings import SCHEMA_BRIDGE_FILE

from ..bridge_process import start_process
from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.cert_host import FakeCertHost

SCHEMAS: dict[str, vol.Schema] = {FILE_SLOTS: SCHEMA_SLOTS_FILE, FILE_BRIDGE: SCHEMA_BRIDGE_FILE}
KILLS = 6
ROUND_SECONDS = 25  # one restart, the pushes and the kill, on a busy machine
KITCHEN = "amzn1.ask.device.KITCHEN"


# ---- kill -9 during state writes -----------------------------------------------------------


def _check_state_files(data_dir: Path) -> dict[str, Any]:
    """Parse and validate every state file; return them by name."""
    found = {}
    for path in sorted(data_dir.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))  # a half-written file fails here
        if path.name in SCHEMAS:
            SCHEMAS[path.name](raw)
        found[path.name] = raw
    return found


async def _wait_until_saved(path: Path, text: str) -> None:
    """Wait up to 5 s until another process's debounced write put `text` in `path`."""
    async with asyncio.timeout(5):
        while not (path.exists() and text in path.read_text(encoding="utf-8")):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _hammer(client: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> int:
    """Push new streams and metadata as fast as the bridge takes them; return how many."""
    count = 0
    with contextlib.suppress(aiohttp.ClientError):
        while not stop.is_set():
            push = {
                "streamUrl": f"http://ma:8097/flow/{count % 7}.mp3",
                "playerId": f"Player {count % 5}",
                "title": "x" * (count % 300),
            }
            async with client.post(url, json=push) as resp:
                assert resp.status == 200
            count += 1
    return count


def _file_version(path: Path) -> tuple[int, int] | None:
    """Return what changes each time an atomic write replaces `path` (inode, mtime)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


async def _wait_for_rewrite(path: Path, before: tuple[int, int] | None) -> None:
    """Wait up to 5 s until another process's atomic write has replaced `path` again."""
    async with asyncio.timeout(5):
        while _file_version(path) == before:  # noqa: ASYNC110 - polling another process's disk
            await asyncio.sleep(0.02)


async def _kill_round(
    client: aiohttp.ClientSession, data_dir: Path, rng: random.Random, first: bool
) -> str | None:
    """Start the program, push until it is writing, SIGKILL it; return the instance id."""
    process = await start_process(data_dir)
    try:
        leftovers = sorted(p.name for p in data_dir.glob(".*.tmp"))
        assert leftovers == [], f"temporary files after start: {leftovers}"
        if first:
            push = {"streamUrl": "http://ma:8097/keep.mp3", "playerId": "Before"}
            async with client.post(f"{process.url('ma')}/ma/push-url", json=push) as resp:
                assert resp.status == 200
            await _wait_until_saved(data_dir / FILE_SLOTS, "Before")
        else:
            # What was on disk before every kill is still served after the restart.
            url = f"{process.url('ma')}/ma/latest-url?playerId=Before"
            async with client.get(url) as resp:
                assert resp.status == 200
                assert (await resp.json())["streamUrl"] == "http://ma:8097/keep.mp3"
        assert process.proc.stderr is not None
        drain = asyncio.create_task(process.proc.stderr.read())  # a full pipe would block it
        stop = asyncio.Event()
        before = _file_version(data_dir / FILE_SLOTS)
        hammer = asyncio.create_task(_hammer(client, f"{process.url('ma')}/ma/push-url", stop))
        # Kill once the pushes are being written (a write every SAVE_DELAY), at a seeded
        # moment of the save cycle, so the rounds land before, during and after writes.
        await _wait_for_rewrite(data_dir / FILE_SLOTS, before)
        await asyncio.sleep(rng.uniform(0, SAVE_DELAY))
        process.proc.send_signal(signal.SIGKILL)
        await process.proc.wait()
        stop.set()
        assert await hammer > 0
        await drain
    finally:
        if process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()
    return json.loads((data_dir / FILE_BRIDGE).read_text())["instance_id"] if first else None


@pytest.mark.timeout(KILLS * ROUND_SECONDS + 30)  # the rounds' own deadlines come first
async def test_kill_9_during_state_writes_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL the real program mid-write under pushes: every restart finds whole files."""
    data_dir = tmp_path / "data"
    rng = random.Random(7)  # noqa: S311 - reproducible kill moments, not cryptography
    instance_id = None
    async with aiohttp.ClientSession() as client:
        for round_ in range(KILLS):
            try:
                async with asyncio.timeout(ROUND_SECONDS):
                    instance_id = (
                        await _kill_round(client, data_dir, rng, round_ == 0) or instance_id
                    )
            except TimeoutError:
                pytest.fail(f"round {round_}: restart, pushes and kill took over {ROUND_SECONDS} s")
            files = _check_state_files(data_dir)
            assert files[FILE_BRIDGE]["instance_id"] == instance_id, f"round {round_}"
            keys = {slot["key"] for slot in files[FILE_SLOTS]["slots"]}
            assert "Before" in keys, f"round {round_}"
    process = await start_process(data_dir)
    try:
        assert sorted(p.name for p in data_dir.glob(".*.tmp")) == []
    finally:
        process.proc.send_signal(signal.SIGTERM)
        assert await process.proc.wait() == 0


# ---- the data dir read-only or full ------------------------------------------------------------


@contextlib.contextmanager
def _mounted(options: list[str], source: str, target: Path) -> Iterator[None]:
    """Mount something over `target` for the block; skip when this machine does not allow it."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["mount", *options, source, str(target)],  # noqa: S607 - the system's mount
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.decode().strip()}); needs root")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)  # noqa: S603, S607


@contextlib.contextmanager
def _read_only(directory: Path) -> Iterator[None]:
    """Make `directory` read-only (a read-only bind mount over itself; root ignores modes)."""
    with _mounted(["--bind"], str(directory), directory):
        result = subprocess.run(  # noqa: S603
            ["mount", "-o", "remount,bind,ro", str(directory)],  # noqa: S607
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {result.stderr.decode().strip()}")
        yield


async def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> str:
    """Wait up to 5 s for a log line containing `text`; return it."""
    async with asyncio.timeout(5):
        while True:
            for record in caplog.records:
                if text in record.getMessage():
                    return record.getMessage()
            await asyncio.sleep(0.05)


async def _files_and_contents(directory: Path) -> dict[str, bytes]:
    """Return every file's bytes under a directory."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("fault", ["read-only", "full"])
async def test_unwritable_data_dir_keeps_serving_from_memory(
    bridge_factory: BridgeFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """Pushes answer 200 and play from memory, one clear error says why, old files stay whole."""
    caplog.set_level(logging.ERROR, logger="alexa_bridge")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if fault == "full":
        context = _mounted(["-t", "tmpfs", "-o", "size=64k"], "tmpfs", data_dir)
    else:
        context = contextlib.nullcontext()
    with context:
        bridge = await bridge_factory(data_dir)
        status, _ = await bridge.push({"streamUrl": "http://ma:8097/a.mp3", "playerId": "Den"})
        assert status == 200
        await bridge.core.slots.flush()
        before = await _files_and_contents(data_dir)
        with _read_only(data_dir) if fault == "read-only" else contextlib.nullcontext():
            if fault == "full":
                (data_dir / "filler").write_bytes(b"")
                with contextlib.suppress(OSError), (data_dir / "filler").open("ab") as filler:
                    filler.write(b"\0" * 128 * 1024)
            push = {"streamUrl": "http://ma:8097/b.mp3", "playerId": "Den", "title": "New"}
            status, answer = await bridge.push(push)
            assert status == 200, answer
            line = await _wait_for_log(caplog, "slots.json")
            assert "kept in memory" in line
            assert "writable" in line or "full" in line
            status, answer = await bridge.skill(alexa.launch(device_id=KITCHEN))
            assert status == 200, answer
            assert answer["response"]["directives"][0]["type"] == "AudioPlayer.Play"
            assert bridge.core.slots.devices[KITCHEN] == "Den"
            assert bridge.core.slots.slots["Den"].title == "New"
            async with bridge.client.get(f"{bridge.public}/health") as resp:
                assert resp.status == 200
            after = await _files_and_contents(data_dir)
            after.pop("filler", None)
            assert after == before
            _check_state_files(data_dir)
        if fault == "full":
            (data_dir / "filler").unlink()
        # Once the disk takes writes again, the next change saves everything kept in memory.
        await bridge.push({**push, "title": "Saved"})
        await bridge.core.slots.flush()
        slots = _check_state_files(data_dir)[FILE_SLOTS]
        assert [(slot["key"], slot["title"]) for slot in slots["slots"]] == [("Den", "Saved")]
        assert slots["devices"] == {KITCHEN: "Den"}
        await bridge.bridge.stop()
        await bridge.core.session.close()


async def test_read_only_data_dir_at_start_still_serves(
    bridge_factory: BridgeFactory, tmp_path: Path
) -> None:
    """A restart on a data dir that became read-only serves what it holds."""
    data_dir = tmp_path / "data"
    first = await bridge_factory(data_dir)
    await first.push({"streamUrl": "http://ma:8097/a.mp3", "playerId": "Den"})
    await first.bridge.stop()
    await first.core.session.close()
    with _read_only(data_dir):
        second = await bridge_factory(data_dir)
        async with second.client.get(f"{second.ma}/ma/latest-url?playerId=Den") as resp:
            assert resp.status == 200
        status, _ = await second.push({"streamUrl": "http://ma:8097/b.mp3", "playerId": "Den"})
        assert status == 200
        await second.bridge.stop()
        await second.core.session.close()


# ---- Amazon's certificate host failing ------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_certificate_host_errors_refuse_quickly_then_recover(
    bridge_factory: BridgeFactory, cert_host: FakeCertHost, status: int
) -> None:
    """A 429/5xx from s3.amazonaws.com: refused at once (Alexa retries), served after it passes."""
    bridge = await bridge_factory()
    cert_host.errors["echo-api-cert-12.pem"] = [status]
    started = time.monotonic()
    refused, _ = await bridge.skill(alexa.intent("AMAZON.HelpIntent"))
    assert refused == 400
    assert time.monotonic() - started < 2
    async with bridge.client.get(f"{bridge.public}/health") as resp:
        assert resp.status == 200
    # A passing outage is retried after TRANSIENT_FAILURE_TTL (seconds, here moved past).
    chains = bridge.core.verifier._chains
    chains._clock = lambda: (
        dt.datetime.now(dt.UTC) + TRANSIENT_FAILURE_TTL + dt.timedelta(seconds=1)
    )
    answered, answer = await bridge.skill(alexa.intent("AMAZON.HelpIntent"))
    assert answered == 200, answer
    assert cert_host.fetches["echo-api-cert-12.pem"] == 2


async def test_certificate_host_timeout_answers_in_time(
    bridge_factory: BridgeFactory, cert_host: FakeCertHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate host that never answers: refused within the fetch timeout, bridge up."""
    monkeypatch.setattr("alexa_bridge.alexa.certificates.CERT_FETCH_TIMEOUT", 0.5)
    bridge = await bridge_factory()
    cert_host.delay = 1.5  # past the 0.5 s timeout, short enough for a quick teardown
    started = time.monotonic()
    status, _ = await bridge.skill(alexa.intent("AMAZON.HelpIntent"))
    assert status == 400
    assert time.monotonic() - started < 2
    async with bridge.client.get(f"{bridge.public}/health") as resp:
        assert resp.status == 200
