"""Provisioning progress: lines kept for download and fed live to the panel."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
import datetime as dt
from enum import StrEnum
import logging
import time
from typing import Any

from ..helpers.broadcast import Broadcast
from .const import MAX_PROGRESS, PROGRESS_QUEUE

_LOGGER = logging.getLogger(__name__)


class Level(StrEnum):
    """How a progress line is shown."""

    INFO = "info"
    OK = "ok"
    WARN = "warn"
    ERROR = "error"
    DONE = "done"  # the run finished; the panel reloads to show the outcome


@dataclass(frozen=True, slots=True)
class ProgressLine:
    """One step's news; never carries tokens or secrets."""

    time: float
    step: str
    text: str
    level: Level

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy."""
        return asdict(self)

    def render(self) -> str:
        """Return the line as the downloadable log shows it."""
        when = dt.datetime.fromtimestamp(self.time, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        return f"{when} UTC  {self.level.value.upper():5}  [{self.step}] {self.text}"


class ProgressLog(Broadcast[ProgressLine]):
    """Keep the current run's lines and hand each to subscribers through bounded queues."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """Start empty."""
        super().__init__(PROGRESS_QUEUE)
        self._lines: deque[ProgressLine] = deque(maxlen=MAX_PROGRESS)
        self._clock = clock

    @property
    def lines(self) -> list[ProgressLine]:
        """Return the lines, oldest first."""
        return list(self._lines)

    def clear(self) -> None:
        """Start a new run's log."""
        self._lines.clear()

    def add(self, step: str, text: str, level: Level = Level.INFO) -> ProgressLine:
        """Record a line and pass it to every live subscriber."""
        line = ProgressLine(self._clock(), step, text, level)
        self._lines.append(line)
        _LOGGER.log(
            logging.WARNING if level == Level.ERROR else logging.INFO, "[%s] %s", step, text
        )
        self.publish(line)
        return line

    def text(self) -> str:
        """Return the whole log as text, for download."""
        return "".join(f"{line.render()}\n" for line in self._lines)
