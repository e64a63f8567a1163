"""Connection limits for the internet-facing listener: deadlines, caps, bounded logs."""

from __future__ import annotations

import asyncio
from collections import Counter
import ctypes
from dataclasses import dataclass
import gc
import logging
import resource
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

_LOGGER = logging.getLogger(__name__)

HEAD_TIMEOUT = 10.0  # a new connection has this long to send a complete request head
KEEPALIVE_TIMEOUT = 15.0  # an idle keep-alive connection (or a slow next head) is closed after
BODY_TIMEOUT = 10.0  # a request body has this long to arrive (handlers that read bodies)
MAX_HEADERS = 32
MAX_FIELD_SIZE = 8 * 1024
MAX_HEAD_BYTES = 64 * 1024  # all of a first request head together
# Connections from one address that are not serving a request (idle or still sending
# their head). A home behind NAT, or Home Assistant forwarding every request from one
# address, holds a few such at a time; active requests (streams, skill requests) never count.
MAX_WAITING_PER_PEER = 64
PEER_GRACE = 2.0  # a connection this young is still sending its head: never counted as idle
MAX_CONNECTIONS = 8192
FDS_PER_CONNECTION = 2  # a relayed stream holds the Echo's socket and Music Assistant's
RESERVED_FDS = 256  # data files, the MA websocket, certificate downloads, other listeners
WANTED_FDS = 65536
LOG_INTERVAL = 60.0
# After this many connections closed, collect the cycles aiohttp's connection objects
# form and give the freed memory back, so RSS returns near its baseline after a flood.
RELIEF_EVERY = 1024
RELIEF_DELAY = 2.0


def raise_fd_limit() -> int:
    """Raise the soft file-descriptor limit towards the hard one; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED_FDS if hard == resource.RLIM_INFINITY else min(hard, WANTED_FDS)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            _LOGGER.debug("Could not raise the file-descriptor limit above %d", soft)
        else:
            soft = wanted
    return WANTED_FDS if soft == resource.RLIM_INFINITY else soft


def connection_cap(fd_limit: int) -> int:
    """Return how many public connections fit below the file-descriptor limit."""
    return max(16, min(MAX_CONNECTIONS, (fd_limit - RESERVED_FDS) // FDS_PER_CONNECTION))


class RateLimitedLog:
    """Count events and log them in one line at most once per interval."""

    def __init__(self, logger: logging.Logger, interval: float = LOG_INTERVAL) -> None:
        """Keep the logger; nothing is counted yet."""
        self._logger = logger
        self._interval = interval
        self._counts: Counter[str] = Counter()
        self._last = -interval
        self._flush: asyncio.TimerHandle | None = None

    def note(self, event: str) -> None:
        """Count one event; log the counts now, or at the end of the interval."""
        self._counts[event] += 1
        loop = asyncio.get_running_loop()
        wait = self._last + self._interval - loop.time()
        if wait <= 0:
            self._log()
        elif self._flush is None:
            self._flush = loop.call_later(wait, self._log)

    def _log(self) -> None:
        """Log the counted events in one line."""
        self._flush = None
        if self._counts:
            summary = ", ".join(f"{count} {name}" for name, count in sorted(self._counts.items()))
            self._logger.warning("Public listener protected itself: %s", summary)
            self._counts.clear()
            self._last = asyncio.get_running_loop().time()


@dataclass(slots=True)
class _Peer:
    """The connections of one address, oldest first."""

    connections: dict[GuardedRequestHandler, None]


class ConnectionGuard:
    """Keep the public listener's connections under a global and a per-address cap.

    At a cap the oldest connection that serves no request is closed, so a new client
    (an Echo, Alexa's cloud) always gets in; only when every connection is busy is the
    new one refused.
    """

    def __init__(
        self, max_connections: int, max_waiting_per_peer: int = MAX_WAITING_PER_PEER
    ) -> None:
        """Start with no connection."""
        self.max_connections = max_connections
        self._max_waiting_per_peer = max_waiting_per_peer
        self._all: dict[GuardedRequestHandler, str] = {}
        self._peers: dict[str, _Peer] = {}
        self.events = RateLimitedLog(_LOGGER)
        self._released = 0
        self._relief: asyncio.TimerHandle | None = None

    @property
    def count(self) -> int:
        """Return how many connections are open."""
        return len(self._all)

    def admit(self, handler: GuardedRequestHandler, peer: str) -> bool:
        """Register a new connection, closing idle ones over a cap; False to refuse it."""
        entry = self._peers.setdefault(peer, _Peer({}))
        settled = handler.opened_at - PEER_GRACE
        waiting = [c for c in entry.connections if c.idle and c.opened_at <= settled]
        if len(waiting) >= self._max_waiting_per_peer:
            self.events.note("idle connections closed over the per-address cap")
            waiting[0].close_idle()
        if len(self._all) >= self.max_connections:
            oldest = next((conn for conn in self._all if conn.idle), None)
            if oldest is None:
                self.events.note("connections refused over the cap")
                if not entry.connections:
                    del self._peers[peer]
                return False
            self.events.note("idle connections closed over the cap")
            oldest.close_idle()
        self._all[handler] = peer
        entry.connections[handler] = None
        return True

    def release(self, handler: GuardedRequestHandler) -> None:
        """Forget a closed connection."""
        peer = self._all.pop(handler, None)
        if peer is None:
            return
        self._released += 1
        if self._released >= RELIEF_EVERY and self._relief is None:
            self._released = 0
            loop = asyncio.get_running_loop()
            self._relief = loop.call_later(RELIEF_DELAY, self._relieve)
        entry = self._peers.get(peer)
        if entry is not None:
            entry.connections.pop(handler, None)
            if not entry.connections:
                del self._peers[peer]

    def _relieve(self) -> None:
        """Collect garbage and return free heap to the system (glibc), once the flood ebbs."""
        self._relief = None
        gc.collect()
        _trim_heap()


def _trim_heap() -> None:
    """Ask glibc's malloc to return free memory to the system (musl has no such call)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


class GuardedRequestHandler(RequestHandler):
    """aiohttp's connection protocol with a deadline and a size cap for the first head."""

    def __init__(self, manager: GuardedServer, guard: ConnectionGuard, **kwargs: Any) -> None:
        """Set up aiohttp's handler; the head timer starts with the connection."""
        super().__init__(manager, **kwargs)
        self._guard = guard
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self.opened_at = self._loop.time()

    @property
    def idle(self) -> bool:
        """Return whether the connection serves no request and is not closing already."""
        return not (self._request_in_progress or self._messages or self._force_close)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the head deadline, then let aiohttp serve."""
        self._head_timer = self._loop.call_later(HEAD_TIMEOUT, self._head_timeout)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        """Parse as aiohttp does; stop the deadline once the first head is complete."""
        super().data_received(data)
        if self._head_timer is None:
            return
        if self._request_count:
            self._head_timer.cancel()
            self._head_timer = None
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._guard.events.note("connections closed for an oversized request head")
            self.close_idle()

    def connection_lost(self, exc: BaseException | None) -> None:
        """Stop the deadline and let aiohttp clean up."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _head_timeout(self) -> None:
        """Close a connection that has not sent a complete request head in time."""
        self._head_timer = None
        if not self._request_count:
            self._guard.events.note("connections closed without a request head in time")
            self.close_idle()

    def close_idle(self) -> None:
        """Close the connection at once (it serves no request)."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self.force_close()


class GuardedServer(web.Server):
    """aiohttp's server (protocol factory) that admits connections through the guard."""

    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        """Keep the guard for every connection."""
        super().__init__(*args, **kwargs)
        self.guard = guard

    def __call__(self) -> GuardedRequestHandler:
        """Create the protocol for one accepted connection."""
        return GuardedRequestHandler(self, self.guard, loop=self._loop, **self._kwargs)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        """Admit the connection, or close it at once when every slot is busy."""
        super().connection_made(handler, transport)
        if not isinstance(handler, GuardedRequestHandler):
            return
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else "local"
        if not self.guard.admit(handler, address):
            transport.abort()

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        """Release the connection's slot."""
        if isinstance(handler, GuardedRequestHandler):
            self.guard.release(handler)
        super().connection_lost(handler, exc)


class GuardedAppRunner(web.AppRunner):
    """An AppRunner whose server enforces the public listener's limits."""

    def __init__(self, app: web.Application, guard: ConnectionGuard, **kwargs: Any) -> None:
        """Apply the header limits and short keep-alive to every connection."""
        super().__init__(
            app,
            keepalive_timeout=KEEPALIVE_TIMEOUT,
            max_headers=MAX_HEADERS,
            max_field_size=MAX_FIELD_SIZE,
            max_line_size=MAX_FIELD_SIZE,
            auto_decompress=False,  # nothing on the public port accepts an encoded body
            **kwargs,
        )
        self._guard = guard

    async def _make_server(self) -> web.Server:
        """Build aiohttp's server for the app, then the guarded one with its handlers."""
        base = await super()._make_server()
        return GuardedServer(
            base.request_handler,
            request_factory=base.request_factory,
            loop=asyncio.get_running_loop(),
            guard=self._guard,
            **self._kwargs,
        )
