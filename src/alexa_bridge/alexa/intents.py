"""The one table of intents: what the skill does with each, what every model must declare."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..models.music_assistant import MediaKind
from ..playback.ma_commands import Transport


class IntentRole(StrEnum):
    """What the skill does when an intent arrives."""

    PLAY = "play"  # start what Music Assistant pushed (also MA's own spoken trigger)
    RESUME = "resume"
    STOP = "stop"  # stop the Echo and tell MA (pause, stop, cancel)
    TRANSPORT = "transport"  # forward to Music Assistant (next, previous, shuffle, ...)
    SEARCH = "search"  # search Music Assistant and play the best match
    NOW_PLAYING = "now_playing"
    HELP = "help"
    FALLBACK = "fallback"
    QUIET = "quiet"  # answered with nothing (navigate home)
    NOT_AVAILABLE = "not_available"


# Slot types the voice intents use; their values are in each locale file (rooms: filled from
# Music Assistant's player names when the skill is provisioned).
SLOT_QUERY: Final = "query"
SLOT_ROOM: Final = "room"
TYPE_QUERY: Final = "MEDIA_QUERY"
TYPE_ROOM: Final = "MA_ROOM"
QUERY_SLOTS: Final = ((SLOT_QUERY, TYPE_QUERY), (SLOT_ROOM, TYPE_ROOM))
ROOM_SLOTS: Final = ((SLOT_ROOM, TYPE_ROOM),)


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """One intent the skill knows: its role, and what its model entry must hold."""

    role: IntentRole
    required: bool = False
    spoken_by_ma: bool = False  # MA speaks its first utterance (pause, resume, stop)
    transport: Transport | None = None
    media: MediaKind | None = None
    slots: tuple[tuple[str, str], ...] = ()


INTENT_PLAY: Final = "PlayAudio"
INTENT_PLAY_MEDIA: Final = "PlayMedia"

INTENTS: Final[dict[str, IntentSpec]] = {
    INTENT_PLAY: IntentSpec(IntentRole.PLAY, required=True),
    INTENT_PLAY_MEDIA: IntentSpec(IntentRole.SEARCH, media=MediaKind.ANY, slots=QUERY_SLOTS),
    "PlayAlbum": IntentSpec(IntentRole.SEARCH, media=MediaKind.ALBUM, slots=QUERY_SLOTS),
    "PlayPlaylist": IntentSpec(IntentRole.SEARCH, media=MediaKind.PLAYLIST, slots=QUERY_SLOTS),
    "PlayArtist": IntentSpec(IntentRole.SEARCH, media=MediaKind.ARTIST, slots=QUERY_SLOTS),
    "PlayRadio": IntentSpec(IntentRole.SEARCH, media=MediaKind.RADIO_MODE, slots=QUERY_SLOTS),
    "WhatsPlaying": IntentSpec(IntentRole.NOW_PLAYING, slots=ROOM_SLOTS),
    "AMAZON.PauseIntent": IntentSpec(
        IntentRole.STOP, required=True, spoken_by_ma=True, transport=Transport.PAUSE
    ),
    "AMAZON.ResumeIntent": IntentSpec(
        IntentRole.RESUME, required=True, spoken_by_ma=True, transport=Transport.RESUME
    ),
    "AMAZON.StopIntent": IntentSpec(
        IntentRole.STOP, required=True, spoken_by_ma=True, transport=Transport.STOP
    ),
    "AMAZON.CancelIntent": IntentSpec(IntentRole.STOP, required=True, transport=Transport.STOP),
    "AMAZON.HelpIntent": IntentSpec(IntentRole.HELP, required=True),
    "AMAZON.FallbackIntent": IntentSpec(IntentRole.FALLBACK, required=True),
    "AMAZON.NavigateHomeIntent": IntentSpec(IntentRole.QUIET, required=True),
    "AMAZON.NextIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.NEXT),
    "AMAZON.PreviousIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.PREVIOUS),
    "AMAZON.StartOverIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.START_OVER),
    "AMAZON.ShuffleOnIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.SHUFFLE_ON),
    "AMAZON.ShuffleOffIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.SHUFFLE_OFF),
    "AMAZON.LoopOnIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.LOOP_ON),
    "AMAZON.LoopOffIntent": IntentSpec(IntentRole.TRANSPORT, transport=Transport.LOOP_OFF),
    "AMAZON.RepeatIntent": IntentSpec(IntentRole.NOT_AVAILABLE),
}

REQUIRED_INTENTS: Final = tuple(name for name, spec in INTENTS.items() if spec.required)
SPOKEN_BY_MA: Final = tuple(name for name, spec in INTENTS.items() if spec.spoken_by_ma)
SEARCH_INTENTS: Final = frozenset(
    name for name, spec in INTENTS.items() if spec.role is IntentRole.SEARCH
)


def spec_of(name: str | None) -> IntentSpec:
    """Return what the skill does with an intent; unknown ones fall back."""
    return INTENTS.get(name or "", IntentSpec(IntentRole.FALLBACK))
