"""Transport back to Music Assistant: Echo buttons and voice intents become MA commands."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any

from ..clients.exceptions import (
    MusicAssistantAuthError,
    MusicAssistantConnectionError,
    MusicAssistantError,
)

if TYPE_CHECKING:
    from ..clients.music_assistant import MusicAssistantClient

_LOGGER = logging.getLogger(__name__)

# MA speaks "pause"/"resume"/"stop" to the Echo after it is told to; within this window an
# intent that matches what the bridge just sent is MA's echo, not a person.
ECHO_WINDOW = 8.0


class Transport(StrEnum):
    """What a person asked for, by voice or with the Echo's buttons."""

    NEXT = "next"
    PREVIOUS = "previous"
    START_OVER = "start_over"
    SHUFFLE_ON = "shuffle_on"
    SHUFFLE_OFF = "shuffle_off"
    LOOP_ON = "loop_on"
    LOOP_OFF = "loop_off"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class TransportOutcome(StrEnum):
    """How a forwarded command ended, for the answer Alexa gets."""

    DONE = "done"
    SKIPPED = "skipped"
    NOT_PAIRED = "not_paired"
    UNREACHABLE = "unreachable"
    NEEDS_TOKEN = "needs_token"  # noqa: S105 - an outcome name, not a secret
    FAILED = "failed"


def _command(action: Transport, player_id: str) -> tuple[str, dict[str, Any]]:
    """Return Music Assistant's command and arguments for an action on a player."""
    player = {"player_id": player_id}
    queue = {"queue_id": player_id}
    match action:
        case Transport.NEXT:
            return "players/cmd/next", player
        case Transport.PREVIOUS:
            return "players/cmd/previous", player
        case Transport.START_OVER:
            return "player_queues/seek", {**queue, "position": 0}
        case Transport.SHUFFLE_ON | Transport.SHUFFLE_OFF:
            return "player_queues/shuffle", {
                **queue,
                "shuffle_enabled": action == Transport.SHUFFLE_ON,
            }
        case Transport.LOOP_ON | Transport.LOOP_OFF:
            mode = "all" if action == Transport.LOOP_ON else "off"
            return "player_queues/repeat", {**queue, "repeat_mode": mode}
        case Transport.PAUSE:
            return "players/cmd/pause", player
        case Transport.RESUME:
            return "players/cmd/play", player
        case Transport.STOP:
            return "players/cmd/stop", player


# Player states in which a pause/resume/stop report would tell MA nothing new.
ALREADY = {
    Transport.PAUSE: {"paused", "idle"},
    Transport.STOP: {"paused", "idle"},
    Transport.RESUME: {"playing"},
}


class MusicAssistantTransport:
    """Forward transport actions to MA's player; never echo back what MA itself caused."""

    def __init__(
        self, client: MusicAssistantClient, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Keep the websocket client."""
        self._client = client
        self._clock = clock
        self._sent: dict[tuple[str, Transport], float] = {}

    async def send(self, player_id: str | None, action: Transport) -> TransportOutcome:
        """Send an action a person asked for to the player; report how it went."""
        if not player_id:
            return TransportOutcome.NOT_PAIRED
        command, args = _command(action, player_id)
        try:
            await self._client.command(command, **args)
        except MusicAssistantAuthError as err:
            _LOGGER.warning("%s; add a Music Assistant token in the panel", err)
            return TransportOutcome.NEEDS_TOKEN
        except MusicAssistantConnectionError as err:
            _LOGGER.warning("Cannot forward %s to Music Assistant: %s", action, err)
            return TransportOutcome.UNREACHABLE
        except MusicAssistantError as err:
            _LOGGER.warning("Music Assistant refused %s for %r: %s", action, player_id, err)
            return TransportOutcome.FAILED
        self._sent[(player_id, action)] = self._clock()
        _LOGGER.info("Sent %s to Music Assistant player %r", action, player_id)
        return TransportOutcome.DONE

    async def report(self, player_id: str | None, action: Transport) -> TransportOutcome:
        """Tell MA about a pause/resume/stop on the Echo unless MA caused it itself."""
        if not player_id:
            return TransportOutcome.NOT_PAIRED
        sent_at = self._sent.get((player_id, action))
        if sent_at is not None and self._clock() - sent_at < ECHO_WINDOW:
            _LOGGER.debug("%s on %r echoes what the bridge sent; not reported", action, player_id)
            return TransportOutcome.SKIPPED
        try:
            player = await self._client.command("players/get", player_id=player_id)
        except MusicAssistantError as err:
            _LOGGER.debug("Cannot read player %r to report %s: %s", player_id, action, err)
            return TransportOutcome.UNREACHABLE
        state = None
        if isinstance(player, dict):
            state = player.get("playback_state") or player.get("state")
        if state in ALREADY.get(action, set()):
            # MA is already there: it asked the Echo itself (spoken command), so no loop.
            return TransportOutcome.SKIPPED
        return await self.send(player_id, action)
