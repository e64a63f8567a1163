"""Run the fake Music Assistant stream server in a process of its own until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tests.fakes.music_assistant import FakeMusicAssistant


async def serve(port: int) -> None:
    """Serve on 127.0.0.1:port until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = FakeMusicAssistant()
    await server.start(port=port)
    try:
        await stop.wait()
    finally:
        await server.close()


def main() -> int:
    """Parse the port and serve."""
    parser = argparse.ArgumentParser(prog="bench.fake_ma")
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(serve(parser.parse_args().port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
