"""Load: mixed signed skill requests and many real-time relays at once, with RSS sampled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
import json
import statistics
import sys
import time
from typing import Any

import aiohttp
from tests.fakes import alexa

from .phases import Target
from .services import ROOT, rss_mib

SAMPLE_EVERY = 5.0
FLAT_WINDOW = 40.0  # RSS must not grow over the last this many seconds
FLAT_LIMIT_MIB = 4.0
OFFSET_STEP_MS = 7_000

Build = Callable[[str | None, int], dict[str, Any]]


def _ctx(token: str | None, offset: int, activity: str = "PLAYING") -> dict[str, Any] | None:
    """Return context.AudioPlayer for the Echo's current token, if it has one."""
    return None if token is None else alexa.player_context(token, offset, activity)


def _steps(device: str) -> list[tuple[str, bool, Build]]:
    """Return one listening session as (name, answers with a Play directive, body builder)."""
    return [
        ("LaunchRequest", True, lambda _t, _o: alexa.launch(device_id=device)),
        (
            "AudioPlayer.PlaybackStarted",
            False,
            lambda t, o: alexa.audio_event("PlaybackStarted", t or "", o, device_id=device),
        ),
        (
            "AudioPlayer.PlaybackNearlyFinished",
            False,
            lambda t, o: alexa.audio_event("PlaybackNearlyFinished", t or "", o, device_id=device),
        ),
        (
            "AMAZON.PauseIntent",
            False,
            lambda t, o: alexa.intent("AMAZON.PauseIntent", device_id=device, player=_ctx(t, o)),
        ),
        (
            "AudioPlayer.PlaybackStopped",
            False,
            lambda t, o: alexa.audio_event("PlaybackStopped", t or "", o, device_id=device),
        ),
        (
            "AMAZON.ResumeIntent",
            True,
            lambda t, o: alexa.intent(
                "AMAZON.ResumeIntent", device_id=device, player=_ctx(t, o, "STOPPED")
            ),
        ),
        (
            "AudioPlayer.PlaybackStarted",
            False,
            lambda t, o: alexa.audio_event("PlaybackStarted", t or "", o, device_id=device),
        ),
        (
            "PlaybackController.PauseCommandIssued",
            False,
            lambda t, o: alexa.controller(
                "PauseCommandIssued", device_id=device, player=_ctx(t, o)
            ),
        ),
        (
            "PlaybackController.PlayCommandIssued",
            True,
            lambda t, o: alexa.controller(
                "PlayCommandIssued", device_id=device, player=_ctx(t, o, "STOPPED")
            ),
        ),
        (
            "AMAZON.HelpIntent",
            False,
            lambda t, o: alexa.intent("AMAZON.HelpIntent", device_id=device, player=_ctx(t, o)),
        ),
        (
            "PlaybackController.NextCommandIssued",
            False,
            lambda t, o: alexa.controller("NextCommandIssued", device_id=device, player=_ctx(t, o)),
        ),
        (
            "AudioPlayer.PlaybackFinished",
            False,
            lambda t, o: alexa.audio_event("PlaybackFinished", t or "", o, device_id=device),
        ),
    ]


@dataclass
class SkillLoad:
    """Counts and latencies of the mixed skill requests."""

    sent: int = 0
    errors: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)


def _play_token(answer: dict[str, Any]) -> str | None:
    """Return the token of a Play directive in a skill answer, if there is one."""
    for directive in answer.get("response", {}).get("directives", []):
        if directive.get("type") == "AudioPlayer.Play":
            token: str = directive["audioItem"]["stream"]["token"]
            return token
    return None


async def _echo(
    client: aiohttp.ClientSession,
    target: Target,
    device: str,
    *,
    count: int,
    interval: float,
    load: SkillLoad,
) -> None:
    """Act as one Echo: go through listening sessions, one signed request every `interval`."""
    steps = _steps(device)
    token: str | None = None
    offset = 0
    due = time.monotonic()
    for index in range(count):
        name, plays, build = steps[index % len(steps)]
        body, headers = alexa.sign(build(token, offset), target.leaf, target.cert_url)
        await asyncio.sleep(max(due - time.monotonic(), 0))
        due += interval
        started = time.perf_counter()
        try:
            async with client.post(
                f"{target.public}/alexa/skill", data=body, headers=headers
            ) as resp:
                status = resp.status
                answer = await resp.json() if status == HTTPStatus.OK else {}
        except (aiohttp.ClientError, json.JSONDecodeError) as err:
            load.errors.append(f"{name}: {type(err).__name__}")
            continue
        finally:
            load.sent += 1
            load.kinds[name] = load.kinds.get(name, 0) + 1
        load.latencies.append(time.perf_counter() - started)
        load.slowest = sorted([*load.slowest, (load.latencies[-1] * 1000, name)])[-3:]
        if status != HTTPStatus.OK or "response" not in answer:
            load.errors.append(f"{name}: HTTP {status}")
            continue
        if plays:
            token = _play_token(answer)
            if token is None:
                load.errors.append(f"{name}: no Play directive")
        offset += OFFSET_STEP_MS


async def soak(
    target: Target,
    stream_urls: list[str],
    devices: list[str],
    *,
    seconds: float,
    streams: int,
    requests: int,
) -> dict[str, Any]:
    """Relay `streams` real-time streams and send `requests` mixed skill requests for `seconds`."""
    clients = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.load", "streams"),
        *(arg for url in stream_urls for arg in ("--url", url)),
        *("--count", str(streams), "--seconds", str(seconds)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    if clients.stdout is None:
        raise RuntimeError("no pipe from the stream clients")
    load = SkillLoad()
    curve: list[tuple[float, float]] = []
    try:
        async with asyncio.timeout(seconds + 30):
            if (await clients.stdout.readline()).strip() != b"connected":
                raise RuntimeError("stream clients did not connect")
            began = time.monotonic()
            per_echo = requests // len(devices)
            # The requests end a few seconds before the streams, so all of them count.
            interval = (seconds - 2 * SAMPLE_EVERY) / per_echo
            async with aiohttp.ClientSession() as client:
                echoes = asyncio.gather(
                    *(
                        _echo(client, target, d, count=per_echo, interval=interval, load=load)
                        for d in devices
                    )
                )
                while (elapsed := time.monotonic() - began) < seconds - 0.5:
                    curve.append((elapsed, rss_mib(target.bridge_pid)))
                    await asyncio.sleep(min(SAMPLE_EVERY, max(seconds - elapsed - 0.5, 0)))
                curve.append((time.monotonic() - began, rss_mib(target.bridge_pid)))
                await echoes
            result = json.loads(await clients.stdout.readline())
            await clients.wait()
    finally:
        if clients.returncode is None:
            clients.kill()
            await clients.wait()
    rates = [received / result["duration_s"] for received in result["bytes"]]
    late = [rss for at, rss in curve if at >= seconds - FLAT_WINDOW - 0.5]
    cuts = statistics.quantiles(load.latencies, n=100) if len(load.latencies) > 1 else [0.0] * 99
    return {
        "requests": load.sent,
        "request_errors": load.errors,
        "kinds": load.kinds,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "slowest": load.slowest,
        "stream_statuses": result["statuses"],
        "min_rate": min(rates),
        "curve": curve,
        "growth_mib": late[-1] - late[0],
        "peak_mib": max(rss for _, rss in curve),
    }
