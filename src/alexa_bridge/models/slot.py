"""A player slot: what one Music Assistant player pushed and how its Echo plays it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
import secrets
from typing import Any

import voluptuous as vol

from ..const import MAX_METADATA_CHARS, RELAY_TOKEN_BYTES, PlayerActivity


def new_token() -> str:
    """Return an unguessable URL-safe token with 128 bits of randomness."""
    return secrets.token_urlsafe(RELAY_TOKEN_BYTES)


def capped(text: str | None) -> str | None:
    """Shorten pushed metadata so no answer to Alexa can outgrow its size limit."""
    if text is None or len(text) <= MAX_METADATA_CHARS:
        return text
    return text[: MAX_METADATA_CHARS - 1] + "\u2026"


@dataclass(slots=True)
class PlayerSlot:
    """State for one Music Assistant player (`key` "" is the default slot)."""

    key: str
    stream_url: str
    relay_token: str = field(default_factory=new_token)
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    image_url: str | None = None
    image_token: str | None = None
    audio_token: str | None = None
    offset_ms: int = 0
    activity: PlayerActivity = PlayerActivity.IDLE
    pushed_at: float = 0.0
    updated_at: float = 0.0
    answered_by: str | None = None
    play_failures: int = 0
    page_handoff: bool = False

    @property
    def subtitle(self) -> str | None:
        """Return "artist - album" the way Alexa shows a second line."""
        parts = [part for part in (self.artist, self.album) if part]
        return " - ".join(parts) or None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy for the state file."""
        data = asdict(self)
        data["activity"] = self.activity.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlayerSlot:
        """Build a slot from a validated state-file entry."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["activity"] = PlayerActivity(values.get("activity", PlayerActivity.IDLE))
        return cls(**values)


_OPT_STR = vol.Any(None, str)
SCHEMA_SLOT = vol.Schema(
    {
        vol.Required("key"): str,
        vol.Required("stream_url"): str,
        vol.Required("relay_token"): str,
        vol.Optional("title"): _OPT_STR,
        vol.Optional("artist"): _OPT_STR,
        vol.Optional("album"): _OPT_STR,
        vol.Optional("image_url"): _OPT_STR,
        vol.Optional("image_token"): _OPT_STR,
        vol.Optional("audio_token"): _OPT_STR,
        vol.Optional("offset_ms", default=0): vol.All(int, vol.Range(min=0)),
        vol.Optional("activity", default=PlayerActivity.IDLE.value): vol.In(
            [activity.value for activity in PlayerActivity]
        ),
        vol.Optional("pushed_at", default=0.0): vol.Coerce(float),
        vol.Optional("updated_at", default=0.0): vol.Coerce(float),
        vol.Optional("answered_by"): _OPT_STR,
        vol.Optional("play_failures", default=0): int,
        vol.Optional("page_handoff", default=False): bool,
    },
    extra=vol.REMOVE_EXTRA,
)

SCHEMA_SLOTS_FILE = vol.Schema(
    {
        vol.Optional("slots", default=list): [SCHEMA_SLOT],
        vol.Optional("devices", default=dict): {str: str},
    },
    extra=vol.REMOVE_EXTRA,
)
