"""Which Music Assistant player a stream URL is for, in every form MA's streams controller uses.

Forms (MA's stream server, port 8097; `fmt` may carry `;codec=...` parameters):
- `/{flow|single}/{session_id}/{queue_id}/{queue_item_id}/{player_id}.{fmt}` (2026-02 and newer)
- `/{flow|single}/{session_id}/{queue_id}/{queue_item_id}.{fmt}` (2025-06 .. 2026-02)
- `/{flow|single}/{queue_id}/{queue_item_id}.{fmt}` (2024)
For a player's own queue the queue id is the player id (the Echo's name for Alexa players).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import unquote, urlsplit

STREAM_KINDS: Final = frozenset({"flow", "single"})


def player_of_stream(url: str) -> str | None:
    """Return the player (or queue) id named in an MA stream URL; None for other URLs."""
    parts = [unquote(part) for part in urlsplit(url).path.split("/")[1:]]
    if not parts or parts[0] not in STREAM_KINDS:
        return None
    match len(parts):
        case 5:
            player = parts[4].rpartition(".")[0]
        case 4:
            player = parts[2]
        case 3:
            player = parts[1]
        case _:
            return None
    return player.strip() or None
