"""Answer the voice intents: play something from Music Assistant, and "what's playing"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import time
from typing import Any

from ..models.slot import PlayerSlot
from ..playback.slots import SlotRegistry
from ..playback.voice import ALEXA_DEADLINE, ANSWER_MARGIN, VoiceControl, VoiceOutcome, VoiceResult
from . import responses
from .envelope import AlexaRequest
from .intents import SLOT_QUERY, SLOT_ROOM, IntentSpec
from .locales import SkillLocales

_LOGGER = logging.getLogger(__name__)

# Time the request may already have spent in verification before the handler runs.
VERIFY_ALLOWANCE = 0.5
PlayHere = Callable[[AlexaRequest, PlayerSlot, str], dict[str, Any]]
Record = Callable[[str, str, bool, float], None]

OUTCOME_KEYS = {
    VoiceOutcome.STARTING: "voice_starting",
    VoiceOutcome.NOTHING_FOUND: "voice_nothing_found",
    VoiceOutcome.NO_QUERY: "voice_no_query",
    VoiceOutcome.NOT_PAIRED: "voice_not_paired",
    VoiceOutcome.NOT_CONNECTED: "voice_not_connected",
    VoiceOutcome.UNREACHABLE: "ma_unreachable",
    VoiceOutcome.ROOM_UNKNOWN: "voice_room_unknown",
    VoiceOutcome.ROOM_AMBIGUOUS: "voice_room_ambiguous",
    VoiceOutcome.FAILED: "voice_failed",
}
OK_OUTCOMES = frozenset(
    {
        VoiceOutcome.PLAYING_HERE,
        VoiceOutcome.PLAYING_IN_ROOM,
        VoiceOutcome.STARTING,
        VoiceOutcome.NOW_PLAYING,
        VoiceOutcome.NOTHING_PLAYING,
    }
)


class VoiceIntents:
    """Turn voice intents into MA commands and short spoken answers in the Echo's language."""

    def __init__(
        self, voice: VoiceControl, slots: SlotRegistry, locales: SkillLocales, record: Record
    ) -> None:
        """Keep the voice control, the slots, the skill's strings and the Activity log."""
        self.voice = voice
        self._slots = slots
        self._locales = locales
        self._record = record

    def _text(self, req: AlexaRequest, key: str, **values: str) -> str:
        """Return one of the skill's strings in the request's language, filled in."""
        return self._locales.get(req.locale).speech[key].format(**values)

    def _own_slot(self, req: AlexaRequest) -> PlayerSlot | None:
        """Return the slot the asking Echo plays (by its audio token, then its pairing)."""
        slot = self._slots.by_audio_token(req.known_token)
        if slot is None and req.device_id:
            slot = self._slots.paired_slot(req.device_id)
        return slot

    def _own_player(self, req: AlexaRequest) -> str | None:
        """Return the MA player the asking Echo is paired with."""
        if not req.device_id:
            return None
        paired = self._slots.devices.get(req.device_id)
        return paired or None

    async def play(
        self, req: AlexaRequest, spec: IntentSpec, play_here: PlayHere
    ) -> dict[str, Any]:
        """Search MA and start the best match; answer with Play here, or with speech."""
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ALEXA_DEADLINE - ANSWER_MARGIN - VERIFY_ALLOWANCE
        query = req.slots.get(SLOT_QUERY)
        room = req.slots.get(SLOT_ROOM)
        assert spec.media is not None  # noqa: S101 - every search intent names its kind
        result = await self.voice.play(
            query, spec.media, room=room, own_player=self._own_player(req), deadline=deadline
        )
        answer = self._answer(req, result, query or "", play_here)
        where = "room" if room else "this Echo"
        self._record(
            f"voice {spec.media.value} on {where}",
            result.outcome.value,
            result.outcome in OK_OUTCOMES,
            (time.perf_counter() - started) * 1000,
        )
        return answer

    def _answer(
        self, req: AlexaRequest, result: VoiceResult, query: str, play_here: PlayHere
    ) -> dict[str, Any]:
        """Build the answer for a play request's result."""
        item = result.item
        name = item.name if item is not None else query
        if result.outcome is VoiceOutcome.PLAYING_HERE and result.slot is not None:
            artist = item.artist if item is not None and item.media_type != "artist" else None
            speech = (
                self._text(req, "voice_playing", title=name, artist=artist)
                if artist
                else self._text(req, "voice_playing_title", title=name)
            )
            if req.device_id:
                self.voice.started(req.device_id, result.slot)
            return play_here(req, result.slot, speech)
        if result.outcome is VoiceOutcome.PLAYING_IN_ROOM:
            return responses.speak(
                self._text(req, "voice_playing_in", title=name, room=result.room or "")
            )
        key = OUTCOME_KEYS.get(result.outcome, "voice_failed")
        rooms = f" {self._text(req, 'voice_or')} ".join(result.candidates)
        return responses.speak(
            self._text(req, key, title=name, query=query, room=result.room or "", rooms=rooms)
        )

    async def now_playing(self, req: AlexaRequest) -> dict[str, Any]:
        """Say (and show) what the asking Echo or the named room plays."""
        started = time.perf_counter()
        room = req.slots.get(SLOT_ROOM)
        result = await self.voice.now_playing(room, self._own_slot(req))
        self._record(
            f"what's playing on {'room' if room else 'this Echo'}",
            result.outcome.value,
            result.outcome in OK_OUTCOMES,
            (time.perf_counter() - started) * 1000,
        )
        if result.outcome is VoiceOutcome.NOW_PLAYING:
            title, artist = result.title or "", result.artist or ""
            key = "now_playing" if artist else "now_playing_title"
            if result.room:
                key = "now_playing_in" if artist else "now_playing_in_title"
            text = self._text(req, key, title=title, artist=artist, room=result.room or "")
            return responses.speak(text, card=(title, artist))
        if result.outcome is VoiceOutcome.NOTHING_PLAYING:
            key = "nothing_playing_in" if result.room else "nothing_playing"
            return responses.speak(self._text(req, key, room=result.room or ""))
        key = OUTCOME_KEYS.get(result.outcome, "voice_failed")
        rooms = f" {self._text(req, 'voice_or')} ".join(result.candidates)
        return responses.speak(self._text(req, key, room=result.room or "", rooms=rooms, query=""))
