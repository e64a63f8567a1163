"""Every generation of MA's Alexa provider, replayed against a real bridge with simulated Echos.

Each Echo answers MA's spoken trigger after its own delay (0.5 s or 2 s), plays what the
bridge tells it through the real relay, and the bytes it hears must be its own player's
stream. The newest provider re-posts the stream without playerId about 1 s after every play,
before or after the Echo asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from alexa_bridge.alexa import apl
from alexa_bridge.const import MAX_ANSWER_BYTES

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.ma_provider import (
    EXPECTED_LABEL,
    GENERATIONS,
    REPOST_DELAY,
    FakeAlexaProvider,
    FakeStreamServer,
    stream_bytes,
)
from .harness import PUBLIC_URL, RunningBridge

KITCHEN = "Kitchen Echo"
LIVING = "Living Room"
DEVICES = {KITCHEN: "amzn1.ask.device.KITCHENECHO", LIVING: "amzn1.ask.device.LIVINGROOM"}
HEAR = 4096  # bytes an Echo reads from its stream


def plays_in(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the AudioPlayer.Play directives of an answer."""
    return [d for d in answer["response"].get("directives", []) if d["type"] == "AudioPlayer.Play"]


@dataclass
class Echo:
    """A simulated Echo: hears MA's trigger after a delay, asks the skill, plays the relay."""

    bridge: RunningBridge
    player: str
    delay: float
    interfaces: dict[str, Any] | None = None
    plays: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        """Return the Echo's per-skill device id."""
        return DEVICES[self.player]

    def trigger(self) -> None:
        """MA made the Echo hear "ask music assistant to play audio" (run_custom)."""
        self.tasks.append(asyncio.get_running_loop().create_task(self._answer_trigger()))

    async def _answer_trigger(self) -> None:
        """Ask the skill after the delay, as Alexa sends the spoken request."""
        await asyncio.sleep(self.delay)
        body = alexa.intent("PlayAudio", device_id=self.device_id, interfaces=self.interfaces)
        await self.ask(body)

    async def ask(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send a signed request from this Echo; keep every Play it is told."""
        status, answer = await self.bridge.skill(body)
        assert status == 200, answer
        if body["request"]["type"].startswith(("AudioPlayer.", "PlaybackController.")):
            for key in ("shouldEndSession", "outputSpeech", "card", "reprompt"):
                assert key not in answer["response"], (body["request"]["type"], answer)
        self.plays += plays_in(answer)
        return dict(answer)

    async def settle(self) -> None:
        """Wait until every trigger was answered."""
        await asyncio.gather(*self.tasks)

    async def hear(self, play: dict[str, Any]) -> bytes:
        """Fetch the start of a Play's stream through the bridge's public relay."""
        url = play["audioItem"]["stream"]["url"]
        assert url.startswith(PUBLIC_URL)
        async with self.bridge.client.get(self.bridge.public + url[len(PUBLIC_URL) :]) as resp:
            assert resp.status == 200
            return await resp.content.readexactly(HEAR)


def expected(provider: FakeAlexaProvider, player: str, item: str) -> bytes:
    """Return what MA's stream server sends first for a player's item."""
    return stream_bytes(urlsplit(provider.stream_url(player, item)).path, HEAR)


@pytest.fixture(name="streams")
async def streams_fixture() -> AsyncIterator[FakeStreamServer]:
    """Run MA's stream port."""
    server = FakeStreamServer()
    await server.start()
    yield server
    await server.close()


def provider_for(
    gen: str, bridge: RunningBridge, streams: FakeStreamServer, echos: dict[str, Echo]
) -> FakeAlexaProvider:
    """Make a provider of a generation whose spoken trigger reaches the simulated Echos."""

    async def speak(player: str) -> None:
        """Make the player's Echo hear the trigger (MA does not wait for it)."""
        echos[player].trigger()

    return FakeAlexaProvider(GENERATIONS[gen], bridge.ma, streams, speak)


async def settle(provider: FakeAlexaProvider, *echos: Echo) -> None:
    """Wait for the Echos' requests and the provider's re-posts."""
    await asyncio.gather(provider.settle(), *(echo.settle() for echo in echos))


@pytest.mark.parametrize("delay", [0.5, 2.0], ids=["echo-0.5s", "echo-2s"])
@pytest.mark.parametrize("gen", sorted(GENERATIONS))
async def test_generation_plays_its_player(
    bridge_factory: BridgeFactory, streams: FakeStreamServer, gen: str, delay: float
) -> None:
    """One player: one Play, its own bytes, one slot, metadata updates in place."""
    bridge = await bridge_factory()
    echo = Echo(bridge, KITCHEN, delay)
    provider = provider_for(gen, bridge, streams, {KITCHEN: echo})
    await provider.load()
    await provider.play(KITCHEN, "item1", "First Song")
    await settle(provider, echo)
    assert [call.status for call in provider.calls] == [200] * len(provider.calls)
    (play,) = echo.plays
    assert await echo.hear(play) == expected(provider, KITCHEN, "item1")
    slots = bridge.core.slots
    assert set(slots.slots) == {KITCHEN}  # never a default slot, never a second pending one
    assert slots.devices == {echo.device_id: KITCHEN}
    slot = slots.get(KITCHEN)
    assert slot is not None
    token = slot.relay_token
    pushes = [call for call in provider.calls if call.path == "/ma/push-url"]
    if GENERATIONS[gen].reposts:
        repost = pushes[-1]
        assert repost.body is not None
        assert "playerId" not in repost.body
        assert repost.answer["newStream"] is False
        assert repost.answer["playerId"] == KITCHEN
        await provider.track_change(KITCHEN, "Second Song")
        assert (slot.title, slot.relay_token) == ("Second Song", token)
        assert await echo.hear(play) == expected(provider, KITCHEN, "item1")
    assert all("pageLive" not in (call.answer or {}) for call in pushes)  # screens are off
    link = bridge.core.ma_link
    assert link.generation is not None
    assert link.generation.value == EXPECTED_LABEL[gen]
    assert link.state.value == ("connected" if GENERATIONS[gen].intents_on_load else "old_provider")


@pytest.mark.parametrize("gen", sorted(GENERATIONS))
async def test_two_players_at_once(
    bridge_factory: BridgeFactory, streams: FakeStreamServer, gen: str
) -> None:
    """Two Echos pair one after the other, then both play new streams at once."""
    bridge = await bridge_factory()
    kitchen, living = Echo(bridge, KITCHEN, 2.0), Echo(bridge, LIVING, 0.5)
    provider = provider_for(gen, bridge, streams, {KITCHEN: kitchen, LIVING: living})
    await provider.load()
    for echo in (kitchen, living):
        await provider.play(echo.player, "item1", f"{echo.player} One")
        await settle(provider, echo)
    await provider.play(KITCHEN, "item2", "Kitchen Two")
    await provider.play(LIVING, "item2", "Living Two")
    await settle(provider, kitchen, living)
    assert bridge.core.slots.devices == {kitchen.device_id: KITCHEN, living.device_id: LIVING}
    for echo in (kitchen, living):
        assert len(echo.plays) == 2, echo.player  # one Play per new stream
        assert await echo.hear(echo.plays[-1]) == expected(provider, echo.player, "item2")
    assert set(bridge.core.slots.slots) == {KITCHEN, LIVING}


@pytest.mark.parametrize(
    ("gen", "delay"),
    [("G6", 2.0), ("G5", 0.5), ("G5", 2.0)],
    ids=["canSkipSpeech", "no-canSkipSpeech-0.5s", "no-canSkipSpeech-2s"],
)
async def test_echo_show_with_a_live_page(
    bridge_factory: BridgeFactory, streams: FakeStreamServer, gen: str, delay: float
) -> None:
    """A new stream reaches a Show exactly once: by its page (canSkipSpeech) or by voice."""
    bridge = await bridge_factory(enable_apl=True)
    show = Echo(bridge, KITCHEN, delay, interfaces=alexa.APL_INTERFACES)
    provider = provider_for(gen, bridge, streams, {KITCHEN: show})
    await provider.load()
    first = await provider.play(KITCHEN, "item1", "First Song")
    assert first["pageLive"] is False  # no page shown yet: MA speaks
    await settle(provider, show)
    assert len(show.plays) == 1

    async def tick() -> None:
        """Send the page's refresh tick with what the Echo is playing."""
        token = show.plays[-1]["audioItem"]["stream"]["token"]
        body = alexa.tick(
            "shown",
            token=apl.page_token(show.device_id),
            device_id=show.device_id,
            player=alexa.player_context(token, 1000),
        )
        await show.ask(body)

    await tick()
    answer = await provider.play(KITCHEN, "item2", "Second Song")
    can_skip = GENERATIONS[gen].player_id
    assert answer["pageLive"] is can_skip
    loop = asyncio.get_running_loop()
    until = loop.time() + max(delay, REPOST_DELAY) + 1.0
    while loop.time() < until:  # the page keeps ticking while MA speaks (or not)
        await tick()
        await asyncio.sleep(0.25)
    await settle(provider, show)
    assert provider.spoken == ([KITCHEN] if can_skip else [KITCHEN, KITCHEN])
    assert len(show.plays) == 2  # exactly one Play for the new stream
    assert await show.hear(show.plays[-1]) == expected(provider, KITCHEN, "item2")


@pytest.mark.parametrize("char", ["x", "é", "😀"], ids=["ascii", "latin", "emoji"])
async def test_no_answer_outgrows_alexa_limit(bridge_factory: BridgeFactory, char: str) -> None:
    """The longest metadata MA can push still gives skill answers under 24 KB (Alexa's limit)."""
    bridge = await bridge_factory(enable_apl=True)
    size = 60_000 // (len(char.encode()) * 3)  # as much as fits in the MA API's body limit
    push = {
        "streamUrl": "http://192.168.1.10:8097/flow/s1/Kitchen Echo/i1/Kitchen Echo.mp3",
        "playerId": KITCHEN,
        "title": char * size,
        "artist": char * size,
        "album": char * size,
        "imageUrl": "http://192.168.1.10:8095/imageproxy?path=" + "a" * 2000,
    }
    raw = json.dumps(push, ensure_ascii=False).encode()
    async with bridge.client.post(
        f"{bridge.ma}/ma/push-url", data=raw, headers={"Content-Type": "application/json"}
    ) as resp:
        assert resp.status == 200
    show = DEVICES[KITCHEN]
    sizes = []
    for body in (
        alexa.intent("PlayAudio", device_id=show, interfaces=alexa.APL_INTERFACES),
        alexa.launch(device_id=show, interfaces=alexa.APL_INTERFACES),
    ):
        signed, headers = alexa.sign(body, bridge.leaf, bridge.cert_url)
        async with bridge.client.post(
            f"{bridge.public}/alexa/skill", data=signed, headers=headers
        ) as resp:
            assert resp.status == 200
            answer = await resp.read()
        sizes.append(len(answer))
        kinds = [d["type"] for d in json.loads(answer)["response"]["directives"]]
        assert kinds == ["AudioPlayer.Play", "Alexa.Presentation.APL.RenderDocument"]
    print(f"largest answer with {char!r} metadata: {max(sizes)} bytes")  # noqa: T201
    assert max(sizes) <= MAX_ANSWER_BYTES
