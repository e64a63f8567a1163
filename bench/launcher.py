"""Run a real bridge whose outbound session reaches the fake Amazon certificate host.

The production entry point builds its own `ClientSession`; a benchmark needs the same
bridge but with s3.amazonaws.com mapped to a local fake, so it injects the session the
way tests/harness.py does. Everything else (options file, data dir, signals) is as in
`python -m alexa_bridge`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import ssl
import sys

import aiohttp
from tests.fakes.cert_host import CERT_HOST
from tests.fakes.tls import MappingResolver

from alexa_bridge.bridge import Bridge
from alexa_bridge.config.logs import setup_logging
from alexa_bridge.config.options import load_options
from alexa_bridge.core import BridgeCore


def cert_host_session(port: int) -> aiohttp.ClientSession:
    """Return a session reaching s3.amazonaws.com:443 at 127.0.0.1:port (SSL_CERT_FILE trusted)."""
    resolver = MappingResolver({(CERT_HOST, 443): ("127.0.0.1", port)})
    context = ssl.create_default_context()  # honours SSL_CERT_FILE: the test root
    # No pool cap, as in production (core.py): 100 relays must not starve MA's websocket.
    connector = aiohttp.TCPConnector(resolver=resolver, ssl=context, limit=0)
    return aiohttp.ClientSession(connector=connector)


async def serve(data_dir: Path, options_file: Path, cert_port: int) -> None:
    """Run the bridge until SIGTERM, then close the injected session."""
    options = load_options(options_file, os.environ, use_env=False)
    setup_logging(options.log_level)
    session = cert_host_session(cert_port)
    try:
        await Bridge(BridgeCore(options, data_dir, session=session)).run_until_signal()
    finally:
        await session.close()


def main() -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="bench.launcher")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--options", type=Path, required=True)
    parser.add_argument("--cert-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.data_dir, args.options, args.cert_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
