"""TLS for the public listener from Home Assistant's /ssl, reloaded when the files change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
from pathlib import Path
import ssl
import tempfile

from aiohttp import web

from ..exceptions import ListenerError

_LOGGER = logging.getLogger(__name__)

# How often the certificate files are checked for a renewal (two stat calls each time).
RELOAD_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class _Stamp:
    """What identifies one version of the certificate and key files."""

    cert: tuple[float, int]
    key: tuple[float, int]


def _stamp(cert: Path, key: Path) -> _Stamp:
    """Return the files' modification times and sizes."""
    cert_stat, key_stat = cert.stat(), key.stat()
    return _Stamp((cert_stat.st_mtime, cert_stat.st_size), (key_stat.st_mtime, key_stat.st_size))


class ReloadingCertificate:
    """One server SSLContext whose certificate is replaced in place after a renewal."""

    def __init__(self, cert: Path, key: Path, *, interval: float = RELOAD_INTERVAL) -> None:
        """Load the pair now; a missing file or a mismatched pair stops start-up clearly."""
        self._cert = cert
        self._key = key
        self._interval = interval
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            self._stamp = _stamp(cert, key)
            self.context.load_cert_chain(cert, key)
        except FileNotFoundError as err:
            raise ListenerError(
                f"TLS is on (option ssl) but {err.filename} does not exist; put the "
                "certificate and key in /ssl or correct the certfile and keyfile options"
            ) from None
        except ssl.SSLError as err:
            raise ListenerError(
                f"TLS is on (option ssl) but {cert.name} and {key.name} cannot be used "
                f"together ({err.reason or err}); check that the key belongs to the certificate"
            ) from None

    async def watch(self) -> None:
        """Reload the pair whenever the files change; keep the old one if the new is broken."""
        while True:
            await asyncio.sleep(self._interval)
            loop = asyncio.get_running_loop()
            try:
                stamp = await loop.run_in_executor(None, _stamp, self._cert, self._key)
            except OSError as err:
                _LOGGER.warning("Cannot read the TLS certificate files: %s", err)
                continue
            if stamp == self._stamp:
                continue
            try:
                await loop.run_in_executor(None, self._reload)
            except (OSError, ssl.SSLError) as err:
                # A renewal may write the certificate before the key: try again shortly.
                _LOGGER.warning("New TLS certificate not usable yet (%s); keeping the old one", err)
                continue
            self._stamp = stamp
            _LOGGER.info("Loaded the renewed TLS certificate %s", self._cert.name)

    def _reload(self) -> None:
        """Load a snapshot of the files into the live context, only if the pair is valid.

        A failed load_cert_chain leaves a context half-changed (new certificate, old key),
        so the snapshot is checked on a scratch context first; both loads read the same
        private copy, which a renewal in progress cannot change in between.
        """
        with tempfile.TemporaryDirectory(prefix="alexa-bridge-tls-") as folder:
            cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert.write_bytes(self._cert.read_bytes())
            key.touch(mode=0o600)
            key.write_bytes(self._key.read_bytes())
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
            self.context.load_cert_chain(cert, key)


class HandshakeDeadlineSite(web.TCPSite):
    """A TLS site whose handshakes must end within a deadline; asyncio's default is 60 s.

    A connection that never finishes its handshake is not yet the guard's to see, so
    without this it could hold a file descriptor for a minute.
    """

    __slots__ = ("_handshake_timeout",)

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext,
        handshake_timeout: float,
        reuse_address: bool = True,
    ) -> None:
        """Keep TCPSite's settings and the deadline."""
        super().__init__(runner, host, port, ssl_context=ssl_context, reuse_address=reuse_address)
        self._handshake_timeout = handshake_timeout

    async def start(self) -> None:
        """Listen as TCPSite does, with the handshake deadline."""
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        if server is None:
            raise RuntimeError("the runner is not set up")
        self._server = await asyncio.get_running_loop().create_server(
            server,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            ssl_handshake_timeout=self._handshake_timeout,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
