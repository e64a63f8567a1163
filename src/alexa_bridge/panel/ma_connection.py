"""The "Connect Music Assistant" step: what MA's Alexa provider needs, and whether it calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..const import DEFAULT_MA_URL
from ..music_assistant.generations import DESCRIPTION, NEEDS_API_URL_CHANGE, Generation
from ..music_assistant.link import LinkState, PlayerPush
from ..music_assistant.provider import ProviderCheck, ProviderOutcome

if TYPE_CHECKING:
    from ..core import BridgeCore

# Music Assistant's add-on under the Supervisor: host network, web and API port 8095.
MA_ADDON_SLUG = "d5369777_music_assistant"
# Outcomes after which the one-click fix makes sense (MA answered, settings differ).
FIXABLE = frozenset({ProviderOutcome.POINTS_ELSEWHERE, ProviderOutcome.NOT_SAVED})


@dataclass(frozen=True, slots=True)
class MaConnectionView:
    """Everything the step shows."""

    api_url: str
    api_username: str | None
    api_password_set: bool
    state: LinkState
    generation: Generation | None
    generation_text: str | None
    old_default_port: bool
    ma_url: str
    ma_url_from_option: bool
    ma_url_default: bool
    token_set: bool
    token_from_option: bool
    supervised: bool
    check: ProviderCheck | None
    can_fix: bool
    players: tuple[PlayerPush, ...]


def _fixable(core: BridgeCore, check: ProviderCheck) -> bool:
    """Return whether the fix may help: the URL differs, or MA never got through."""
    if check.outcome in FIXABLE:
        return True
    # MA's secret reads back masked: with the right URL, calls that never arrive may
    # still be refused for their credentials.
    return (
        check.outcome is ProviderOutcome.POINTS_HERE
        and core.options.api_auth_enabled
        and core.ma_link.state is LinkState.NOT_REACHED
    )


def ma_connection_view(core: BridgeCore) -> MaConnectionView:
    """Collect the step's state from live components (no network calls)."""
    link = core.ma_link
    options = core.options
    check = core.ma_provider.last
    generation = link.generation
    return MaConnectionView(
        api_url=core.ma_api_url,
        api_username=options.api_username if options.api_auth_enabled else None,
        api_password_set=options.api_auth_enabled,
        state=link.state,
        generation=generation,
        generation_text=DESCRIPTION[generation] if generation else None,
        old_default_port=generation in NEEDS_API_URL_CHANGE,
        ma_url=core.ma_url,
        ma_url_from_option=options.ma_url != DEFAULT_MA_URL,
        ma_url_default=core.ma_url == DEFAULT_MA_URL,
        token_set=core.ma_token is not None,
        token_from_option=options.ma_token is not None,
        supervised=core.supervised,
        check=check,
        can_fix=core.ma_token is not None and check is not None and _fixable(core, check),
        players=tuple(link.pushes()),
    )
