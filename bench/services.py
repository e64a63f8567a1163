"""Processes the benchmark runs (bridge, fake MA, load) and what /proc says about them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
import os
from pathlib import Path
import signal
import socket
import sys
import time

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 6.0
SCHEDSTAT = Path("/proc/self/schedstat").exists()
POLL_INTERVAL = 0.01


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _task_cpu_ns(pid: int) -> int:
    """Return the CPU time of a process's live threads in ns, from /proc/<pid>/task/*/schedstat."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended between listing and reading
    return total


def cpu_seconds(*pids: int) -> float:
    """Return the CPU time used by processes, in seconds.

    /proc/<pid>/task/*/schedstat counts in nanoseconds; /proc/<pid>/stat (utime + stime)
    counts in clock ticks (10 ms), too coarse for a proxy that uses a few ms per second.
    """
    if SCHEDSTAT:
        return sum(_task_cpu_ns(pid) for pid in pids) / 1e9
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLOCK_TICKS


def rss_mib(*pids: int) -> float:
    """Return the resident set size of processes (summed) in MiB from /proc/<pid>/status."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def core_busy_seconds(core: int) -> float:
    """Return the time one CPU has spent busy (not idle or waiting on I/O), from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name == f"cpu{core}":
            values = [int(tick) for tick in ticks]
            return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS
    return 0.0


@dataclass
class CpuWindow:
    """CPU use of some processes, and of their core by everything else, over a window."""

    pids: Sequence[int]
    core: int | None = 0
    cpu: float = 0.0
    busy: float = 0.0
    wall: float = 0.0
    others: float = 0.0

    def start(self) -> None:
        """Take the first sample."""
        self.cpu, self.wall = cpu_seconds(*self.pids), time.monotonic()
        if self.core is not None:
            self.busy = core_busy_seconds(self.core)

    def stop(self) -> float:
        """Return the processes' share of one core since `start()`; keep the others' share."""
        wall = time.monotonic() - self.wall
        used = cpu_seconds(*self.pids) - self.cpu
        if self.core is None:
            self.others = float("nan")  # not pinned: no one core to account for
        else:
            self.others = max(core_busy_seconds(self.core) - self.busy - used, 0.0) / wall
        return used / wall


def pin(pid: int, cpu: int) -> bool:
    """Pin a process to one CPU when the machine has more than one; say whether it did."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(pid, {cpu})
    return True


def unpin(pid: int) -> None:
    """Let a process (and this one, so its next children) run on every CPU again."""
    if hasattr(os, "sched_setaffinity"):
        every = set(range(os.cpu_count() or 1))
        os.sched_setaffinity(pid, every)
        os.sched_setaffinity(0, every)


class Service:
    """A child process of this interpreter (`python -m ...`) with its output in a log file."""

    def __init__(self, name: str, args: Sequence[str], log_dir: Path, env: dict[str, str]) -> None:
        """Remember how to start it."""
        self.name = name
        self.args = list(args)
        self.log = log_dir / f"{name}.log"
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        """Return the process id."""
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    async def start(self, *ready_urls: str) -> float:
        """Start the process; return the seconds until every URL in `ready_urls` answers 200."""
        began = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.args,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # A pipe, as under the Supervisor: a log file would let disk stalls reach the bridge.
        self._drain = asyncio.get_running_loop().create_task(self._drain_output())
        waiting = set(ready_urls)
        deadline = began + READY_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline and self.process.returncode is None:
                for url in sorted(waiting):
                    try:
                        async with session.get(url) as resp:
                            if resp.status == HTTPStatus.OK:
                                waiting.discard(url)
                    except aiohttp.ClientError:
                        pass
                if not waiting:
                    return time.perf_counter() - began
                await asyncio.sleep(POLL_INTERVAL)
        await self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()}")

    async def _drain_output(self) -> None:
        """Copy the process's output into its log file until it exits."""
        if self.process is None or self.process.stdout is None:
            return
        with self.log.open("wb") as log:
            while line := await self.process.stdout.readline():
                log.write(line)
                log.flush()  # the hostile phase counts the lines while the bridge runs

    async def stop(self) -> None:
        """Send SIGTERM and wait; kill it if it does not stop in time."""
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._drain is not None:
            await self._drain
