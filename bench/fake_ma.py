"""Run the fake Music Assistant (streams and its websocket API) until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tests.fakes.ma_websocket import FakeMusicAssistant as FakeMusicAssistantApi
from tests.fakes.music_assistant import FakeMusicAssistant


async def serve(port: int, ws_port: int, players: list[str]) -> None:
    """Serve streams on 127.0.0.1:port and the API on ws_port until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = FakeMusicAssistant()
    await server.start(port=port)
    api = FakeMusicAssistantApi(token=None, players=dict.fromkeys(players, "playing"), port=ws_port)
    await api.start()
    try:
        await stop.wait()
    finally:
        await api.close()
        await server.close()


def main() -> int:
    """Parse the ports and serve."""
    parser = argparse.ArgumentParser(prog="bench.fake_ma")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ws-port", type=int, required=True)
    parser.add_argument("--player", action="append", default=[], help="a player id MA knows")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.ws_port, args.player))
    return 0


if __name__ == "__main__":
    sys.exit(main())
