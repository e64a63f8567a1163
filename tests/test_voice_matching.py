"""Matching what Alexa heard: rooms against MA's player names, queries against search results."""

from __future__ import annotations

import pytest

from alexa_bridge.models.music_assistant import MaPlayer, MediaItem, MediaKind, parse_search
from alexa_bridge.playback.rooms import resolve_room
from alexa_bridge.playback.voice import best_match

from .fakes.ma_websocket import media_item


def player(name: str, *, available: bool = True, hidden: bool = False) -> MaPlayer:
    """Return a player as MA lists it."""
    return MaPlayer(name, name, available, "idle", None, hidden)


PLAYERS = [
    player("Kitchen Echo"),
    player("Living Room Sonos"),
    player("Küche"),
    player("Office Left"),
    player("Office Right"),
    player("Garage", available=False),
    player("Attic", hidden=True),
]


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("kitchen echo", "Kitchen Echo"),
        ("kitchen", "Kitchen Echo"),
        ("the kitchen speaker", "Kitchen Echo"),
        ("kichen echo", "Kitchen Echo"),
        ("living room", "Living Room Sonos"),
        ("kuche", "Küche"),
        ("der küche", "Küche"),
    ],
)
def test_a_room_resolves_to_one_player(heard: str, expected: str) -> None:
    """Case, accents, filler words and small mishearings still find the player."""
    match = resolve_room(heard, PLAYERS)
    assert match.player is not None
    assert match.player.name == expected


@pytest.mark.parametrize(
    ("heard", "count"),
    [("office", 2), ("bathroom", 0), ("garage", 0), ("attic", 0)],
)
def test_ambiguous_unknown_and_unavailable_rooms_match_no_player(heard: str, count: int) -> None:
    """Several candidates, or none (unknown, unavailable, hidden): no player is picked."""
    match = resolve_room(heard, PLAYERS)
    assert match.player is None
    assert len(match.players) == count


def _items(*entries: dict[str, object]) -> list[MediaItem]:
    """Parse MA-shaped entries the way the client does."""
    result: dict[str, list[object]] = {"artists": [], "albums": [], "tracks": [], "playlists": []}
    keys = {"artist": "artists", "album": "albums", "track": "tracks", "playlist": "playlists"}
    for entry in entries:
        result[keys[str(entry["media_type"])]].append(entry)
    return parse_search(result, ("artist", "playlist", "album", "track"))


def test_exact_name_beats_type_and_library() -> None:
    """An exact name wins over a partial one, whatever its type or provider."""
    items = _items(
        media_item("artist", "Queen", "1"),
        media_item("track", "Dancing Queen", "2", provider="spotify--x", artists=("ABBA",)),
    )
    chosen = best_match(items, "dancing queen", MediaKind.ANY)
    assert chosen is not None
    assert chosen.uri == "spotify--x://track/2"


def test_library_beats_provider_and_asked_type_beats_others() -> None:
    """Same name: the asked type first, then MA's library before a streaming provider."""
    items = _items(
        media_item("track", "Abba Gold", "9", artists=("ABBA",)),
        media_item("album", "Abba Gold", "7", provider="spotify--x"),
        media_item("album", "Abba Gold", "8"),
    )
    assert best_match(items, "abba gold", MediaKind.ANY).uri == "library://album/8"  # type: ignore[union-attr]
    assert best_match([], "abba", MediaKind.ANY) is None
    [track] = [item for item in items if item.media_type == "track"]
    assert track.artist == "ABBA"
