"""Start and stop the three listeners: MA API, public, ingress panel."""

from __future__ import annotations

from dataclasses import dataclass
import errno
import logging
import socket
import ssl
from typing import Any

from aiohttp import web

from ..api import build_ma_app, build_panel_app, build_public_app
from ..config.logs import PathOnlyAccessLogger
from ..const import (
    ENV_PREFIX,
    LOOPBACK_HOSTS,
    OPT_MA_API_PORT,
    OPT_PANEL_PORT,
    OPT_PUBLIC_PORT,
    SHUTDOWN_TIMEOUT,
)
from ..core import BridgeCore
from ..exceptions import ListenerError
from . import limits
from .limits import ConnectionGuard, GuardedAppRunner, connection_cap, raise_fd_limit
from .tls import RELOAD_INTERVAL, HandshakeDeadlineSite, ReloadingCertificate

_LOGGER = logging.getLogger(__name__)

ALL_INTERFACES_V4 = "0.0.0.0"  # noqa: S104 - the public and ingress ports serve the LAN
# Which option moves each listener, and what the listener is for (start-up messages).
PORT_OPTIONS = {
    "ma": (OPT_MA_API_PORT, "Music Assistant API"),
    "public": (OPT_PUBLIC_PORT, "public skill endpoint"),
    "panel": (OPT_PANEL_PORT, "panel"),
}


def port_in_use_message(name: str, port: int) -> str:
    """Say which option (and environment variable) moves a listener off a taken port."""
    option, purpose = PORT_OPTIONS[name]
    return (
        f"Port {port} ({purpose}) is already in use: choose a free port with the option "
        f"{option} or the environment variable {ENV_PREFIX}{option.upper()}"
    )


@dataclass(slots=True)
class Listener:
    """One running application with the sockets it is bound to."""

    name: str
    runner: web.AppRunner
    port: int


def _ipv6_available() -> bool:
    """Return whether this host can bind IPv6 sockets."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


class Listeners:
    """Own the three aiohttp runners; stop them all on close."""

    def __init__(self, core: BridgeCore, *, tls_reload_interval: float = RELOAD_INTERVAL) -> None:
        """Keep the core, and how often to look for a renewed TLS certificate."""
        self._core = core
        self._tls_reload_interval = tls_reload_interval
        self._listeners: dict[str, Listener] = {}

    def port(self, name: str) -> int:
        """Return the port a listener is bound to ("ma", "public", "panel")."""
        return self._listeners[name].port

    async def start(self) -> None:
        """Bind every listener; a taken port stops start-up with a clear message."""
        options = self._core.options
        ma_hosts = [host for host in options.ma_api_hosts if host != "::1" or _ipv6_available()]
        panel_hosts = [ALL_INTERFACES_V4] if self._core.supervised else [LOOPBACK_HOSTS[0]]
        tls = None
        if options.ssl:
            tls = ReloadingCertificate(*options.cert_paths, interval=self._tls_reload_interval)
            self._core.create_task(tls.watch(), name="tls-reload")
        guard = ConnectionGuard(connection_cap(raise_fd_limit()))
        try:
            await self._start("ma", build_ma_app(self._core), ma_hosts, options.ma_api_port)
            await self._start(
                "public",
                build_public_app(self._core),
                [ALL_INTERFACES_V4],
                options.public_port,
                ssl_context=tls.context if tls else None,
                guard=guard,
            )
            # On Home Assistant the Supervisor chooses the ingress port; else the option's.
            panel_port = await self._core.discovery.ingress_port() or options.panel_port
            await self._start("panel", build_panel_app(self._core), panel_hosts, panel_port)
        except ListenerError:
            await self.close()
            raise
        except OSError as err:
            await self.close()
            raise ListenerError(f"Cannot open a listener: {err.strerror}") from None

    async def _start(
        self,
        name: str,
        app: web.Application,
        hosts: list[str],
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        guard: ConnectionGuard | None = None,
    ) -> None:
        """Start one runner on its hosts; port 0 picks one free port for all."""
        debug = logging.getLogger("aiohttp.access").isEnabledFor(logging.DEBUG)
        settings: dict[str, Any] = {
            "access_log": logging.getLogger("aiohttp.access") if debug else None,
            "access_log_class": PathOnlyAccessLogger,
            "shutdown_timeout": SHUTDOWN_TIMEOUT / 2,
            "handler_cancellation": True,
        }
        runner = (
            web.AppRunner(app, **settings)
            if guard is None
            else GuardedAppRunner(app, guard, **settings)
        )
        await runner.setup()
        self._listeners[name] = Listener(name, runner, port)
        for host in hosts:
            site = (
                web.TCPSite(runner, host, port, reuse_address=True)
                if ssl_context is None
                else HandshakeDeadlineSite(
                    runner,
                    host,
                    port,
                    ssl_context=ssl_context,
                    handshake_timeout=limits.HEAD_TIMEOUT,  # a TLS head has the same time
                )
            )
            try:
                await site.start()
            except OSError as err:
                if err.errno != errno.EADDRINUSE:
                    raise
                raise ListenerError(port_in_use_message(name, port)) from None
            if port == 0:
                port = int(runner.addresses[-1][1])
        self._listeners[name].port = port
        self._core.bound_ports[name] = port
        scheme = "HTTPS" if ssl_context else "HTTP"
        _LOGGER.info("Listening for %s on %s port %d (%s)", name, ", ".join(hosts), port, scheme)

    async def close(self) -> None:
        """Stop every listener, ending open relays."""
        for listener in reversed(self._listeners.values()):
            await listener.runner.cleanup()
        self._listeners.clear()
