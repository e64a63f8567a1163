"""TLS plumbing shared by the fakes: a server certificate from the test CA, a trusting client."""

from __future__ import annotations

from pathlib import Path
import socket
import ssl
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

if TYPE_CHECKING:  # the benchmark's bridge process imports this module: no cryptography
    from .pki import Issued, TestPKI


class MappingResolver(AbstractResolver):
    """Resolve chosen (host, port) pairs to local ones; everything else as usual."""

    def __init__(self, mapping: dict[tuple[str, int], tuple[str, int]]) -> None:
        """Keep the mapping."""
        self._mapping = mapping
        self._fallback = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Answer mapped names locally, others through the system resolver."""
        target = self._mapping.get((host.lower(), port))
        if target is None:
            return await self._fallback.resolve(host, port, family)
        return [
            ResolveResult(
                hostname=host,
                host=target[0],
                port=target[1],
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        """Close the fallback resolver."""
        await self._fallback.close()


def server_context(pki: TestPKI, leaf: Issued, tmp_dir: Path, name: str) -> ssl.SSLContext:
    """Write `leaf` with its intermediate to `tmp_dir` and return a server context for it."""
    cert_file, key_file = tmp_dir / f"{name}.pem", tmp_dir / f"{name}.key"
    cert_file.write_bytes(leaf.pem + pki.intermediate.pem)
    key_file.write_bytes(leaf.key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def trusting_session(
    pki: TestPKI, mapping: dict[tuple[str, int], tuple[str, int]]
) -> aiohttp.ClientSession:
    """Return a client that trusts the test root and resolves mapped names to local fakes."""
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=pki.root.pem.decode())
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=MappingResolver(mapping), ssl=context)
    )


async def serve(app: web.Application, context: ssl.SSLContext | None) -> tuple[web.AppRunner, int]:
    """Serve `app` on a free loopback port; return its runner and the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner, int(runner.addresses[0][1])
