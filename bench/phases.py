"""The measured phases: signed requests, one fast stream, many real-time streams."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
import json
from pathlib import Path
import shutil
import sys

from tests.fakes import alexa
from tests.fakes.pki import Issued

from .services import ROOT, CpuWindow, rss_mib

LUA_SCRIPT = Path(__file__).with_name("skill.lua")
SIGNED_BODIES = 2500  # each sent once (replays are refused); about 5 s to sign
LOAD_TIMEOUT = 180.0


@dataclass(frozen=True)
class Target:
    """Everything a phase needs to reach the running bridge."""

    public: str
    bridge_pid: int
    bridge_core: int | None
    cert_url: str
    leaf: Issued
    work_dir: Path


def sign_bodies(target: Target, device_id: str, path: Path) -> None:
    """Pre-sign LaunchRequests (unique ids, fresh timestamps) for the load generator."""
    with path.open("wb") as out:
        for _ in range(SIGNED_BODIES):
            body, headers = alexa.sign(
                alexa.launch(device_id=device_id), target.leaf, target.cert_url
            )
            out.write(headers["Signature-256"].encode() + b"\n" + body + b"\n")


async def _run(args: list[str]) -> str:
    """Run a load generator to completion (bounded) and return its standard output."""
    process = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), LOAD_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {err.decode()}")
    return out.decode()


def use_wrk() -> bool:
    """Return whether wrk (the preferred load generator) is installed."""
    return shutil.which("wrk") is not None


async def signed_requests(
    target: Target, device_id: str, seconds: float, concurrency: int
) -> dict[str, float]:
    """POST signed LaunchRequests at a concurrency for a while; return latency and rate figures."""
    bodies = target.work_dir / f"bodies-{concurrency}.txt"
    sign_bodies(target, device_id, bodies)
    url = f"{target.public}/alexa/skill"
    if use_wrk():
        args = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:.0f}s", "-s", str(LUA_SCRIPT), url]
        args += ["--", target.cert_url, str(bodies)]
    else:
        args = [sys.executable, "-m", "bench.load", "skill", "--url", url]
        args += ["--bodies", str(bodies), "--cert-url", target.cert_url]
        args += ["--seconds", str(seconds), "--concurrency", str(concurrency)]
    window = CpuWindow((target.bridge_pid,), target.bridge_core)
    window.start()
    output = await _run(args)
    cpu = window.stop()
    figures: dict[str, float] = json.loads(
        next(line for line in output.splitlines() if line.startswith("{"))
    )
    if "mean_ms" in figures:
        # wrk stops sending when the bodies are used up but reports its whole -d duration:
        # with every connection always waiting on an answer, the rate is concurrency over
        # the mean latency (Little's law).
        figures["rate"] = concurrency / (figures["mean_ms"] / 1000)
    else:
        figures["rate"] = figures["requests"] / figures["duration_s"]
    figures["cpu"] = cpu
    figures["others"] = window.others
    if figures["status_errors"] or figures["socket_errors"]:
        raise RuntimeError(f"the bridge refused or dropped requests: {figures}")
    return figures


async def streams(
    urls: Sequence[str],
    count: int,
    seconds: float,
    *,
    pids: Sequence[int],
    core: int | None,
    settle: float = 1.0,
) -> dict[str, float]:
    """Read `count` streams through a relay for a while; return throughput, its CPU and RSS.

    The streams take the URLs in turn: the bridge relays a few streams per token, so
    its streams each get a player (and token) of their own.
    """
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.load", "streams"),
        *(arg for url in urls for arg in ("--url", url)),
        *("--count", str(count), "--seconds", str(seconds + settle + 1.0)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    if process.stdout is None:
        raise RuntimeError("no pipe from the stream clients")
    try:
        async with asyncio.timeout(seconds + 30):
            line = await process.stdout.readline()
            if line.strip() != b"connected":
                raise RuntimeError("stream clients did not connect")
            await asyncio.sleep(settle)
            window = CpuWindow(pids, core)
            window.start()
            await asyncio.sleep(seconds)
            cpu = window.stop()
            rss = rss_mib(*pids)
            result = json.loads(await process.stdout.readline())
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if any(status != HTTPStatus.OK for status in result["statuses"]):
        raise RuntimeError(f"relay answered {result['statuses']}")
    per_stream = [received / result["duration_s"] for received in result["bytes"]]
    return {
        "cpu": cpu,
        "others": window.others,
        "rss": rss,
        "total_rate": sum(per_stream),
        "min_rate": min(per_stream),
        "mean_rate": sum(per_stream) / len(per_stream),
    }
