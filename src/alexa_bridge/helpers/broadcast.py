"""Fan items out to live readers through bounded queues, dropping any reader that falls behind."""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, TypeVar

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")


class Broadcast(Generic[_T]):
    """A slow reader (a browser tab on a bad link) is dropped instead of growing memory."""

    def __init__(self, queue_size: int) -> None:
        """Start with no readers; each gets a queue of at most `queue_size` items."""
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[_T]] = set()

    def publish(self, item: _T) -> None:
        """Hand an item to every reader that keeps up."""
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)
                _LOGGER.debug("Dropped a reader of %s that fell behind", type(self).__name__)

    def subscribe(self) -> asyncio.Queue[_T]:
        """Return a queue that receives every new item until unsubscribed."""
        queue: asyncio.Queue[_T] = asyncio.Queue(maxsize=self._queue_size)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[_T]) -> None:
        """Stop feeding a queue."""
        self._subscribers.discard(queue)

    def is_subscribed(self, queue: asyncio.Queue[_T]) -> bool:
        """Return whether a queue is still fed (False once dropped for falling behind)."""
        return queue in self._subscribers
