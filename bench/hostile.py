"""Hostile clients against the public port of the running bridge (issue 12), loopback only.

Every step is bounded: connections are held for a fixed window, then closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
import resource
import time
from typing import Any

import aiohttp
from tests.fakes import alexa
from tests.fakes.cert_host import FakeCertHost

from .phases import Target
from .report import Row, row
from .services import rss_mib

IDLE = 4000
SLOW = 200
HOLD_SECONDS = 14.0  # longer than the head deadline (10 s): closed ones are reopened
SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: bench\r\n" + b"".join(
    b"X-Slow-%d: %s\r\n" % (n, b"a" * 8000) for n in range(7)
)
ANSWER_WITHIN = 2.0
PARTIAL_LINE_LIMIT = 60.0
STALLED = 50
OPEN_BATCH = 200


@dataclass
class Hostile:
    """What the hostile phase measured."""

    rss_before: float = 0.0
    rss_peak: float = 0.0
    rss_after: float = 0.0
    fds_before: int = 0
    fds_peak: int = 0
    fd_limit: int = 0
    held_idle: int = 0
    held_slow: int = 0
    reopened: int = 0
    health_s: list[float] = field(default_factory=list)
    launch_s: list[float] = field(default_factory=list)
    launch_status: list[int] = field(default_factory=list)
    log_lines: int = 0
    partial_closed_s: float | None = None
    replay: list[int] = field(default_factory=list)
    junk_then_genuine: int = 0
    stalled_upstreams_peak: int = 0
    stalled_cap: int = 3
    redirect_html: list[int] = field(default_factory=list)


def _lines(log: Path) -> int:
    """Return how many lines a log has."""
    return len(log.read_bytes().splitlines()) if log.exists() else 0


def _fds(pid: int) -> int:
    """Return how many file descriptors a process holds."""
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def _fd_limit(pid: int) -> int:
    """Return a process's soft file-descriptor limit."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    return 0


def _upstreams(pid: int, port: int) -> int:
    """Count a process's established TCP connections to a loopback port (the fake MA)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = fd.readlink().name
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if parts[3] == "01" and remote_port == port and parts[9] in inodes:
                count += 1
    return count


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(port: int, source: str, head: bytes = b"") -> Conn | None:
    """Open one connection from a loopback source address and send `head`."""
    try:
        conn = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    except OSError:
        return None
    if head:
        conn[1].write(head)
    return conn


def _closed(conn: Conn | None) -> bool:
    """Return whether the bridge closed a held connection (or it never opened)."""
    return conn is None or conn[0].at_eof() or conn[1].transport.is_closing()


async def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Return how long an awaitable call took and its result."""
    started = time.monotonic()
    result = await call()
    return time.monotonic() - started, result


async def _health(public: str) -> int:
    """GET /health from a new client."""
    async with aiohttp.ClientSession() as session, session.get(f"{public}/health") as resp:
        return resp.status


async def _launch(target: Target, cert_url: str | None = None) -> int:
    """POST a freshly signed LaunchRequest from a new client."""
    body, headers = alexa.sign(alexa.launch(), target.leaf, cert_url or target.cert_url)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{target.public}/alexa/skill", data=body, headers=headers) as resp,
    ):
        return resp.status


async def _hold(  # noqa: C901 - one timeline: open, hold and reopen, probe
    port: int, hostile: Hostile, pid: int, public: str, target: Target
) -> None:
    """Hold 4,000 idle and 200 slow-header connections; probe the bridge meanwhile."""
    slots: list[tuple[str, bytes, Conn | None]] = []
    wanted = [(f"127.0.{1 + n // 250}.{1 + n % 250}", b"") for n in range(IDLE)]
    wanted += [(f"127.1.{1 + n // 250}.{1 + n % 250}", SLOW_HEAD) for n in range(SLOW)]
    for first in range(0, len(wanted), OPEN_BATCH):  # batches: all open well within 10 s
        batch = wanted[first : first + OPEN_BATCH]
        conns = await asyncio.gather(*(_open(port, source, head) for source, head in batch))
        slots += [(source, head, conn) for (source, head), conn in zip(batch, conns, strict=True)]
    hostile.held_idle = sum(1 for s in slots[:IDLE] if s[2] is not None)
    hostile.held_slow = sum(1 for s in slots[IDLE:] if s[2] is not None)
    began = time.monotonic()

    async def keep_open() -> None:
        """Reopen every connection the bridge closed, and sample its RSS and fds."""
        while time.monotonic() - began < HOLD_SECONDS:
            hostile.rss_peak = max(hostile.rss_peak, rss_mib(pid))
            hostile.fds_peak = max(hostile.fds_peak, _fds(pid))
            closed = [index for index, slot in enumerate(slots) if _closed(slot[2])]
            for first in range(0, len(closed), OPEN_BATCH):
                batch = closed[first : first + OPEN_BATCH]
                for index in batch:
                    old = slots[index][2]
                    if old is not None:
                        old[1].close()
                conns = await asyncio.gather(
                    *(_open(port, slots[i][0], slots[i][1]) for i in batch)
                )
                for index, conn in zip(batch, conns, strict=True):
                    slots[index] = (slots[index][0], slots[index][1], conn)
                hostile.reopened += len(batch)
            await asyncio.sleep(0.5)

    holder = asyncio.create_task(keep_open())
    for at in (1.0, 6.0, 11.0):  # new clients while the connections are held
        await asyncio.sleep(max(0.0, began + at - time.monotonic()))
        elapsed, status = await _timed(lambda: _health(public))
        hostile.health_s.append(elapsed if status == 200 else float("inf"))
        elapsed, status = await _timed(lambda: _launch(target))
        hostile.launch_s.append(elapsed)
        hostile.launch_status.append(status)
    await holder
    for _, _, conn in slots:
        if conn is not None:
            conn[1].close()


async def _partial_line(port: int) -> float | None:
    """Send half a request line; return how long until the bridge closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /hea")
    started = time.monotonic()
    try:
        async with asyncio.timeout(PARTIAL_LINE_LIMIT + 5):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return None
    except ConnectionError:
        pass
    finally:
        writer.close()
    return time.monotonic() - started


async def _replay(target: Target) -> list[int]:
    """Send one signed request twice; return both statuses."""
    body, headers = alexa.sign(alexa.intent("AMAZON.HelpIntent"), target.leaf, target.cert_url)
    statuses = []
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.post(
                f"{target.public}/alexa/skill", data=body, headers=headers
            ) as resp:
                statuses.append(resp.status)
    return statuses


async def _stalled(url: str, pid: int, ma_port: int) -> int:
    """Open 50 GETs of one stream that never read; return the peak of MA connections."""
    port = int(url.split(":")[2].split("/", maxsplit=1)[0])
    path = "/" + url.split("/", 3)[3]
    writers = []
    peak = 0
    try:
        for _ in range(STALLED):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            writers.append(writer)
            await asyncio.sleep(0.02)
            peak = max(peak, _upstreams(pid, ma_port))
        for _ in range(10):
            await asyncio.sleep(0.2)
            peak = max(peak, _upstreams(pid, ma_port))
    finally:
        for writer in writers:
            writer.close()
    return peak


async def hostile_phase(
    target: Target,
    cert_host: FakeCertHost,
    log: Path,
    *,
    public_port: int,
    ma_port: int,
    stalled_url: str,
    bad_urls: list[str],
) -> Hostile:
    """Run every hostile check against the running bridge and return the figures."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    pid = target.bridge_pid
    hostile = Hostile(fd_limit=_fd_limit(pid))
    lines_before = _lines(log)
    hostile.rss_before = rss_mib(pid)
    hostile.fds_before = _fds(pid)
    await _hold(public_port, hostile, pid, target.public, target)
    await asyncio.sleep(5)
    hostile.rss_after = rss_mib(pid)
    hostile.log_lines = _lines(log) - lines_before
    hostile.partial_closed_s = await _partial_line(public_port)
    hostile.replay = await _replay(target)
    for index in range(12):
        await _launch(target, f"https://s3.amazonaws.com/echo.api/junk-{index}.pem")
    fresh = cert_host.publish_leaf("echo-api-cert-13.pem", target.leaf)
    hostile.junk_then_genuine = await _launch(target, fresh)
    hostile.stalled_upstreams_peak = await _stalled(stalled_url, pid, ma_port)
    async with aiohttp.ClientSession() as session:
        for url in bad_urls:
            async with session.get(url, allow_redirects=False) as resp:
                hostile.redirect_html.append(resp.status)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return hostile


def hostile_rows(h: Hostile) -> list[Row]:
    """Turn the hostile phase's figures into table rows with verdicts."""
    worst = max([*h.health_s, *h.launch_s], default=float("inf"))
    launches_ok = bool(h.launch_status) and all(s == 200 for s in h.launch_status)
    growth = h.rss_peak - h.rss_before
    back = h.rss_after - h.rss_before
    return [
        row(
            f"hostile: {h.held_idle} idle + {h.held_slow} slow-header connections held "
            f"{HOLD_SECONDS:.0f} s ({h.reopened} reopened after the bridge closed them): "
            "/health and a signed Launch from a new client, 3 times",
            f"/health {', '.join(f'{s:.3f}' for s in h.health_s)} s; "
            f"Launch {', '.join(f'{s:.3f}' for s in h.launch_s)} s {h.launch_status}",
            None,
            f"< {ANSWER_WITHIN:.0f} s, 200",
            worst < ANSWER_WITHIN and launches_ok,
        ),
        row(
            "hostile: bridge RSS before / peak / 5 s after",
            f"{h.rss_before:.1f} / {h.rss_peak:.1f} / {h.rss_after:.1f} MiB (+{growth:.1f})",
            None,
            "growth < 100 MiB, then near baseline",
            growth < 100 and back < max(0.5 * growth, 10),
        ),
        row(
            "hostile: bridge file descriptors before / peak / limit",
            f"{h.fds_before} / {h.fds_peak} / {h.fd_limit}",
            None,
            "never exhausted",
            h.fds_peak < h.fd_limit,
        ),
        row(
            "hostile: bridge log lines during the attack",
            str(h.log_lines),
            None,
            "bounded (< 50)",
            h.log_lines < 50,
        ),
        row(
            "hostile: half a request line, closed after",
            "not closed" if h.partial_closed_s is None else f"{h.partial_closed_s:.1f} s",
            None,
            f"< {PARTIAL_LINE_LIMIT:.0f} s",
            h.partial_closed_s is not None and h.partial_closed_s < PARTIAL_LINE_LIMIT,
        ),
        row(
            "hostile: one signed request sent twice",
            " then ".join(str(s) for s in h.replay),
            None,
            "200 then 400",
            h.replay == [200, 400],
        ),
        row(
            "hostile: 12 junk certificate URLs, then a genuine request with a new chain URL",
            str(h.junk_then_genuine),
            None,
            "200",
            h.junk_then_genuine == 200,
        ),
        row(
            f"hostile: {STALLED} stalled clients on one stream token: peak MA connections",
            str(h.stalled_upstreams_peak),
            None,
            f"<= {h.stalled_cap} (the cap)",
            0 < h.stalled_upstreams_peak <= h.stalled_cap,
        ),
        row(
            "hostile: MA answering a redirect, then an HTML page",
            ", ".join(str(s) for s in h.redirect_html),
            None,
            "502, 502",
            h.redirect_html == [502, 502],
        ),
    ]
