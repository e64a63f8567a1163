"""A fake `s3.amazonaws.com` that serves Alexa signing chains over real TLS."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from .pki import Issued, TestPKI
from .tls import serve, server_context, trusting_session

CERT_HOST = "s3.amazonaws.com"


class FakeCertHost:
    """Serve PEM chains at https://s3.amazonaws.com/echo.api/<name> and count fetches."""

    def __init__(self, pki: TestPKI) -> None:
        """Prepare TLS for the host name under the test root."""
        self.pki = pki
        self.files: dict[str, bytes] = {}
        self.fetches: dict[str, int] = {}
        # (host, port) -> local address, for every fixed Amazon or public name a test needs.
        self.mapping: dict[tuple[str, int], tuple[str, int]] = {}
        self.errors: dict[str, list[int]] = {}  # name -> statuses to answer first, in order
        self.delay = 0.0  # seconds each answer waits, so concurrent requests overlap
        self._tls = pki.server_leaf([CERT_HOST], ip="127.0.0.1")
        self.port = 0
        self._runner: web.AppRunner | None = None

    def publish(self, name: str, pem: bytes) -> str:
        """Serve `pem` under a name; return the SignatureCertChainUrl for it."""
        self.files[name] = pem
        return f"https://{CERT_HOST}/echo.api/{name}"

    def publish_leaf(self, name: str, leaf: Issued, *, untrusted: bool = False) -> str:
        """Serve a leaf with its chain; return its URL."""
        return self.publish(name, self.pki.chain(leaf, untrusted=untrusted))

    async def _serve(self, request: web.Request) -> web.Response:
        """Serve a published file."""
        name = request.match_info["name"]
        self.fetches[name] = self.fetches.get(name, 0) + 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.errors.get(name):
            return web.Response(status=self.errors[name].pop(0), text="InternalError")
        if name not in self.files:
            return web.Response(status=404, text="NoSuchKey")
        return web.Response(body=self.files[name], content_type="application/x-pem-file")

    async def start(self, tmp_dir: Any) -> None:
        """Listen with TLS on a free loopback port."""
        app = web.Application()
        app.router.add_get("/echo.api/{name}", self._serve)
        context = server_context(self.pki, self._tls, tmp_dir, "cert-host")
        self._runner, self.port = await serve(app, context)
        self.mapping[(CERT_HOST, 443)] = ("127.0.0.1", self.port)

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def client_session(self) -> aiohttp.ClientSession:
        """Return a session that reaches this host as s3.amazonaws.com:443 over TLS."""
        return trusting_session(self.pki, self.mapping)
