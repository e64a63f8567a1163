"""The six generations of MA's `alexa` provider, told apart by the calls they make.

G1 (2025-06) and G2 (2025-07 .. 11) push `{streamUrl}` only and default to
`http://localhost:3000`; G3 (2025-12 .. 2026-02) adds title, artist, album and imageUrl;
G4 and G5 (2026-02, setup flow) default to `http://localhost:5000`, call `GET /alexa/intents`
when the provider loads and re-post the same stream on every track change (G4 also with
`streamUrl: null`); G6 (open screen, newest) adds `playerId` and `canSkipSpeech` to a new
stream's push but re-posts metadata without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

METADATA_KEYS: Final = frozenset({"title", "artist", "album", "imageUrl"})


class Generation(StrEnum):
    """A provider generation, or a span of them the calls cannot tell apart."""

    G1_G2 = "G1-G2"
    G3 = "G3"
    G4_G5 = "G4-G5"
    G6 = "G6"


RANK: Final = {Generation.G1_G2: 1, Generation.G3: 3, Generation.G4_G5: 4, Generation.G6: 6}
# What each generation is, in Music Assistant's own release terms (shown to users).
DESCRIPTION: Final = {
    Generation.G1_G2: "Alexa provider from June to November 2025 (stream URL only)",
    Generation.G3: "Alexa provider from December 2025 to mid-February 2026 (with metadata)",
    Generation.G4_G5: "Alexa provider from late February 2026 (API URL default port 5000)",
    Generation.G6: "newest Alexa provider (player ids and screen pages)",
}
# Versions whose provider default is http://localhost:3000: they need api_url changed.
NEEDS_API_URL_CHANGE: Final = frozenset({Generation.G1_G2, Generation.G3})


def of_push(body: Mapping[str, Any]) -> Generation:
    """Return the oldest generation that could have sent this push body."""
    if "playerId" in body or "canSkipSpeech" in body:
        return Generation.G6
    if body.get("streamUrl") is None:
        return Generation.G4_G5  # only G4+ refresh metadata before anything played
    if METADATA_KEYS & body.keys():
        return Generation.G3
    return Generation.G1_G2


def newest(*generations: Generation | None) -> Generation | None:
    """Return the newest of the given generations (None when none is known)."""
    known = [gen for gen in generations if gen is not None]
    return max(known, key=RANK.__getitem__, default=None)
