"""Server-sent events for the panel: one item per event, keep-alives, ends when the tab goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from typing import Any, TypeVar

from aiohttp import web

from ..helpers.broadcast import Broadcast

KEEPALIVE = 15.0
_T = TypeVar("_T")


async def stream_events(
    request: web.Request, source: Broadcast[_T], event: str, encode: Callable[[_T], dict[str, Any]]
) -> web.StreamResponse:
    """Send each new item of `source` as an `event` until the browser leaves or falls behind."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    # "ready" tells the page that events do arrive; behind a proxy that compresses the stream
    # (Home Assistant's ingress before 2026.2) it never comes, and the page polls instead.
    await response.write(b"retry: 3000\n\nevent: ready\ndata: {}\n\n")
    queue = source.subscribe()
    try:
        while source.is_subscribed(queue):
            try:
                async with asyncio.timeout(KEEPALIVE):
                    item = await queue.get()
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            data = json.dumps(encode(item))
            await response.write(f"event: {event}\ndata: {data}\n\n".encode())
    except ConnectionResetError:
        pass
    finally:
        source.unsubscribe(queue)
    return response
