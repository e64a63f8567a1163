"""Logging set-up that follows the `log_level` option."""

from __future__ import annotations

import logging
import sys

from aiohttp.http_exceptions import HttpProcessingError

from ..const import LogLevel

LEVELS = {
    LogLevel.TRACE: logging.DEBUG,
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.NOTICE: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
    LogLevel.FATAL: logging.CRITICAL,
}


class MalformedRequestFilter(logging.Filter):
    """Turn aiohttp's traceback for a malformed request into one short line.

    The public port faces the internet: scanners send broken request lines all day,
    and a traceback each (with the raw line) would flood the add-on log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; shorten those about requests that did not parse."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = (
                "Refused a malformed HTTP request (%s)",
                (type(error).__name__,),
            )
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def setup_logging(level: str) -> None:
    """Log to stderr (the add-on log) at the chosen level; quiet chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s (%(name)s) %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[LogLevel(level)])
    logging.getLogger("aiohttp.server").addFilter(MalformedRequestFilter())
    if level != LogLevel.TRACE:
        # Access logs carry relay tokens in their paths: only at trace level.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
