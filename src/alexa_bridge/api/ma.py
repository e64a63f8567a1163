"""The Music Assistant API: the calls MA's unchanged `alexa` provider makes."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from ..config.validate import SCHEMA_CONTROL, SCHEMA_PUSH
from ..core import BridgeCore
from ..exceptions import APINotFound
from ..models.slot import PlayerSlot
from ..panel.activity import ActivityKind
from ..playback.screens import PageCommand
from ..playback.slots import DEFAULT_SLOT
from .utils import read_json

_LOGGER = logging.getLogger(__name__)


def _slot_view(slot: PlayerSlot) -> dict[str, Any]:
    """Describe a slot the way the prototype's /ma/latest-url did."""
    return {
        "streamUrl": slot.stream_url,
        "title": slot.title,
        "artist": slot.artist,
        "album": slot.album,
        "imageUrl": slot.image_url,
        "playerId": slot.key or None,
        "playerActivity": slot.activity.value,
        "offsetInMilliseconds": slot.offset_ms,
    }


class APIMusicAssistant:
    """Handle pushes and look-ups from Music Assistant."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def push_url(self, request: web.Request) -> web.Response:
        """Store a stream (or new metadata) for a player."""
        body = await read_json(request, SCHEMA_PUSH)
        result = self.core.slots.push(body.get("playerId"), body)
        self.core.activity.record(
            ActivityKind.PUSH,
            "new stream" if result.new_stream else "metadata",
            "ok",
            device=result.slot.key or None,
        )
        _LOGGER.info(
            "Music Assistant pushed %s for player %r",
            "a new stream" if result.new_stream else "metadata",
            result.slot.key or "(default)",
        )
        return web.json_response(
            {
                "status": "ok",
                "playerId": result.slot.key or None,
                "newStream": result.new_stream,
                # True only while this player's Echo shows the page: MA then skips speaking.
                "pageLive": self.core.skill.pages.live_page(result.slot.key) is not None,
            }
        )

    async def latest_url(self, request: web.Request) -> web.Response:
        """Return the last push, for one player with ?playerId=."""
        player_id = request.query.get("playerId")
        slot = self.core.slots.get(player_id) if player_id is not None else self.core.slots.latest()
        if slot is None:
            raise APINotFound("nothing has been pushed yet")
        return web.json_response(_slot_view(slot))

    async def control(self, request: web.Request) -> web.Response:
        """Queue pause/resume for the player's live page; without one MA speaks instead."""
        body = await read_json(request, SCHEMA_CONTROL)
        player = body.get("playerId") or DEFAULT_SLOT
        command = PageCommand(body["command"])
        live = self.core.skill.pages.queue(player, command)
        _LOGGER.info(
            "Music Assistant asked to %s player %r: %s",
            command,
            player or "(default)",
            "queued for its screen page" if live else "no live page, it speaks instead",
        )
        return web.json_response({"pageLive": live})

    async def intents(self, request: web.Request) -> web.Response:
        """Return the skill's phrases in the configured (or asked) locale."""
        locale = request.query.get("locale")
        entry = self.core.locales.get(locale) if locale else self.core.locales.default
        return web.json_response(entry.intents_for_music_assistant())
