"""Screen pages on Echo devices: which are live, when they were refreshed, what they owe."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
import logging
import math
import time
from typing import Final

from ..alexa.apl import page_token

_LOGGER = logging.getLogger(__name__)

REFRESH_PERIOD: Final = 5.0  # at most one update per page in this many seconds
LIVE_WINDOW: Final = 2 * REFRESH_PERIOD  # a page that has not ticked for this long is gone
MAX_PAGES: Final = 32  # pages tracked at once; the least recently seen is forgotten


class PageCommand(StrEnum):
    """What Music Assistant asked a live page to do (instead of speaking to the Echo)."""

    PAUSE = "pause"
    RESUME = "resume"


@dataclass(slots=True)
class ScreenPage:
    """What the bridge knows about the page one Echo shows."""

    device_id: str
    player: str
    token: str
    seen_at: float
    relay_token: str | None = None
    shown: str | None = None
    updated_at: float = -math.inf
    command: PageCommand | None = None
    command_at: float = 0.0


class ScreenPages:
    """Track pages per device, bounded in number, against an injectable clock."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, capacity: int = MAX_PAGES
    ) -> None:
        """Start with no pages."""
        self._clock = clock
        self._capacity = capacity
        self._pages: OrderedDict[str, ScreenPage] = OrderedDict()

    def __len__(self) -> int:
        """Return how many pages are tracked."""
        return len(self._pages)

    def get(self, device_id: str) -> ScreenPage | None:
        """Return a device's page, live or not."""
        return self._pages.get(device_id)

    def _store(self, page: ScreenPage) -> ScreenPage:
        """Keep a page as the most recent one and forget the oldest beyond the cap."""
        self._pages[page.device_id] = page
        self._pages.move_to_end(page.device_id)
        while len(self._pages) > self._capacity:
            self._pages.popitem(last=False)
        return page

    def rendered(
        self, device_id: str, player: str, shown: str, relay_token: str | None
    ) -> ScreenPage:
        """Record that a device was sent the page; a render counts as an update."""
        now = self._clock()
        page = ScreenPage(
            device_id=device_id,
            player=player,
            token=page_token(device_id),
            seen_at=now,
            relay_token=relay_token,
            shown=shown,
            updated_at=now,
        )
        return self._store(page)

    def seen(
        self, device_id: str, token: str | None, player: str, relay_token: str | None
    ) -> ScreenPage:
        """Record an event from a page; one unknown here (a restart) is adopted as playing."""
        page = self._pages.get(device_id)
        if page is None:
            page = ScreenPage(
                device_id=device_id,
                player=player,
                token=token or page_token(device_id),
                seen_at=self._clock(),
                relay_token=relay_token,
            )
        page.player = player
        page.token = token or page.token
        page.seen_at = self._clock()
        return self._store(page)

    def played(self, device_id: str, relay_token: str) -> None:
        """Remember which stream a device with a page was told to play."""
        page = self._pages.get(device_id)
        if page is not None:
            page.relay_token = relay_token

    def is_live(self, page: ScreenPage) -> bool:
        """Return whether a page ticked or was rendered recently enough to be on screen."""
        return self._clock() - page.seen_at <= LIVE_WINDOW

    def live_page(self, player: str) -> ScreenPage | None:
        """Return the live page that shows this player, if any."""
        for page in reversed(self._pages.values()):
            if page.player == player and self.is_live(page):
                return page
        return None

    def queue(self, player: str, command: PageCommand) -> bool:
        """Queue a command for the player's live page; False when no page is live."""
        page = self.live_page(player)
        if page is None:
            return False
        page.command = command
        page.command_at = self._clock()
        return True

    def take_command(self, page: ScreenPage) -> PageCommand | None:
        """Return and clear the page's queued command, unless it waited too long."""
        command, page.command = page.command, None
        if command is not None and self._clock() - page.command_at > LIVE_WINDOW:
            _LOGGER.info("Dropped a stale %s for player %r", command, page.player or "(default)")
            return None
        return command

    def may_update(self, page: ScreenPage) -> bool:
        """Return whether the page may get an update now (one per refresh period)."""
        return self._clock() - page.updated_at >= REFRESH_PERIOD

    def updated(self, page: ScreenPage, shown: str) -> None:
        """Record that the page was sent new metadata."""
        page.updated_at = self._clock()
        page.shown = shown
