"""The last 200 skill requests and MA pushes, for the Activity page and diagnostics."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
import logging
import time
from typing import Any

from ..helpers.broadcast import Broadcast

_LOGGER = logging.getLogger(__name__)

MAX_ENTRIES = 200
SUBSCRIBER_QUEUE = 100
DEVICE_TAIL = 8


class ActivityKind(StrEnum):
    """Where an activity entry came from."""

    SKILL = "skill"
    PUSH = "push"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One line of activity; carries no tokens, user ids or request bodies."""

    time: float
    kind: ActivityKind
    device: str | None
    type: str
    result: str
    latency_ms: float | None = None
    ok: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy."""
        return asdict(self)


def short_device(device_id: str | None) -> str | None:
    """Shorten an opaque Alexa device id to a recognisable, non-identifying tail."""
    if not device_id:
        return None
    return f"…{device_id[-DEVICE_TAIL:]}" if len(device_id) > DEVICE_TAIL + 4 else device_id


class ActivityLog(Broadcast[ActivityEntry]):
    """Keep recent entries and feed live subscribers through bounded queues."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """Start empty."""
        super().__init__(SUBSCRIBER_QUEUE)
        self._entries: deque[ActivityEntry] = deque(maxlen=MAX_ENTRIES)
        self._clock = clock

    @property
    def entries(self) -> list[ActivityEntry]:
        """Return the entries, oldest first."""
        return list(self._entries)

    def record(
        self,
        kind: ActivityKind,
        type_: str,
        result: str,
        *,
        device: str | None = None,
        latency_ms: float | None = None,
        ok: bool = True,
    ) -> ActivityEntry:
        """Add an entry and hand it to every live subscriber."""
        entry = ActivityEntry(self._clock(), kind, device, type_, result, latency_ms, ok)
        self._entries.append(entry)
        self.publish(entry)
        return entry
