"""Command line: `python -m alexa_bridge [--data-dir DIR] [--options FILE]`."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import sys

from .bridge import Bridge
from .config.logs import setup_logging
from .config.options import load_options
from .const import ENV_SUPERVISOR_TOKEN, FILE_OPTIONS, SUPERVISOR_DATA_DIR, VERSION
from .core import BridgeCore
from .exceptions import ListenerError, OptionsError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="alexa_bridge",
        description="Let Music Assistant play on Amazon Echo devices.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where state is kept (default ./data, /data under the Supervisor)",
    )
    parser.add_argument(
        "--options",
        type=Path,
        help="options JSON file (default <data-dir>/options.json)",
    )
    parser.add_argument("--version", action="version", version=VERSION)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load options, run the bridge until a signal, return the exit code."""
    args = parse_args(argv)
    supervised = ENV_SUPERVISOR_TOKEN in os.environ
    default_dir = Path(SUPERVISOR_DATA_DIR) if supervised else Path("data")
    data_dir = (args.data_dir or default_dir).resolve()
    options_file = args.options or data_dir / FILE_OPTIONS
    try:
        options = load_options(options_file, os.environ, use_env=not supervised)
    except OptionsError as err:
        print(f"alexa_bridge: {err}", file=sys.stderr)  # noqa: T201 - before logging exists
        return 2
    setup_logging(options.log_level)
    bridge = Bridge(BridgeCore(options, data_dir, supervised=supervised))
    try:
        asyncio.run(bridge.run_until_signal())
    except ListenerError as err:
        print(f"alexa_bridge: {err}", file=sys.stderr)  # noqa: T201 - logging may be off
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
