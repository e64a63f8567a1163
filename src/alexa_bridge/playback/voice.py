"""Voice requests: search Music Assistant, start the best match on a player, say what happened."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import re
import time
from typing import TYPE_CHECKING
import unicodedata

from ..clients.exceptions import (
    MusicAssistantAuthError,
    MusicAssistantConnectionError,
    MusicAssistantError,
)
from ..const import PlayerActivity
from ..models.music_assistant import SEARCH_TYPES, MaPlayer, MediaItem, MediaKind
from .rooms import resolve_room

if TYPE_CHECKING:
    from ..clients.music_assistant import MusicAssistantClient
    from ..models.slot import PlayerSlot
    from .slots import SlotRegistry

_LOGGER = logging.getLogger(__name__)

SEARCH_LIMIT = 10
# A voice request must be answered within Alexa's 8 s; keep this much in hand for the answer.
ANSWER_MARGIN = 1.5
ALEXA_DEADLINE = 8.0
# After a voice start, MA (before it read pageLive) still speaks its trigger: the request it
# causes within this window finds the stream already playing.
TRIGGER_WINDOW = 30.0
_NOT_WORD = re.compile(r"[^\w]+")
# What the Echo reports when its stream is over or paused (Alexa has no paused state).
STOPPED = frozenset({PlayerActivity.STOPPED, PlayerActivity.FINISHED})


class VoiceOutcome(StrEnum):
    """How a voice request ended; each has its own spoken answer."""

    PLAYING_HERE = "playing_here"
    PLAYING_IN_ROOM = "playing_in_room"
    STARTING = "starting"  # MA started it, its stream did not reach this Echo in time
    NOTHING_FOUND = "nothing_found"
    NO_QUERY = "no_query"
    NOT_PAIRED = "not_paired"
    NOT_CONNECTED = "not_connected"
    UNREACHABLE = "unreachable"
    ROOM_UNKNOWN = "room_unknown"
    ROOM_AMBIGUOUS = "room_ambiguous"
    FAILED = "failed"
    NOW_PLAYING = "now_playing"
    NOTHING_PLAYING = "nothing_playing"


@dataclass(frozen=True, slots=True)
class VoiceResult:
    """What a voice request did, for the answer and the Activity page."""

    outcome: VoiceOutcome
    item: MediaItem | None = None
    room: str | None = None  # the named player's name (another room)
    slot: PlayerSlot | None = None  # the asking Echo's slot, to play now
    title: str | None = None
    artist: str | None = None
    candidates: tuple[str, ...] = ()


@dataclass(slots=True)
class _Started:
    """A stream a voice request started on an Echo, to recognise MA's late trigger."""

    player: str
    relay_token: str
    at: float = field(default_factory=time.monotonic)


def _plain(text: str) -> str:
    """Reduce a name to comparable lower-case words without accents or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(word for word in _NOT_WORD.split(plain) if word)


def best_match(items: list[MediaItem], query: str, kind: MediaKind) -> MediaItem | None:
    """Pick what to play: exact name first, then the type asked for, then MA's library."""
    wanted = _plain(query)
    order = SEARCH_TYPES[kind]

    def rank(item: MediaItem) -> tuple[int, int, int, int]:
        type_rank = order.index(item.media_type) if item.media_type in order else len(order)
        return (
            0 if _plain(item.name) == wanted else 1,
            type_rank,
            0 if item.in_library else 1,
            item.position,
        )

    return min(items, key=rank, default=None)


class VoiceControl:
    """Carry out voice requests through Music Assistant's websocket API."""

    def __init__(
        self,
        client: MusicAssistantClient,
        slots: SlotRegistry,
        token_configured: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Keep the MA client, the slots and whether a token is configured."""
        self._client = client
        self._slots = slots
        self._token_configured = token_configured
        self._clock = clock
        self._started: dict[str, _Started] = {}
        self.player_names: tuple[str, ...] = ()

    def _failure(self, err: MusicAssistantError) -> VoiceOutcome:
        """Map an MA error to what the person hears."""
        if isinstance(err, MusicAssistantAuthError):
            return VoiceOutcome.NOT_CONNECTED
        if isinstance(err, MusicAssistantConnectionError | TimeoutError):
            if not self._token_configured():
                return VoiceOutcome.NOT_CONNECTED
            return VoiceOutcome.UNREACHABLE
        return VoiceOutcome.FAILED

    async def players(self) -> list[MaPlayer]:
        """Return MA's players and remember their names (the rooms of the skill's model)."""
        players = await self._client.players()
        self.player_names = tuple(sorted({p.name for p in players if p.visible}))
        return players

    async def refresh_rooms(self) -> tuple[str, ...]:
        """Read MA's player names for the interaction model; keep the last ones on failure."""
        try:
            await self.players()
        except MusicAssistantError as err:
            _LOGGER.info("Cannot read Music Assistant's players for room names: %s", err)
        return self.player_names

    async def _target(
        self, room: str | None, own: str | None
    ) -> tuple[MaPlayer | None, VoiceResult | None]:
        """Resolve the named room to a player; (None, None) means the asking Echo."""
        if not room:
            return None, None if own else VoiceResult(VoiceOutcome.NOT_PAIRED)
        match = resolve_room(room, await self.players())
        if match.player is None:
            outcome = VoiceOutcome.ROOM_AMBIGUOUS if match.players else VoiceOutcome.ROOM_UNKNOWN
            names = tuple(p.name for p in match.players)
            return None, VoiceResult(outcome, room=room, candidates=names)
        if match.player.player_id == own:
            return None, None
        return match.player, None

    async def play(
        self,
        query: str | None,
        kind: MediaKind,
        *,
        room: str | None,
        own_player: str | None,
        deadline: float,
    ) -> VoiceResult:
        """Search, start the best match on the named room or the asking Echo's player."""
        if not query or not query.strip():
            return VoiceResult(VoiceOutcome.NO_QUERY)
        waiters: list[asyncio.Future[PlayerSlot]] = []
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    result = await self._start(query, kind, room, own_player, waiters)
            except MusicAssistantError as err:
                _LOGGER.warning("Voice request failed in Music Assistant: %s", err)
                return VoiceResult(self._failure(err), room=room)
            except TimeoutError:
                _LOGGER.warning("Music Assistant did not answer a voice request in time")
                return VoiceResult(self._failure(MusicAssistantConnectionError("timeout")))
            if result.outcome is not VoiceOutcome.PLAYING_HERE or not waiters:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                # MA pushes the new stream for the Echo's player; answer with it.
                slot = await asyncio.wait_for(asyncio.shield(waiters[0]), max(remaining, 0.0))
            except TimeoutError:
                _LOGGER.warning("Music Assistant's stream did not arrive in time; MA starts it")
                return VoiceResult(VoiceOutcome.STARTING, item=result.item)
            _LOGGER.info("Voice started %r on the asking Echo", result.item and result.item.name)
            return VoiceResult(VoiceOutcome.PLAYING_HERE, item=result.item, slot=slot)
        finally:
            for waiter in waiters:
                self._slots.forget_waiter(waiter)

    async def _start(
        self,
        query: str,
        kind: MediaKind,
        room: str | None,
        own_player: str | None,
        waiters: list[asyncio.Future[PlayerSlot]],
    ) -> VoiceResult:
        """Resolve the target, search, and ask MA to play the best match there."""
        target, failure = await self._target(room, own_player)
        if failure is not None:
            return failure
        items = await self._client.search(query, SEARCH_TYPES[kind], SEARCH_LIMIT)
        item = best_match(items, query, kind)
        if item is None:
            return VoiceResult(VoiceOutcome.NOTHING_FOUND)
        radio = kind is MediaKind.RADIO_MODE and item.media_type != "radio"
        player_id = target.player_id if target is not None else own_player
        if player_id is None:
            return VoiceResult(VoiceOutcome.NOT_PAIRED)
        if target is None:
            # Listen before asking: MA may push before it answers the command.
            waiters.append(self._slots.expect_push(player_id))
        await self._client.play_media(player_id, item.uri, radio_mode=radio)
        if target is not None:
            _LOGGER.info(
                "Voice started %s %r on player %r", item.media_type, item.name, target.name
            )
            return VoiceResult(VoiceOutcome.PLAYING_IN_ROOM, item=item, room=target.name)
        return VoiceResult(VoiceOutcome.PLAYING_HERE, item=item)

    def started(self, device_id: str, slot: PlayerSlot) -> None:
        """Remember that a voice answer started this slot's stream on an Echo."""
        self._started[device_id] = _Started(slot.key, slot.relay_token, self._clock())

    def already_started(self, device_id: str | None, slot: PlayerSlot | None) -> bool:
        """Return whether a request from the Echo is MA's late trigger for a voice start."""
        if not device_id or slot is None:
            return False
        started = self._started.get(device_id)
        if started is None or self._clock() - started.at > TRIGGER_WINDOW:
            return False
        current = self._slots.get(started.player)
        # A stream stopped since (a person said stop) may be started again.
        return (
            current is not None
            and current.relay_token == started.relay_token
            and current.activity not in STOPPED
        )

    async def now_playing(self, room: str | None, own: PlayerSlot | None) -> VoiceResult:
        """Return the title and artist of the asking Echo's slot, or of the named room."""
        if not room:
            if own is None or not own.title or own.activity in STOPPED:
                return VoiceResult(VoiceOutcome.NOTHING_PLAYING)
            return VoiceResult(VoiceOutcome.NOW_PLAYING, title=own.title, artist=own.artist)
        try:
            target, failure = await self._target(room, None)
        except MusicAssistantError as err:
            return VoiceResult(self._failure(err), room=room)
        if failure is not None:
            return failure
        assert target is not None  # noqa: S101 - a named room resolves or fails
        now = target.now_playing
        if now is None or target.state not in ("playing", "paused"):
            return VoiceResult(VoiceOutcome.NOTHING_PLAYING, room=target.name)
        return VoiceResult(
            VoiceOutcome.NOW_PLAYING, room=target.name, title=now.title, artist=now.artist
        )
