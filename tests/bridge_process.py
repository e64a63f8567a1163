"""Run the real program (`python -m alexa_bridge`) for tests and wait until it says it is ready."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import os
from pathlib import Path
import re
import sys

import pytest

READY = "is ready"
PORT_LINE = re.compile(r"Listening for (\w+) on .* port (\d+)")


@dataclass
class BridgeProcess:
    """A running bridge process and what it has logged so far."""

    proc: asyncio.subprocess.Process
    ports: dict[str, int]
    log: list[str]

    def url(self, listener: str) -> str:
        """Return the base URL of a listener."""
        return f"http://127.0.0.1:{self.ports[listener]}"

    async def read_rest(self) -> str:
        """Wait for exit and return the whole log."""
        assert self.proc.stderr is not None
        rest = await self.proc.stderr.read()
        return "".join(self.log) + rest.decode()


def process_env(**extra: str) -> dict[str, str]:
    """Return an environment without Supervisor variables, ports chosen by the kernel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEXA_BRIDGE_", "SUPERVISOR"))}
    env.update(
        ALEXA_BRIDGE_MA_API_PORT="0", ALEXA_BRIDGE_PUBLIC_PORT="0", ALEXA_BRIDGE_PANEL_PORT="0"
    )
    env.update(extra)
    return env


async def spawn(data_dir: Path, **env: str) -> asyncio.subprocess.Process:
    """Start `python -m alexa_bridge` with its log on a pipe."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alexa_bridge",
        "--data-dir",
        str(data_dir),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=process_env(**env),
    )


async def run_to_exit(data_dir: Path, **env: str) -> tuple[int | None, str]:
    """Run the bridge until it exits by itself; return its exit code and log."""
    proc = await spawn(data_dir, **env)
    _, stderr = await asyncio.wait_for(proc.communicate(), 15)
    return proc.returncode, stderr.decode()


async def wait_until_ready(proc: asyncio.subprocess.Process, seconds: float = 15) -> BridgeProcess:
    """Read a started bridge's log until it says it is ready; note the ports it bound."""
    assert proc.stderr is not None
    ports: dict[str, int] = {}
    log: list[str] = []
    async with asyncio.timeout(seconds):
        while True:
            line = (await proc.stderr.readline()).decode()
            if not line:
                pytest.fail("bridge exited before it was ready:\n" + "".join(log))
            log.append(line)
            if match := PORT_LINE.search(line):
                ports[match.group(1)] = int(match.group(2))
            if READY in line:
                return BridgeProcess(proc, ports, log)


async def start_process(data_dir: Path, **env: str) -> BridgeProcess:
    """Start `python -m alexa_bridge` and wait until it says it is ready."""
    return await wait_until_ready(await spawn(data_dir, **env))
