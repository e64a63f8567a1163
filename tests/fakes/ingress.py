"""A fake of Home Assistant's ingress: a path prefix, user headers, and streaming pass-through.

It also serves a stand-in for Home Assistant's frontend page around the panel: like the real
one, it carries the user's language on <html lang> and frames the panel from the same origin.
"""

from __future__ import annotations

from aiohttp import ClientSession, ClientTimeout, hdrs, web

TOKEN = "TestIngressToken_abc123"
PREFIX = f"/api/hassio_ingress/{TOKEN}"
FRONTEND_PATH = "/app/local_alexa_bridge"  # where Home Assistant 2026.2+ shows an add-on panel
USER_HEADERS = {
    "X-Remote-User-Id": "8a4d3f0c1b2e",
    "X-Remote-User-Name": "anna",
    "X-Remote-User-Display-Name": "Anna Example",
}
HOP_BY_HOP = {
    hdrs.CONNECTION,
    hdrs.TRANSFER_ENCODING,
    hdrs.CONTENT_LENGTH,
    hdrs.HOST,
    "Keep-Alive",
}


class FakeIngress:
    """Forward `<PREFIX>/x` to the panel's `/x` like the Supervisor; log every path asked."""

    def __init__(self, panel_url: str, *, compress_text: bool = False) -> None:
        """Point the proxy at the panel; `compress_text` as Home Assistant before 2026.2.

        Its ingress proxy compressed every text/* answer, server-sent events included, so
        events sat in the compressor and reached the browser only when the stream ended.
        """
        self.panel_url = panel_url
        self.compress_text = compress_text
        self.paths: list[str] = []
        self.escaped: list[str] = []
        self.frontend_language = "en"
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Return the panel's address as Home Assistant's frontend shows it."""
        return f"http://127.0.0.1:{self.port}{PREFIX}/"

    @property
    def frontend_url(self) -> str:
        """Return the frontend page that frames the panel."""
        return f"http://127.0.0.1:{self.port}{FRONTEND_PATH}"

    async def _frontend(self, _request: web.Request) -> web.Response:
        """Frame the panel the way Home Assistant's frontend does, in the user's language."""
        return web.Response(
            content_type="text/html",
            text=(
                f'<!doctype html><html lang="{self.frontend_language}"><body>'
                f'<iframe title="Alexa Bridge" src="{PREFIX}/setup"></iframe></body></html>'
            ),
        )

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        """Pass a request through, streaming the answer (server-sent events included)."""
        self.paths.append(request.path_qs)
        if not request.path.startswith(f"{PREFIX}/"):
            self.escaped.append(request.path_qs)
            return web.Response(status=404, text="outside the ingress prefix")
        assert self._session is not None
        tail = request.path_qs[len(PREFIX) :]
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        headers.update(USER_HEADERS)
        headers["X-Ingress-Path"] = PREFIX
        async with self._session.request(
            request.method,
            f"{self.panel_url}{tail}",
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status)
            for name, value in upstream.headers.items():
                if name not in HOP_BY_HOP:
                    response.headers[name] = value
            if self.compress_text and upstream.content_type.startswith("text/"):
                response.headers.pop(hdrs.CONTENT_ENCODING, None)
                response.enable_compression()
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._session = ClientSession(timeout=ClientTimeout(total=None, sock_read=None))
        app = web.Application()
        app.router.add_get(FRONTEND_PATH, self._frontend)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop the proxy."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
