"""First end-to-end check: a pushed stream plays through a verified LaunchRequest."""

from __future__ import annotations

from .fakes import alexa
from .harness import PUBLIC_URL, RunningBridge


async def test_push_then_launch_plays_through_relay(bridge: RunningBridge) -> None:
    """A signed LaunchRequest after a push answers Play with the relay URL."""
    status, _ = await bridge.push(
        {"streamUrl": "http://192.168.1.10:8097/flow/a.mp3", "title": "Song"}
    )
    assert status == 200
    status, answer = await bridge.skill(alexa.launch())
    assert status == 200, answer
    directive = answer["response"]["directives"][0]
    assert directive["type"] == "AudioPlayer.Play"
    assert directive["audioItem"]["stream"]["url"].startswith(f"{PUBLIC_URL}/stream/")
