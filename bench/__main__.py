"""Run the benchmark: `python -m bench` (or `make bench`); it stops by itself in about 7 min.

A real bridge runs in its own process (bench/launcher.py) pinned to CPU 0, with a fake
Amazon certificate host (real signature verification) and a fake Music Assistant; load
generators (wrk when installed, else aiohttp) and the fakes share CPU 1. Latency at
concurrency 1 is measured both pinned and with the kernel placing the processes: on a
virtual machine, waking an idle vCPU for every request costs milliseconds at p99.
Debian's nginx, pinned like the bridge, relays the same streams as a yardstick; the
last phase is the load test (mixed skill requests and 100 relays, RSS sampled).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
from pathlib import Path
import sys
import tempfile
from typing import Any

import aiohttp
from tests.fakes import alexa
from tests.fakes.cert_host import FakeCertHost
from tests.fakes.pki import TestPKI
from tests.harness import PUBLIC_URL

from .hostile import hostile_phase, hostile_rows
from .nginx import Nginx, nginx_binary
from .phases import Target, signed_requests, streams
from .report import STREAM_RATE, Figures, build_rows, describe_machine, print_notes, print_table
from .services import Service, free_port, pin, rss_mib, unpin
from .soak import soak

FAST_DEVICE = "amzn1.ask.device.BENCH-FAST"
# One Echo (player, relay token) per real-time stream: the bridge relays a few per token.
PACED_DEVICES = [f"amzn1.ask.device.BENCH-PACED-{n}" for n in range(1, 101)]
BAD_DEVICES = ["amzn1.ask.device.BENCH-REDIRECT", "amzn1.ask.device.BENCH-HTML"]
SOAK_DEVICES = [f"amzn1.ask.device.BENCH-SOAK-{n}" for n in range(1, 5)]
STREAM_COUNTS = (10, 50, 100)
LOG_PROBLEMS = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")


async def relay_url(
    client: aiohttp.ClientSession, ma_api: str, target: Target, stream: str, device: str
) -> str:
    """Push a player's stream, pair an Echo by a signed LaunchRequest; return its relay URL."""
    push = {"streamUrl": stream, "playerId": device.rpartition(".")[2], "title": "Benchmark"}
    async with client.post(f"{ma_api}/ma/push-url", json=push) as resp:
        resp.raise_for_status()
    body, headers = alexa.sign(alexa.launch(device_id=device), target.leaf, target.cert_url)
    async with client.post(f"{target.public}/alexa/skill", data=body, headers=headers) as resp:
        answer = await resp.json()
    url: str = answer["response"]["directives"][0]["audioItem"]["stream"]["url"]
    return url.replace(PUBLIC_URL, target.public)


@dataclasses.dataclass
class Setup:
    """The temporary directory, ports and environment every bridge start shares."""

    work: Path
    ports: dict[str, int]
    env: dict[str, str]
    cert_port: int

    def bridge(self) -> Service:
        """Return a bridge process (not started) on the benchmark's options and data dir."""
        return Service(
            "bridge",
            [
                *("-m", "bench.launcher", "--data-dir", str(self.work / "data")),
                *("--options", str(self.work / "options.json")),
                *("--cert-port", str(self.cert_port)),
            ],
            self.work,
            self.env,
        )

    def health_urls(self) -> list[str]:
        """Return GET /health on each of the three listeners."""
        return [f"http://127.0.0.1:{self.ports[n]}/health" for n in ("ma", "public", "panel")]


async def measure_requests(args: argparse.Namespace, target: Target) -> dict[str, list[Any]]:
    """Run each signed-request phase `repeat` times: concurrency 1 (pinned, then not), 10, 50."""
    results: dict[str, list[Any]] = {}
    await signed_requests(target, FAST_DEVICE, 1, 10)  # warm-up
    results["c1_pinned"] = [
        await signed_requests(target, FAST_DEVICE, args.seconds_c1, 1) for _ in range(args.repeat)
    ]
    unpin(target.bridge_pid)  # latency: let the kernel place the bridge and wrk
    free = dataclasses.replace(target, bridge_core=None)
    results["c1"] = [
        await signed_requests(free, FAST_DEVICE, args.seconds_c1, 1) for _ in range(args.repeat)
    ]
    if target.bridge_core is not None:
        pin(0, 1)
        pin(target.bridge_pid, 0)
    for concurrency, seconds in ((10, args.seconds_c1), (50, args.seconds_c50)):
        results[f"c{concurrency}"] = [
            await signed_requests(target, FAST_DEVICE, seconds, concurrency)
            for _ in range(args.repeat)
        ]
    return results


async def measure_relays(
    args: argparse.Namespace,
    target: Target,
    nginx: Nginx | None,
    urls: dict[str, list[str]],
    ratios: dict[int, list[float]],
) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """Relay one fast stream, then 10/50/100 real-time streams: the bridge, then nginx, in turn."""
    core = target.bridge_core
    relays: list[tuple[str, tuple[int, ...], list[str], list[str]]] = [
        ("bridge", (target.bridge_pid,), urls["bridge_fast"], urls["bridge_paced"])
    ]
    if nginx is not None:
        relays.append(("nginx", nginx.pids, urls["nginx_fast"], urls["nginx_paced"]))
    one = {
        name: await streams(fast, 1, args.stream_seconds, pids=pids, core=core)
        for name, pids, fast, _ in relays
    }
    many: dict[int, dict[str, Any]] = {}
    for count in STREAM_COUNTS:
        # Rounds of bridge then nginx, interleaved: the figure shown is the median round.
        rounds = [
            {
                name: await streams(paced, count, args.window, pids=pids, core=core)
                for name, pids, _, paced in relays
            }
            for _ in range(args.relay_repeat)
        ]
        if "nginx" in rounds[0]:
            rounds.sort(key=lambda r: r["bridge"]["cpu"] / max(r["nginx"]["cpu"], 1e-9))
            ratios[count] = [r["bridge"]["cpu"] / max(r["nginx"]["cpu"], 1e-9) for r in rounds]
        many[count] = rounds[len(rounds) // 2]
    return one, many


async def start_nginx(setup: Setup, paced_path: str, *, pinned: bool) -> Nginx | None:
    """Start nginx in front of the fake MA (pinned like the bridge), or None if not installed."""
    if nginx_binary() is None:
        print("nginx is not installed (apt-get install nginx-light): no yardstick", file=sys.stderr)
        return None
    nginx = Nginx(setup.work, setup.ports["nginx"], setup.ports["fake_ma"])
    await nginx.start(paced_path)
    if pinned:
        for pid in nginx.pids:
            pin(pid, 0)
    return nginx


async def time_starts(setup: Setup, starts: int) -> tuple[Service, list[float]]:
    """Start the bridge `starts` times (the last one stays up); return it and each start-up time."""
    startups = []
    for _ in range(starts - 1):
        spare = setup.bridge()
        startups.append(await spare.start(*setup.health_urls()))
        await spare.stop()
    bridge = setup.bridge()
    startups.append(await bridge.start(*setup.health_urls()))
    return bridge, startups


def line_count(log: Path) -> int:
    """Return how many lines the bridge log has."""
    return len(log.read_bytes().splitlines()) if log.exists() else 0


def log_problems(log: Path, before: int) -> list[str]:
    """Return the bridge log's warnings, errors and tracebacks before the hostile phase."""
    lines = log.read_text(errors="replace").splitlines()[:before] if log.exists() else []
    return [line for line in lines if any(mark in line for mark in LOG_PROBLEMS)]


async def run(args: argparse.Namespace) -> int:  # noqa: PLR0915 - one straight sequence of phases
    """Start the fakes and the bridge, run every phase, print the table."""
    load_before = f"{os.getloadavg()[0]:.2f}"
    pinned = not args.no_pin and pin(0, 1)  # this process, the fakes and the load: CPU 1
    with tempfile.TemporaryDirectory(prefix="alexa-bridge-bench-") as tmp:
        work = Path(tmp)
        pki = TestPKI.create()
        leaf = pki.alexa_leaf()
        cert_host = FakeCertHost(pki)
        await cert_host.start(work)
        cert_url = cert_host.publish_leaf("echo-api-cert-12.pem", leaf)
        (work / "ca.pem").write_bytes(pki.root.pem)
        names = ("ma", "public", "panel", "fake_ma", "fake_ma_ws", "nginx")
        ports = {name: free_port() for name in names}
        options = {
            "ma_api_port": ports["ma"],
            "public_port": ports["public"],
            "panel_port": ports["panel"],
            "skill_id": alexa.TEST_SKILL_ID,
            "public_url": PUBLIC_URL,
            "ma_url": f"http://127.0.0.1:{ports['fake_ma_ws']}",
            "log_level": args.log_level,
        }
        (work / "options.json").write_text(json.dumps(options))
        env = {**os.environ, "SSL_CERT_FILE": str(work / "ca.pem")}
        setup = Setup(work, ports, env, cert_host.port)
        devices = (FAST_DEVICE, *PACED_DEVICES, *SOAK_DEVICES, *BAD_DEVICES)
        players = [d.rpartition(".")[2] for d in devices]
        fake_ma = Service(
            "fake_ma",
            [
                *("-m", "bench.fake_ma", "--port", str(ports["fake_ma"])),
                *("--ws-port", str(ports["fake_ma_ws"])),
                *(arg for player in players for arg in ("--player", player)),
            ],
            work,
            env,
        )
        ma_base = f"http://127.0.0.1:{ports['fake_ma']}"
        ma_api, public = (f"http://127.0.0.1:{ports[name]}" for name in ("ma", "public"))
        fast_path = "/flow/s/fast/item.mp3"
        paced_path = f"/flow/s/paced/item.mp3?rate={STREAM_RATE}"
        bridge: Service | None = None
        nginx: Nginx | None = None
        try:
            await fake_ma.start(f"{ma_base}/status/200/ready")
            bridge, startups = await time_starts(setup, args.starts)
            if pinned:
                pin(bridge.pid, 0)
            await asyncio.sleep(args.settle)
            rss_idle = rss_mib(bridge.pid)
            nginx = await start_nginx(setup, paced_path, pinned=pinned)
            target = Target(public, bridge.pid, 0 if pinned else None, cert_url, leaf, work)
            async with aiohttp.ClientSession() as client:
                urls = {
                    "bridge_fast": [
                        await relay_url(client, ma_api, target, ma_base + fast_path, FAST_DEVICE)
                    ],
                    "bridge_paced": [
                        await relay_url(client, ma_api, target, ma_base + paced_path, device)
                        for device in PACED_DEVICES
                    ],
                }
                for device in SOAK_DEVICES:  # a slot for each Echo of the load phase
                    await relay_url(client, ma_api, target, ma_base + paced_path, device)
                urls["bad"] = [  # MA answering a redirect, then an HTML page
                    await relay_url(client, ma_api, target, ma_base + path, device)
                    for path, device in zip(
                        ("/redirect/item.mp3", "/page/item.mp3"), BAD_DEVICES, strict=True
                    )
                ]
            if nginx is not None:
                urls["nginx_fast"], urls["nginx_paced"] = (
                    [nginx.url + path] for path in (fast_path, paced_path)
                )
            requests = await measure_requests(args, target)
            ratios: dict[int, list[float]] = {}
            one, relays = await measure_relays(args, target, nginx, urls, ratios)
            soaked = None
            if args.soak > 0:
                soaked = await soak(
                    target,
                    urls["bridge_paced"],
                    SOAK_DEVICES,
                    seconds=args.soak,
                    streams=args.soak_streams,
                    requests=args.soak_requests,
                )
                soaked["seconds"] = args.soak
            log_before_attack = line_count(work / "bridge.log")
            hostile = None
            if not args.no_hostile:
                hostile = await hostile_phase(
                    target,
                    cert_host,
                    work / "bridge.log",
                    public_port=ports["public"],
                    ma_port=ports["fake_ma"],
                    stalled_url=urls["bridge_paced"][0],
                    bad_urls=urls["bad"],
                )
        finally:
            if nginx is not None:
                await nginx.stop()
            if bridge is not None:
                await bridge.stop()
            await fake_ma.stop()
            await cert_host.close()
        problems = log_problems(work / "bridge.log", log_before_attack)
    figures = Figures(startups, rss_idle, requests, one, relays, args.window, soaked, problems)
    figures.ratios = ratios
    figures.extra_rows = hostile_rows(hostile) if hostile is not None else []
    rows = build_rows(figures)
    print_table(rows, describe_machine(pinned=pinned, load_before=load_before))
    print_notes(figures, args.repeat)
    return 0 if all(r[4] != "FAIL" for r in rows) else 1


def main() -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--seconds-c1", type=float, default=4.0, help="signed requests, 1 and 10 at a time")
    add("--seconds-c50", type=float, default=5.0, help="signed requests, 50 at a time")
    add("--repeat", type=int, default=3, help="runs of each request phase")
    add("--starts", type=int, default=5, help="bridge starts timed (the median is shown)")
    add("--settle", type=float, default=3.0, help="seconds after start before idle RSS")
    add("--stream-seconds", type=float, default=5.0, help="seconds of one fast stream")
    add("--window", type=float, default=10.0, help="seconds of 10/50/100 real-time streams")
    add("--soak", type=float, default=60.0, help="seconds of the load phase (0: skip it)")
    add("--soak-streams", type=int, default=100, help="real-time relays during the load phase")
    add("--soak-requests", type=int, default=1000, help="skill requests during the load phase")
    add("--no-pin", action="store_true", help="let the kernel place processes")
    add("--relay-repeat", type=int, default=3, help="interleaved rounds of each stream count")
    add("--no-hostile", action="store_true", help="skip the hostile-client phase (issue 12)")
    add("--log-level", default="info", help="the bridge's log_level option")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
