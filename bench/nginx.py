"""Debian's nginx as a plain reverse proxy of the fake MA: the relay's yardstick."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
import signal
import subprocess
import time

import aiohttp

from .services import READY_TIMEOUT, STOP_TIMEOUT

# A plain proxy_pass as one would write it for a live audio stream: `proxy_buffering off`
# passes each read on at once (as the bridge does) instead of collecting it in buffers;
# everything else is nginx's default (HTTP/1.0 to the upstream, one worker).
CONFIG = """\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_buffering off;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """Return the nginx executable, or None when it is not installed."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def nginx_version() -> str:
    """Return nginx's version string ("nginx/1.22.1"), or "not installed"."""
    binary = nginx_binary()
    if binary is None:
        return "not installed"
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().rpartition(": ")[2] or "unknown"


class Nginx:
    """One nginx master and its worker, in the foreground, on a loopback port."""

    def __init__(self, work: Path, port: int, upstream_port: int) -> None:
        """Write the configuration into its own directory."""
        self.work = work / "nginx"
        self.work.mkdir(exist_ok=True)
        self.port = port
        self.config = self.work / "nginx.conf"
        self.config.write_text(CONFIG.format(work=self.work, port=port, upstream=upstream_port))
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Return the proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pids(self) -> tuple[int, ...]:
        """Return the master's and its workers' process ids."""
        if self.process is None:
            raise RuntimeError("nginx is not running")
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return (master, *(int(child) for child in children))

    async def start(self, ready_path: str) -> None:
        """Start nginx and wait until it proxies `ready_path`."""
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        self.process = await asyncio.create_subprocess_exec(
            *(binary, "-e", str(self.work / "error.log")),
            *("-p", str(self.work), "-c", str(self.config)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline and self.process.returncode is None:
                try:
                    async with session.get(self.url + ready_path) as resp:
                        if resp.status == 200 and len(self.pids) > 1:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        await self.stop()
        log = self.work / "error.log"
        raise RuntimeError(f"nginx did not start:\n{log.read_text() if log.exists() else ''}")

    async def stop(self) -> None:
        """Ask nginx to stop at once (SIGTERM); kill it if it does not."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
