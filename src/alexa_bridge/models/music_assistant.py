"""Typed views of what Music Assistant's websocket API returns (search results, players)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

LIBRARY_PROVIDER = "library"


class MediaKind(StrEnum):
    """What a voice request asked for."""

    ANY = "any"
    ALBUM = "album"
    PLAYLIST = "playlist"
    ARTIST = "artist"
    RADIO_MODE = "radio_mode"  # "play X radio": MA's radio mode seeded by the match


# Music Assistant's media types to search for each kind, the preferred one first.
SEARCH_TYPES: dict[MediaKind, tuple[str, ...]] = {
    MediaKind.ANY: ("artist", "playlist", "album", "track", "radio"),
    MediaKind.ALBUM: ("album",),
    MediaKind.PLAYLIST: ("playlist",),
    MediaKind.ARTIST: ("artist",),
    MediaKind.RADIO_MODE: ("radio", "artist", "track", "album", "playlist"),
}
# SearchResults keys by media type ("radio" is singular in MA's model, the others plural).
RESULT_KEYS = {
    "artist": "artists",
    "album": "albums",
    "track": "tracks",
    "playlist": "playlists",
    "radio": "radio",
}


def _names(entries: Any) -> tuple[str, ...]:
    """Return the names of a list of MA items or item mappings."""
    if not isinstance(entries, list):
        return ()
    return tuple(str(e["name"]) for e in entries if isinstance(e, dict) and e.get("name"))


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One search result: enough to rank it, play it by URI and name it aloud."""

    media_type: str
    name: str
    uri: str
    provider: str
    artists: tuple[str, ...] = ()
    position: int = 0  # MA's own order within its type

    @property
    def in_library(self) -> bool:
        """Return whether the item is in MA's library (not only at a provider)."""
        return self.provider == LIBRARY_PROVIDER or self.uri.startswith(f"{LIBRARY_PROVIDER}://")

    @property
    def artist(self) -> str | None:
        """Return the artists joined for speech, if the item has any."""
        return ", ".join(self.artists) or None

    @classmethod
    def from_api(cls, media_type: str, data: Any, position: int) -> MediaItem | None:
        """Build an item from MA's media item dict; None when it cannot be played by URI."""
        if not isinstance(data, dict) or not data.get("uri") or not data.get("name"):
            return None
        return cls(
            media_type=str(data.get("media_type") or media_type),
            name=str(data["name"]),
            uri=str(data["uri"]),
            provider=str(data.get("provider") or ""),
            artists=_names(data.get("artists")),
            position=position,
        )


def parse_search(result: Any, media_types: tuple[str, ...]) -> list[MediaItem]:
    """Flatten MA's SearchResults into items of the asked types."""
    if not isinstance(result, dict):
        return []
    items = []
    for media_type in media_types:
        entries = result.get(RESULT_KEYS[media_type]) or []
        for position, entry in enumerate(entries if isinstance(entries, list) else []):
            item = MediaItem.from_api(media_type, entry, position)
            if item is not None:
                items.append(item)
    return items


@dataclass(frozen=True, slots=True)
class NowPlaying:
    """What a player plays, as MA's player state tells it."""

    title: str | None
    artist: str | None


@dataclass(frozen=True, slots=True)
class MaPlayer:
    """A Music Assistant player a voice request can name as its room."""

    player_id: str
    name: str
    available: bool
    state: str | None
    now_playing: NowPlaying | None
    hidden: bool = False

    @classmethod
    def from_api(cls, data: Any) -> MaPlayer | None:
        """Build a player from MA's Player dict; None when it has no id."""
        if not isinstance(data, dict) or not data.get("player_id"):
            return None
        media = data.get("current_media")
        now = None
        if isinstance(media, dict) and media.get("title"):
            now = NowPlaying(str(media["title"]), media.get("artist") or None)
        return cls(
            player_id=str(data["player_id"]),
            name=str(data.get("display_name") or data.get("name") or data["player_id"]),
            available=bool(data.get("available", True)),
            state=data.get("playback_state") or data.get("state"),
            now_playing=now,
            hidden=bool(data.get("hide_in_ui")) or data.get("enabled") is False,
        )

    @property
    def visible(self) -> bool:
        """Return whether a person could mean this player (available, not hidden)."""
        return self.available and not self.hidden
