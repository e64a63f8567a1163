"""Two Echos, two MA players: pairing, transport back to Music Assistant, no loops."""

from __future__ import annotations

import asyncio
from pathlib import Path
import time
from typing import Any

import pytest

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.ma_websocket import BEDROOM, KITCHEN, TOKEN, FakeMusicAssistant
from .harness import RunningBridge

KITCHEN_ECHO = "amzn1.ask.device.KITCHENECHO"
BEDROOM_ECHO = "amzn1.ask.device.BEDROOMECHO"


def flow(player: str, n: int = 1) -> str:
    """Return a flow stream URL as MA pushes it for a player."""
    return f"http://192.168.1.10:8097/flow/session{n}/{player.replace(' ', '_')}/x.mp3"


def played(answer: dict[str, Any]) -> str:
    """Return the relay URL a Play directive points the Echo at."""
    return answer["response"]["directives"][0]["audioItem"]["stream"]["url"]


def spoken(answer: dict[str, Any]) -> str | None:
    """Return the answer's speech, if any."""
    speech = answer["response"].get("outputSpeech")
    return speech["text"] if speech else None


@pytest.fixture(name="home")
async def home_fixture(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> RunningBridge:
    """Start a bridge that reaches the fake MA with its token, both Echos paired."""
    bridge = await bridge_factory(ma_url=music_assistant.url, ma_token=TOKEN)
    for player, echo in ((KITCHEN, KITCHEN_ECHO), (BEDROOM, BEDROOM_ECHO)):
        await bridge.push({"streamUrl": flow(player), "playerId": player})
        status, _ = await bridge.skill(alexa.launch(device_id=echo))
        assert status == 200
    assert bridge.core.slots.devices == {KITCHEN_ECHO: KITCHEN, BEDROOM_ECHO: BEDROOM}
    return bridge


async def test_simultaneous_pushes_and_launches_play_their_own(home: RunningBridge) -> None:
    """Both players push at once and both Echos ask at once: each plays its own stream."""
    await asyncio.gather(
        home.push({"streamUrl": flow(KITCHEN, 2), "playerId": KITCHEN}),
        home.push({"streamUrl": flow(BEDROOM, 2), "playerId": BEDROOM}),
    )
    (_, kitchen), (_, bedroom) = await asyncio.gather(
        home.skill(alexa.launch(device_id=KITCHEN_ECHO)),
        home.skill(alexa.launch(device_id=BEDROOM_ECHO)),
    )
    slots = home.core.slots
    assert played(kitchen).endswith(f"/{slots.get(KITCHEN).relay_token}.mp3")  # type: ignore[union-attr]
    assert played(bedroom).endswith(f"/{slots.get(BEDROOM).relay_token}.mp3")  # type: ignore[union-attr]


async def test_ambiguous_window_pairs_nothing(bridge: RunningBridge) -> None:
    """Two pending pushes and an unknown Echo: it plays the newest and is not paired."""
    await bridge.push({"streamUrl": flow(KITCHEN), "playerId": KITCHEN})
    await bridge.push({"streamUrl": flow(BEDROOM), "playerId": BEDROOM})
    _, answer = await bridge.skill(alexa.launch(device_id="amzn1.ask.device.GUEST"))
    assert played(answer).endswith(f"/{bridge.core.slots.get(BEDROOM).relay_token}.mp3")  # type: ignore[union-attr]
    assert bridge.core.slots.devices == {}


async def test_pairings_survive_restart(
    home: RunningBridge, bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """After a restart each Echo still plays its own player's stream."""
    data_dir: Path = home.core.data_dir
    await home.bridge.stop()
    again = await bridge_factory(data_dir=data_dir, ma_url=music_assistant.url, ma_token=TOKEN)
    assert again.core.slots.devices == {KITCHEN_ECHO: KITCHEN, BEDROOM_ECHO: BEDROOM}
    _, answer = await again.skill(alexa.launch(device_id=BEDROOM_ECHO))
    assert played(answer).endswith(f"/{again.core.slots.get(BEDROOM).relay_token}.mp3")  # type: ignore[union-attr]


VOICE = [
    ("AMAZON.NextIntent", "players/cmd/next", {"player_id": BEDROOM}),
    ("AMAZON.PreviousIntent", "players/cmd/previous", {"player_id": BEDROOM}),
    ("AMAZON.StartOverIntent", "player_queues/seek", {"queue_id": BEDROOM, "position": 0}),
    (
        "AMAZON.ShuffleOnIntent",
        "player_queues/shuffle",
        {"queue_id": BEDROOM, "shuffle_enabled": True},
    ),
    (
        "AMAZON.ShuffleOffIntent",
        "player_queues/shuffle",
        {"queue_id": BEDROOM, "shuffle_enabled": False},
    ),
    ("AMAZON.LoopOnIntent", "player_queues/repeat", {"queue_id": BEDROOM, "repeat_mode": "all"}),
    ("AMAZON.LoopOffIntent", "player_queues/repeat", {"queue_id": BEDROOM, "repeat_mode": "off"}),
]


@pytest.mark.parametrize(("intent", "command", "args"), VOICE, ids=[v[0] for v in VOICE])
async def test_voice_transport_reaches_ma(
    home: RunningBridge,
    music_assistant: FakeMusicAssistant,
    intent: str,
    command: str,
    args: dict[str, Any],
) -> None:
    """A spoken transport intent runs on the paired MA player, silently (the flow continues)."""
    status, answer = await home.skill(alexa.intent(intent, device_id=BEDROOM_ECHO))
    assert status == 200
    assert music_assistant.sent(command) == [args]
    assert spoken(answer) is None
    assert "directives" not in answer["response"]


@pytest.mark.parametrize(
    ("button", "command"),
    [("NextCommandIssued", "players/cmd/next"), ("PreviousCommandIssued", "players/cmd/previous")],
)
async def test_buttons_reach_ma(
    home: RunningBridge, music_assistant: FakeMusicAssistant, button: str, command: str
) -> None:
    """The Echo's next/previous buttons run on the paired player, answered without speech."""
    status, answer = await home.skill(alexa.controller(button, device_id=KITCHEN_ECHO))
    assert status == 200
    assert music_assistant.sent(command) == [{"player_id": KITCHEN}]
    assert answer["response"] == {}


async def _settled() -> None:
    """Let reports that run after the answer finish."""
    await asyncio.sleep(0.3)


async def test_person_pause_is_reported_once_and_ma_echo_is_not(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """A person's pause reaches MA; MA then speaks "pause" and that echo is not sent back."""
    _, answer = await home.skill(alexa.intent("AMAZON.PauseIntent", device_id=KITCHEN_ECHO))
    assert answer["response"]["directives"] == [{"type": "AudioPlayer.Stop"}]
    await _settled()
    assert music_assistant.sent("players/cmd/pause") == [{"player_id": KITCHEN}]
    # MA's provider now speaks the pause phrase to the Echo: it arrives as a PauseIntent.
    music_assistant.players[KITCHEN] = "playing"  # even if MA had not updated its state yet
    await home.skill(alexa.intent("AMAZON.PauseIntent", device_id=KITCHEN_ECHO))
    await _settled()
    assert music_assistant.sent("players/cmd/pause") == [{"player_id": KITCHEN}]


async def test_ma_triggered_pause_does_not_loop(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """MA paused its player and spoke "pause": the Echo stops, nothing is sent back to MA."""
    music_assistant.players[KITCHEN] = "paused"
    _, answer = await home.skill(alexa.intent("AMAZON.PauseIntent", device_id=KITCHEN_ECHO))
    assert answer["response"]["directives"] == [{"type": "AudioPlayer.Stop"}]
    await _settled()
    music_assistant.players[KITCHEN] = "playing"  # MA resumed and spoke "resume"
    _, answer = await home.skill(alexa.intent("AMAZON.ResumeIntent", device_id=KITCHEN_ECHO))
    assert answer["response"]["directives"][0]["type"] == "AudioPlayer.Play"
    await _settled()
    assert music_assistant.sent("players/cmd/pause") == []
    assert music_assistant.sent("players/cmd/play") == []


async def test_pause_button_is_reported(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """A press of the Echo's pause button shows up in MA too."""
    await home.skill(alexa.controller("PauseCommandIssued", device_id=BEDROOM_ECHO))
    await _settled()
    assert music_assistant.sent("players/cmd/pause") == [{"player_id": BEDROOM}]


async def test_ma_down_is_explained_in_time(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """With MA down, "next" is explained by voice well within 8 s; buttons stay silent."""
    await music_assistant.close()
    started = time.monotonic()
    _, answer = await home.skill(alexa.intent("AMAZON.NextIntent", device_id=KITCHEN_ECHO))
    assert time.monotonic() - started < 8
    assert "can't be reached" in (spoken(answer) or "")
    _, answer = await home.skill(alexa.controller("NextCommandIssued", device_id=KITCHEN_ECHO))
    assert answer["response"] == {}


async def test_unpaired_echo_hears_why(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """An Echo not paired with any MA player is told how to fix it; MA gets nothing."""
    bridge = await bridge_factory(ma_url=music_assistant.url, ma_token=TOKEN)
    _, answer = await bridge.skill(alexa.intent("AMAZON.NextIntent", device_id="amzn1.x"))
    assert "isn't linked" in (spoken(answer) or "")
    assert music_assistant.commands == []


async def test_missing_token_is_explained(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """MA requires a token and none is set: the Echo says where to add one."""
    bridge = await bridge_factory(ma_url=music_assistant.url)
    await bridge.push({"streamUrl": flow(KITCHEN), "playerId": KITCHEN})
    await bridge.skill(alexa.launch(device_id=KITCHEN_ECHO))
    _, answer = await bridge.skill(alexa.intent("AMAZON.NextIntent", device_id=KITCHEN_ECHO))
    assert "access token" in (spoken(answer) or "")
    assert music_assistant.commands == []


async def test_one_connection_for_many_commands(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """Commands share one websocket instead of connecting each time."""
    for _ in range(5):
        await home.skill(alexa.intent("AMAZON.NextIntent", device_id=KITCHEN_ECHO))
    assert len(music_assistant.sent("players/cmd/next")) == 5
    assert music_assistant.connections == 1
