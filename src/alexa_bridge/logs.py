"""Logging set-up that follows the `log_level` option."""

from __future__ import annotations

import logging
import sys

from .const import LogLevel

LEVELS = {
    LogLevel.TRACE: logging.DEBUG,
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.NOTICE: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
    LogLevel.FATAL: logging.CRITICAL,
}


def setup_logging(level: str) -> None:
    """Log to stderr (the add-on log) at the chosen level; quiet chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s (%(name)s) %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[LogLevel(level)])
    if level != LogLevel.TRACE:
        # Access logs carry relay tokens in their paths: only at trace level.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
