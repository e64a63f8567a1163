"""Load clients run in their own process: signed requests (when wrk is missing) and streams."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from pathlib import Path
import statistics
import sys
import time
from typing import Any

import aiohttp

READ_SIZE = 1024 * 1024


def read_bodies(path: Path) -> list[tuple[str, bytes]]:
    """Read (signature, body) pairs: a signature line, then a body line."""
    lines = path.read_bytes().splitlines()
    return [(lines[i].decode(), lines[i + 1]) for i in range(0, len(lines) - 1, 2)]


async def skill_load(
    url: str, bodies: Path, cert_url: str, seconds: float, concurrency: int
) -> dict[str, Any]:
    """POST pre-signed requests with `concurrency` workers for a while; return wrk's figures."""
    pairs = read_bodies(bodies)
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            """Send each body once (replays are refused) until they or the time run out."""
            nonlocal errors
            for index in counter:
                if time.perf_counter() >= deadline or index >= len(pairs):
                    return
                signature, body = pairs[index]
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "SignatureCertChainUrl": cert_url,
                    "Signature-256": signature,
                }
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    errors += resp.status != 200
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        deadline = began + seconds
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        duration = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "duration_s": duration,
        "status_errors": errors,
        "socket_errors": 0,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(latencies) * 1000,
    }


async def stream_load(urls: list[str], count: int, seconds: float) -> dict[str, Any]:
    """Open `count` streams over the URLs in turn, say "connected", read all for `seconds`."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        responses = await asyncio.gather(
            *(session.get(urls[index % len(urls)]) for index in range(count))
        )
        statuses = [resp.status for resp in responses]
        print("connected", flush=True)
        received = [0] * count

        async def reader(index: int, resp: aiohttp.ClientResponse) -> None:
            """Read one stream as fast as it comes until the deadline."""
            while time.perf_counter() < deadline:
                chunk = await resp.content.readany()
                if not chunk:
                    return
                received[index] += len(chunk)

        began = time.perf_counter()
        deadline = began + seconds
        await asyncio.gather(*(reader(i, resp) for i, resp in enumerate(responses)))
        duration = time.perf_counter() - began
        for resp in responses:
            resp.close()
    return {"statuses": statuses, "bytes": received, "duration_s": duration}


def main() -> int:
    """Run one kind of load and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="bench.load")
    sub = parser.add_subparsers(dest="kind", required=True)
    skill = sub.add_parser("skill")
    skill.add_argument("--url", required=True)
    skill.add_argument("--bodies", type=Path, required=True)
    skill.add_argument("--cert-url", required=True)
    skill.add_argument("--seconds", type=float, required=True)
    skill.add_argument("--concurrency", type=int, required=True)
    streams = sub.add_parser("streams")
    streams.add_argument("--url", required=True, action="append", help="one or more")
    streams.add_argument("--count", type=int, required=True)
    streams.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    if args.kind == "skill":
        result = asyncio.run(
            skill_load(args.url, args.bodies, args.cert_url, args.seconds, args.concurrency)
        )
    else:
        result = asyncio.run(stream_load(args.url, args.count, args.seconds))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
