"""Provisioning teaches Alexa Music Assistant's player names as the rooms of voice requests."""

from __future__ import annotations

import dataclasses

from alexa_bridge.smapi.skill_sync import RunResult

from ..fakes.ma_websocket import TOKEN, FakeMusicAssistant
from .conftest import Dev


def _rooms(dev: Dev, skill_id: str, locale: str) -> list[str]:
    """Return the room values of the model Amazon received for a locale."""
    model = dev.smapi.skills[skill_id].models[locale]["interactionModel"]["languageModel"]
    [room_type] = [t for t in model["types"] if t["name"] == "MA_ROOM"]
    return [value["name"]["value"] for value in room_type["values"]]


async def test_models_carry_mas_player_names_and_keep_them_while_ma_is_down(dev: Dev) -> None:
    """The uploaded rooms are MA's visible players; with MA down a rerun changes nothing."""
    music_assistant = FakeMusicAssistant(
        players={"Kitchen Echo": "idle", "Küche Sonos": "playing", "Office": "idle"}
    )
    await music_assistant.start()
    core = dev.bridge.core
    core.options = dataclasses.replace(core.options, ma_url=music_assistant.url, ma_token=TOKEN)
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    skill_id = result.skill_id or ""
    assert _rooms(dev, skill_id, "en-US") == ["Kitchen Echo", "Küche Sonos", "Office"]
    assert not dev.prov.needs_update()
    await music_assistant.close()
    again = await dev.provision()
    assert isinstance(again, RunResult)
    assert again.uploaded == []
    assert not dev.prov.needs_update()
    assert _rooms(dev, skill_id, "en-US") == ["Kitchen Echo", "Küche Sonos", "Office"]


async def test_without_music_assistant_the_examples_stay(dev: Dev) -> None:
    """No MA reachable at the first run: the locale's example rooms are uploaded."""
    core = dev.bridge.core
    core.options = dataclasses.replace(core.options, ma_url="http://127.0.0.1:9")
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert _rooms(dev, result.skill_id or "", "en-US") == [
        "kitchen",
        "living room",
        "bedroom",
        "office",
    ]
