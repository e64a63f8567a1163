"""Music Assistant's side of the bridge: which provider version calls, and its settings."""

from __future__ import annotations

from .generations import Generation
from .link import LinkState, MusicAssistantLink, PushAnswer
from .provider import ProviderCheck, ProviderFix, ProviderSettings

__all__ = [
    "Generation",
    "LinkState",
    "MusicAssistantLink",
    "ProviderCheck",
    "ProviderFix",
    "ProviderSettings",
    "PushAnswer",
]
