"""Whether Music Assistant reaches the bridge, which provider generation it is, its pushes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol

from ..const import FILE_MA_LINK
from ..exceptions import StorageError
from ..panel.activity import ActivityKind
from ..state.json_store import JsonStore
from .generations import RANK, Generation, newest, of_push

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

ATTR_INTENTS_AT: Final = "intents_at"
ATTR_GENERATION: Final = "generation"
ATTR_FIRST_CALL_AT: Final = "first_call_at"
SCHEMA_LINK_FILE = vol.Schema(
    {
        vol.Optional(ATTR_INTENTS_AT): vol.Any(None, vol.Coerce(float)),
        vol.Optional(ATTR_GENERATION): vol.Any(None, vol.In([g.value for g in Generation])),
        vol.Optional(ATTR_FIRST_CALL_AT): vol.Any(None, vol.Coerce(float)),
    },
    extra=vol.REMOVE_EXTRA,
)


class LinkState(StrEnum):
    """How far Music Assistant's Alexa provider has got with this bridge."""

    NOT_REACHED = "not_reached"  # no call yet: its api_url points elsewhere (or MA is off)
    OLD_PROVIDER = "old_provider"  # pushes arrive, /alexa/intents never asked (G1-G3)
    CONNECTED = "connected"  # the provider loaded against this bridge (/alexa/intents)


@dataclass(frozen=True, slots=True)
class PlayerPush:
    """The last push for one player: when, whether it was a new stream, and its title."""

    player_id: str
    at: float
    new_stream: bool
    title: str | None


@dataclass(frozen=True, slots=True)
class PushAnswer:
    """What `/ma/push-url` answers (pageLive only when the bridge keeps screens open)."""

    player_id: str | None
    new_stream: bool
    page_live: bool | None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON body MA reads."""
        body: dict[str, Any] = {
            "status": "ok",
            "playerId": self.player_id,
            "newStream": self.new_stream,
        }
        if self.page_live is not None:
            body["pageLive"] = self.page_live
        return body


class MusicAssistantLink:
    """Take MA's calls into the slots and remember what they say about MA."""

    def __init__(self, core: BridgeCore, clock: Callable[[], float] = time.time) -> None:
        """Bind to the core (slots, screens, activity) and the data directory."""
        self._core = core
        self._clock = clock
        self._store = JsonStore(core.data_dir / FILE_MA_LINK, SCHEMA_LINK_FILE)
        self._pushes: dict[str, PlayerPush] = {}

    async def setup(self) -> None:
        """Load what earlier runs learnt (the provider calls /alexa/intents only on load)."""
        await self._store.load()

    @property
    def intents_at(self) -> float | None:
        """Return when the provider last loaded against this bridge."""
        value = self._store.data.get(ATTR_INTENTS_AT)
        return float(value) if value is not None else None

    @property
    def generation(self) -> Generation | None:
        """Return the newest generation MA's calls showed since its provider last loaded."""
        value = self._store.data.get(ATTR_GENERATION)
        return Generation(value) if value else None

    @property
    def state(self) -> LinkState:
        """Return how far MA has got (see LinkState)."""
        if self.intents_at is not None:
            return LinkState.CONNECTED
        if self._store.data.get(ATTR_FIRST_CALL_AT) is not None:
            return LinkState.OLD_PROVIDER
        return LinkState.NOT_REACHED

    @property
    def needs_api_url(self) -> bool:
        """Return whether to tell the user to point the provider's api_url at this bridge."""
        return self.state is LinkState.NOT_REACHED

    def pushes(self) -> list[PlayerPush]:
        """Return the last push per player, newest first (slots fill in after a restart)."""
        known = dict(self._pushes)
        for slot in self._core.slots.slots.values():
            if slot.key not in known and slot.pushed_at:
                known[slot.key] = PlayerPush(
                    slot.key, slot.pushed_at, new_stream=True, title=slot.title
                )
        return sorted(known.values(), key=lambda push: push.at, reverse=True)

    async def intents_asked(self) -> None:
        """Record that the provider loaded (G4 and newer ask for the phrases then)."""
        data = self._store.data
        first = data.get(ATTR_INTENTS_AT) is None
        data[ATTR_INTENTS_AT] = self._clock()
        data.setdefault(ATTR_FIRST_CALL_AT, data[ATTR_INTENTS_AT])
        generation = newest(self.generation, Generation.G4_G5)
        data[ATTR_GENERATION] = generation.value if generation else None
        if first:
            _LOGGER.info("Music Assistant's Alexa provider reached the bridge")
        await self._save()

    async def push(self, body: Mapping[str, Any]) -> PushAnswer:
        """Store a push in the right slot; a push without a stream changes nothing."""
        await self._learn(body)
        screens_on = self._core.options.enable_apl
        stream_url = body.get("streamUrl")
        if stream_url is None:
            # G4 refreshes metadata before anything played; MA logs any error status.
            _LOGGER.debug("Music Assistant pushed metadata without a stream; nothing to do")
            return PushAnswer(
                body.get("playerId"), new_stream=False, page_live=False if screens_on else None
            )
        slots = self._core.slots
        key = slots.route(body.get("playerId"), stream_url)
        # Only a push that lets MA skip its spoken trigger may go to the page: else MA
        # speaks as well and the Echo would get the stream twice.
        live = (
            screens_on
            and body.get("canSkipSpeech") is True
            and self._core.screens.live_page(key) is not None
        )
        result = slots.push(key, dict(body), page_handoff=live)
        self._pushes[key] = PlayerPush(key, self._clock(), result.new_stream, result.slot.title)
        self._core.activity.record(
            ActivityKind.PUSH,
            "new stream" if result.new_stream else "metadata",
            "ok",
            device=key or None,
        )
        _LOGGER.info(
            "Music Assistant pushed %s for player %r",
            "a new stream" if result.new_stream else "metadata",
            key or "(default)",
        )
        return PushAnswer(key or None, result.new_stream, live if screens_on else None)

    async def _learn(self, body: Mapping[str, Any]) -> None:
        """Remember the first call and the newest generation the push shape shows."""
        data = self._store.data
        seen = of_push(body)
        known = self.generation
        changed = data.get(ATTR_FIRST_CALL_AT) is None
        data.setdefault(ATTR_FIRST_CALL_AT, self._clock())
        if known is None or RANK[seen] > RANK[known]:
            data[ATTR_GENERATION] = seen.value
            changed = True
        if changed:
            await self._save()

    async def _save(self) -> None:
        """Write the file; a failure keeps the state in memory."""
        try:
            await self._store.save()
        except StorageError as err:
            _LOGGER.error("%s (state is kept in memory)", err)
