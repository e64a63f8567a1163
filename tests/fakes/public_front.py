"""A TLS reverse proxy in front of the bridge's public port, like a user's NGINX or tunnel."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession, web

from .pki import TestPKI
from .tls import serve, server_context

PUBLIC_HOST = "bridge.example.com"
HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "host", "keep-alive"}


class PublicFront:
    """Terminate TLS for bridge.example.com and forward to the bridge's public listener."""

    def __init__(self, pki: TestPKI, backend: str) -> None:
        """Issue the front's certificate from the test CA."""
        self._tls = pki.server_leaf([PUBLIC_HOST])
        self._pki = pki
        self.backend = backend
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.Response:
        """Forward one request (GET, or POST with its headers and body) and return the answer."""
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self._session.request(
            request.method,
            f"{self.backend}{request.path_qs}",
            headers=headers,
            data=await request.read() if request.method == "POST" else None,
            allow_redirects=False,
        ) as upstream:
            location = upstream.headers.get("Location")
            return web.Response(
                status=upstream.status,
                body=await upstream.read(),
                content_type=upstream.content_type,
                headers={"Location": location} if location else None,
            )

    async def start(self, tmp_dir: Path) -> None:
        """Listen with TLS on a free loopback port."""
        context = server_context(self._pki, self._tls, tmp_dir, "front")
        self._session = ClientSession()
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._forward)
        app.router.add_post("/{tail:.*}", self._forward)
        self._runner, self.port = await serve(app, context)

    async def close(self) -> None:
        """Stop the proxy."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
