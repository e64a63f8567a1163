"""Player slots: one per Music Assistant player, and which Echo plays which slot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Any

from ..const import FILE_SLOTS, PAIRING_WINDOW, SAVE_DELAY, PlayerActivity
from ..exceptions import StorageError
from ..models.slot import SCHEMA_SLOTS_FILE, PlayerSlot, capped, new_token
from ..state.json_store import JsonStore
from .stream_urls import player_of_stream

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

DEFAULT_SLOT = ""


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push changed: a new stream, or only metadata."""

    slot: PlayerSlot
    new_stream: bool


class SlotRegistry:
    """Own every slot and device pairing; persist them shortly after each change."""

    def __init__(self, core: BridgeCore, clock: Callable[[], float] = time.time) -> None:
        """Bind the registry to the core and its data directory."""
        self._core = core
        self._clock = clock
        self._store = JsonStore(core.data_dir / FILE_SLOTS, SCHEMA_SLOTS_FILE)
        self._slots: dict[str, PlayerSlot] = {}
        self._devices: dict[str, str] = {}
        self._save_pending = False

    async def setup(self) -> None:
        """Load slots and pairings from the data directory."""
        await self._store.load()
        self._slots = {
            entry["key"]: PlayerSlot.from_dict(entry) for entry in self._store.data["slots"]
        }
        self._devices = dict(self._store.data["devices"])
        _LOGGER.debug("Loaded %d slots and %d pairings", len(self._slots), len(self._devices))

    async def close(self) -> None:
        """Write pending changes before the bridge stops."""
        await self.flush()

    @property
    def slots(self) -> dict[str, PlayerSlot]:
        """Return the slots by player id (read-only use)."""
        return self._slots

    @property
    def devices(self) -> dict[str, str]:
        """Return Alexa device id -> player id pairings (read-only use)."""
        return self._devices

    def get(self, player_id: str | None) -> PlayerSlot | None:
        """Return the slot for a player id, or the default slot for None."""
        return self._slots.get(player_id or DEFAULT_SLOT)

    def latest(self) -> PlayerSlot | None:
        """Return the slot whose stream was pushed most recently."""
        return max(self._slots.values(), key=lambda slot: slot.pushed_at, default=None)

    def route(self, player_id: str | None, stream_url: str) -> str:
        """Return the slot a push belongs to, following how each MA version calls.

        `playerId` wins (newest MA). Without it, a stream some slot already holds is that
        slot's metadata update (the newest MA re-posts it without `playerId`); otherwise the
        player id in MA's stream URL names the slot (older MA never sends `playerId`).
        """
        if player_id:
            return player_id
        holders = [slot for slot in self._slots.values() if slot.stream_url == stream_url]
        if holders:
            return max(holders, key=lambda slot: slot.pushed_at).key
        return player_of_stream(stream_url) or DEFAULT_SLOT

    def push(self, key: str, payload: dict[str, Any], *, page_handoff: bool = False) -> PushResult:
        """Store a push in a routed slot; the same stream URL only refreshes the metadata."""
        now = self._clock()
        slot = self._slots.get(key)
        new_stream = slot is None or slot.stream_url != payload["streamUrl"]
        if slot is None:
            slot = PlayerSlot(key=key, stream_url=payload["streamUrl"])
            self._slots[key] = slot
        elif new_stream:
            slot.stream_url = payload["streamUrl"]
            slot.relay_token = new_token()
        if new_stream:
            slot.pushed_at = now
            slot.answered_by = None
            slot.offset_ms = 0
            slot.play_failures = 0
            slot.activity = PlayerActivity.IDLE
            slot.page_handoff = page_handoff
            # Late events about the previous stream must not land on the new one.
            slot.audio_token = None
        slot.title = capped(payload.get("title"))
        slot.artist = capped(payload.get("artist"))
        slot.album = capped(payload.get("album"))
        image_url = payload.get("imageUrl")
        if image_url != slot.image_url:
            slot.image_token = new_token() if image_url else None
        slot.image_url = image_url
        slot.updated_at = now
        self.schedule_save()
        return PushResult(slot=slot, new_stream=new_stream)

    def set_pairing(self, device_id: str, player_id: str | None) -> None:
        """Pair an Echo with a player by hand, or forget its pairing (None)."""
        if player_id is None:
            self._devices.pop(device_id, None)
        else:
            self._devices[device_id] = player_id
        self.schedule_save()

    def paired_slot(self, device_id: str) -> PlayerSlot | None:
        """Return the slot an Echo is paired with, without pairing anything."""
        key = self._devices.get(device_id)
        return self._slots.get(key) if key is not None else None

    def slot_for_device(self, device_id: str) -> PlayerSlot | None:
        """Pick the slot an Echo plays, pairing it when the choice is unambiguous."""
        paired = self._devices.get(device_id)
        if paired is not None and paired in self._slots:
            slot = self._slots[paired]
            if slot.answered_by is None:
                # Its own Echo answered this push: it no longer waits for a device to pair.
                slot.answered_by = device_id
                self.schedule_save()
            return slot
        now = self._clock()
        pending = [
            slot
            for slot in self._slots.values()
            if slot.answered_by is None and now - slot.pushed_at <= PAIRING_WINDOW
        ]
        if len(pending) == 1:
            slot = pending[0]
            self._devices[device_id] = slot.key
            slot.answered_by = device_id
            self.schedule_save()
            _LOGGER.info("Paired an Echo with player %r", slot.key or "(default)")
            return slot
        return self.latest()

    def by_relay_token(self, token: str) -> PlayerSlot | None:
        """Return the slot whose current stream has this relay token."""
        return next((s for s in self._slots.values() if s.relay_token == token), None)

    def by_image_token(self, token: str) -> PlayerSlot | None:
        """Return the slot whose current art has this relay token."""
        return next((s for s in self._slots.values() if s.image_token == token), None)

    def by_audio_token(self, token: str | None) -> PlayerSlot | None:
        """Return the slot that issued this Alexa AudioPlayer token."""
        if not token:
            return None
        return next((s for s in self._slots.values() if s.audio_token == token), None)

    def start_play(self, slot: PlayerSlot) -> str:
        """Issue a fresh Alexa token for a play of this slot."""
        slot.audio_token = f"{slot.relay_token[:8]}-{new_token()}"
        slot.updated_at = self._clock()
        self.schedule_save()
        return slot.audio_token

    def record(self, slot: PlayerSlot, activity: PlayerActivity, offset_ms: int | None) -> None:
        """Remember what Alexa reported for this slot's playback."""
        slot.activity = activity
        if offset_ms is not None and offset_ms >= 0:
            slot.offset_ms = offset_ms
        slot.updated_at = self._clock()
        self.schedule_save()

    def schedule_save(self) -> None:
        """Write the state file soon, coalescing bursts of changes into one write."""
        if self._save_pending:
            return
        self._save_pending = True
        self._core.create_task(self._save_later(), name="slots-save")

    async def _save_later(self) -> None:
        """Wait a moment, then write."""
        await asyncio.sleep(SAVE_DELAY)
        await self.flush()

    async def flush(self) -> None:
        """Write the slots and pairings now."""
        self._save_pending = False
        self._store.data["slots"] = [slot.to_dict() for slot in self._slots.values()]
        self._store.data["devices"] = dict(self._devices)
        try:
            await self._store.save()
        except StorageError as err:
            _LOGGER.error("%s (state is kept in memory)", err)
