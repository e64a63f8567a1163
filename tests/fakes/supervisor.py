"""A fake Home Assistant Supervisor: the add-on routes, envelopes and token checks it really has.

Run it alone (`python -m tests.fakes.supervisor --record FILE`) for the container smoke test: it
prints its port, then appends every accepted discovery message to FILE as a JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import json
from pathlib import Path
import secrets
import signal
import socket
import sys
from typing import Any

from aiohttp import web

TOKEN = "fake-supervisor-token"
SLUG = "local_alexa_bridge"
INGRESS_TOKEN = "fakeIngressToken0123456789"
FORBIDDEN_SERVICE = "Add-ons must list services they provide via discovery in their config!"


def ok(data: dict[str, Any] | None = None) -> web.Response:
    """Answer in the Supervisor's success envelope."""
    return web.json_response({"result": "ok", "data": data or {}})


def error(status: int, message: str) -> web.Response:
    """Answer in the Supervisor's error envelope."""
    return web.json_response({"result": "error", "message": message}, status=status)


# The Supervisor's range for ingress ports it picks (supervisor/ingress.py, get_dynamic_port):
# above Linux's ephemeral ports, so no outgoing connection holds one.
DYNAMIC_PORTS = (62000, 65500)


def free_port() -> int:
    """Pick a free port from the Supervisor's dynamic range, as it does for `ingress_port: 0`."""
    while True:
        port = secrets.choice(range(DYNAMIC_PORTS[0], DYNAMIC_PORTS[1] + 1))
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))  # the bridge binds all addresses
            except OSError:
                continue
            return port


@dataclass
class Message:
    """One stored discovery message."""

    service: str
    config: dict[str, Any]
    uuid: str = field(default_factory=lambda: secrets.token_hex(16))


class FakeSupervisor:
    """Serve `/addons/self/info` and `/discovery` for one add-on token."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        discovery: tuple[str, ...] = ("alexa_bridge",),
        record: Path | None = None,
        ingress_port: int = 0,
    ) -> None:
        """Set the token, the services the config lists and the ingress port (0: a free one)."""
        self.token = token
        # With `ingress_port: 0` in config.yaml the Supervisor picks a free port per add-on.
        self.ingress_port = ingress_port or free_port()
        self.discovery = discovery
        self.record = record
        self.messages: dict[str, Message] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_status: int | None = None
        self.delay = 0.0
        self.arrived = asyncio.Event()
        self.posted = asyncio.Event()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the base URL to put in SUPERVISOR_API."""
        return f"http://127.0.0.1:{self.port}"

    def addon_info(self) -> dict[str, Any]:
        """Return this add-on's info as a host-network add-on with ingress has it."""
        return {
            "name": "Alexa Bridge",
            "slug": SLUG,
            "hostname": SLUG.replace("_", "-"),
            "ip_address": "172.30.32.1",
            "ingress": True,
            "ingress_entry": f"/api/hassio_ingress/{INGRESS_TOKEN}",
            "ingress_url": f"/api/hassio_ingress/{INGRESS_TOKEN}/",
            "ingress_port": self.ingress_port,
            "host_network": True,
            "discovery": list(self.discovery),
            "options": {},
        }

    @web.middleware
    async def _security(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Check the token as the Supervisor does: none is 401, an unknown one 403."""
        self.requests.append((request.method, request.path))
        if request.path == "/discovery":
            self.arrived.set()
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if not token:
            raise web.HTTPUnauthorized
        if token != self.token:
            raise web.HTTPForbidden
        await asyncio.sleep(self.delay)
        if self.fail_status is not None:
            return error(self.fail_status, "System is not ready with state: setup")
        response: web.StreamResponse = await handler(request)
        return response

    async def _self_info(self, _request: web.Request) -> web.Response:
        """Answer GET /addons/self/info."""
        return ok(self.addon_info())

    async def _post_discovery(self, request: web.Request) -> web.Response:
        """Store a message; the same service again updates it and keeps its uuid."""
        try:
            body = await request.json()
        except ValueError:
            return error(400, "Can't decode JSON")
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("service"), str)
            or not isinstance(body.get("config"), dict)
        ):
            return error(400, "expected a dictionary for dictionary value @ data['config']")
        service, config = body["service"], body["config"]
        if service not in self.discovery:
            return error(403, FORBIDDEN_SERVICE)
        message = next((m for m in self.messages.values() if m.service == service), None)
        if message is None:
            message = Message(service, config)
            self.messages[message.uuid] = message
        message.config = config
        if self.record is not None:
            with self.record.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"uuid": message.uuid, **body}) + "\n")
        self.posted.set()
        return ok({"uuid": message.uuid})

    async def _delete_discovery(self, request: web.Request) -> web.Response:
        """Remove a message of this add-on."""
        if self.messages.pop(request.match_info["uuid"], None) is None:
            return error(404, "Discovery message not found")
        return ok()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on a (free) port."""
        app = web.Application(middlewares=[self._security])
        app.add_routes(
            [
                web.get("/addons/self/info", self._self_info),
                web.post("/discovery", self._post_discovery),
                web.delete("/discovery/{uuid}", self._delete_discovery),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()


async def serve(host: str, port: int, record: Path | None, ingress_port: int) -> None:
    """Run the fake until SIGTERM or SIGINT, after printing its port."""
    fake = FakeSupervisor(record=record, ingress_port=ingress_port)
    await fake.start(host, port)
    print(f"port {fake.port}", flush=True)  # noqa: T201 - the caller reads the port
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.close()


def main() -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description="Fake Home Assistant Supervisor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", type=Path, help="append accepted discovery messages here")
    parser.add_argument(
        "--ingress-port", type=int, default=0, help="the port /addons/self/info gives"
    )
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.record, args.ingress_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
