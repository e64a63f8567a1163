"""Logging set-up that follows the `log_level` option."""

from __future__ import annotations

import logging
import sys
import time

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
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


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Log requests without query strings or referers: those can carry codes and tokens."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log address, method, path, status, size and duration."""
        self.logger.debug(
            '%s "%s %s" %s %s %.1f ms',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time * 1000,
        )


class RateLimitFilter(logging.Filter):
    """Let through at most one record per interval whose message starts with a prefix.

    asyncio logs each failed accept() (out of file descriptors) on its own; a flood of
    connections must not become a flood of log lines.
    """

    def __init__(self, prefix: str, interval: float = 60.0) -> None:
        """Keep the prefix of the records to thin out."""
        super().__init__()
        self._prefix = prefix
        self._interval = interval
        self._last = -interval
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep other records; keep one matching record per interval, counting the rest."""
        if not str(record.msg).startswith(self._prefix):
            return True
        now = time.monotonic()
        if now - self._last < self._interval:
            self._dropped += 1
            return False
        self._last = now
        if self._dropped:
            record.msg = f"{record.msg} ({self._dropped} more since the last such line)"
            self._dropped = 0
        record.exc_info = record.exc_text = None
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
    logging.getLogger("asyncio").addFilter(RateLimitFilter("socket.accept() out of"))
    # At debug alexapy logs bearer tokens and sign-in form data: only at trace.
    logging.getLogger("alexapy").setLevel(
        logging.NOTSET if level == LogLevel.TRACE else max(logging.INFO, LEVELS[LogLevel(level)])
    )
    if level != LogLevel.TRACE:
        # Access logs carry relay tokens in their paths: only at trace level.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
