"""Voice: "ask Music Assistant to play ...", here or in another room, and "what's playing"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import time
from typing import Any
from urllib.parse import unquote

import pytest

from alexa_bridge.alexa import apl
from alexa_bridge.playback.screens import REFRESH_PERIOD

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.ma_websocket import TOKEN, FakeMusicAssistant, media_item
from .fakes.music_assistant import FakeMusicAssistant as FakeStreams, flow_bytes
from .harness import RunningBridge
from .test_apl import SHOW, start_home

KITCHEN_ECHO = "amzn1.ask.device.KITCHENECHO"
BEDROOM_ECHO = "amzn1.ask.device.BEDROOMECHO"
GUEST_ECHO = "amzn1.ask.device.GUESTECHO"
KITCHEN = "Kitchen Echo"
BEDROOM = "Bedroom Echo"
SALON = "Salon Sonos"
ALEXA_DEADLINE = 8.0
RELAY_SAMPLE = 64 * 1024

LIBRARY = [
    media_item("artist", "ABBA", "1"),
    media_item("album", "ABBA Gold", "2", artists=("ABBA",)),
    media_item("track", "Dancing Queen", "spot-dq", provider="spotify--x1", artists=("ABBA",)),
    media_item("track", "Dancing Queen", "3", artists=("ABBA",)),
    media_item("track", "Dancing Queen (Live)", "4", artists=("ABBA",)),
    media_item("playlist", "Morning Coffee", "5"),
    media_item("radio", "Jazz FM", "6"),
]


def directives(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the answer's directives."""
    found: list[dict[str, Any]] = answer["response"].get("directives", [])
    return found


def plays(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the answer's AudioPlayer.Play directives."""
    return [d for d in directives(answer) if d["type"] == "AudioPlayer.Play"]


def spoken(answer: dict[str, Any]) -> str | None:
    """Return the answer's speech."""
    speech = answer["response"].get("outputSpeech")
    return speech["text"] if speech else None


@pytest.fixture(name="streams")
async def streams_fixture() -> AsyncIterator[FakeStreams]:
    """Run MA's stream server (endless flow streams)."""
    fake = FakeStreams()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture(name="music_assistant")
async def music_assistant_fixture(streams: FakeStreams) -> AsyncIterator[FakeMusicAssistant]:
    """Run MA's websocket API with a library, two Echos and two other players."""
    fake = FakeMusicAssistant(
        players={
            KITCHEN: "idle",
            BEDROOM: "idle",
            SALON: "idle",
            "Office Left Sonos": "idle",
            "Office Right Sonos": "idle",
        },
        library=list(LIBRARY),
        stream_base=streams.url,
    )
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture(name="home")
async def home_fixture(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant, streams: FakeStreams
) -> RunningBridge:
    """Start a bridge connected to MA; the kitchen Echo is paired with its player."""
    bridge = await bridge_factory(ma_url=music_assistant.url, ma_token=TOKEN)
    music_assistant.bridge_url = bridge.ma
    await bridge.push({"streamUrl": streams.flow_url("old"), "playerId": KITCHEN})
    status, _ = await bridge.skill(alexa.launch(device_id=KITCHEN_ECHO))
    assert status == 200
    assert bridge.core.slots.devices == {KITCHEN_ECHO: KITCHEN}
    return bridge


async def ask(
    bridge: RunningBridge,
    intent: str,
    slots: dict[str, str] | None = None,
    *,
    device_id: str = KITCHEN_ECHO,
    locale: str = "en-US",
    **kwargs: Any,
) -> tuple[dict[str, Any], float]:
    """Say a voice intent to an Echo; return the answer and how long it took."""
    started = time.perf_counter()
    status, answer = await bridge.skill(
        alexa.voice(intent, slots, device_id=device_id, locale=locale, **kwargs)
    )
    elapsed = time.perf_counter() - started
    assert status == 200
    return answer, elapsed


async def relayed(bridge: RunningBridge, play: dict[str, Any]) -> bytes:
    """Fetch the first bytes of the stream a Play points at, through the bridge's relay."""
    url = play["audioItem"]["stream"]["url"].replace(bridge.core.public_url, bridge.public)
    async with bridge.client.get(url) as resp:
        assert resp.status == 200
        return await resp.content.readexactly(RELAY_SAMPLE)


async def test_newest_ma_plays_an_artist_once_on_the_asking_echo(
    home: RunningBridge, music_assistant: FakeMusicAssistant, streams: FakeStreams
) -> None:
    """G6: the answer itself plays MA's new stream; MA is told not to speak its trigger."""
    answer, elapsed = await ask(home, "PlayArtist", {"query": "abba"})
    assert elapsed < ALEXA_DEADLINE
    assert music_assistant.sent("player_queues/play_media") == [
        {
            "queue_id": KITCHEN,
            "media": "library://artist/1",
            "option": "replace",
            "radio_mode": False,
        }
    ]
    assert spoken(answer) == "Playing ABBA."
    [play] = plays(answer)
    assert play["playBehavior"] == "REPLACE_ALL"
    await music_assistant.settle()
    [(body, reply)] = music_assistant.pushes
    assert body["playerId"] == KITCHEN
    assert reply["pageLive"] is True
    assert music_assistant.spoken_triggers == []
    # The Echo gets MA's new stream through the relay, byte for byte.
    assert await relayed(home, play) == flow_bytes(0, RELAY_SAMPLE)
    assert streams.paths[-1] == unquote(body["streamUrl"].removeprefix(streams.url))


async def test_older_ma_speaks_anyway_and_the_launch_it_causes_plays_nothing_new(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """G4 (no playerId): the stream is found by its URL; MA's trigger then restarts nothing."""
    music_assistant.generation = "G4"
    answer, elapsed = await ask(home, "PlayMedia", {"query": "dancing queen"}, locale="de-DE")
    assert elapsed < ALEXA_DEADLINE
    # Exact name first, then MA's library before the streaming provider.
    assert music_assistant.sent("player_queues/play_media")[0]["media"] == "library://track/3"
    assert spoken(answer) == "Ich spiele Dancing Queen von ABBA."
    [play] = plays(answer)
    await music_assistant.settle()
    [(body, _)] = music_assistant.pushes
    assert "playerId" not in body
    assert music_assistant.spoken_triggers == [KITCHEN]
    token = play["audioItem"]["stream"]["token"]
    status, _ = await home.skill(alexa.audio_event("PlaybackStarted", token))
    assert status == 200
    for request in (alexa.launch, lambda **kw: alexa.intent("PlayAudio", **kw)):
        status, again = await home.skill(
            request(
                device_id=KITCHEN_ECHO,
                locale="de-DE",
                player=alexa.player_context(token, 1200, "PLAYING"),
            )
        )
        assert status == 200
        assert plays(again) == []
    # Once the person stopped it, opening the skill plays it again.
    await home.skill(alexa.audio_event("PlaybackStopped", token, 3000))
    status, reopened = await home.skill(alexa.launch(device_id=KITCHEN_ECHO, locale="de-DE"))
    [replay] = plays(reopened)
    # Routed by its stream URL, the voice stream is the kitchen player's: the same relay URL.
    assert replay["audioItem"]["stream"]["url"] == play["audioItem"]["stream"]["url"]


async def test_on_a_room_starts_that_player_and_nothing_on_the_asker(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """Play ... "dans Salon Sonos" starts MA's player there; the asking Echo only speaks."""
    kitchen_before = home.core.slots.get(KITCHEN).relay_token  # type: ignore[union-attr]
    answer, _ = await ask(
        home, "PlayAlbum", {"query": "abba gold", "room": "salon sonos"}, locale="fr-FR"
    )
    assert plays(answer) == []
    assert spoken(answer) == "Je joue ABBA Gold dans Salon Sonos."
    assert music_assistant.sent("player_queues/play_media") == [
        {"queue_id": SALON, "media": "library://album/2", "option": "replace", "radio_mode": False}
    ]
    assert home.core.slots.get(KITCHEN).relay_token == kitchen_before  # type: ignore[union-attr]


async def test_a_device_without_audio_can_start_a_room(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """A device that cannot play streams may still start music in a room, not on itself."""
    answer, _ = await ask(home, "PlayArtist", {"query": "abba", "room": "salon"}, interfaces={})
    assert spoken(answer) == "Playing ABBA in Salon Sonos."
    answer, _ = await ask(home, "PlayArtist", {"query": "abba"}, interfaces={})
    assert spoken(answer) == home.core.locales.get("en-US").speech["device_not_supported"]
    assert len(music_assistant.sent("player_queues/play_media")) == 1


async def test_another_echo_as_the_room_gets_mas_trigger(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """Another Echo named as the room: MA must still speak its trigger there (no pageLive)."""
    answer, _ = await ask(home, "PlayPlaylist", {"query": "morning coffee", "room": "bedroom"})
    assert plays(answer) == []
    assert spoken(answer) == "Playing Morning Coffee in Bedroom Echo."
    await music_assistant.settle()
    [(body, reply)] = music_assistant.pushes
    assert body["playerId"] == BEDROOM
    assert "pageLive" not in reply  # screens are off: the key alone would change MA
    assert music_assistant.spoken_triggers == [BEDROOM]


async def test_radio_mode_and_a_station(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """Play "X radio" asks MA for radio mode; a station named exactly plays as it is."""
    await ask(home, "PlayRadio", {"query": "abba", "room": "salon"}, locale="it-IT")
    await ask(home, "PlayRadio", {"query": "jazz fm", "room": "salon"}, locale="it-IT")
    sent = music_assistant.sent("player_queues/play_media")
    assert [(s["media"], s["radio_mode"]) for s in sent] == [
        ("library://artist/1", True),
        ("library://radio/6", False),
    ]


async def test_whats_playing_here_and_in_a_room(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """The Echo's own slot (pushed metadata), or the named room's player from MA."""
    started, _ = await ask(home, "PlayMedia", {"query": "dancing queen"}, locale="en-GB")
    await music_assistant.settle()
    token = plays(started)[0]["audioItem"]["stream"]["token"]
    await home.skill(alexa.audio_event("PlaybackStarted", token))
    answer, _ = await ask(home, "WhatsPlaying", locale="en-GB")
    assert spoken(answer) == "This is Dancing Queen by ABBA."
    assert answer["response"]["card"] == {
        "type": "Simple",
        "title": "Dancing Queen",
        "content": "ABBA",
    }
    await home.skill(alexa.audio_event("PlaybackStopped", token, 5000))
    answer, _ = await ask(home, "WhatsPlaying", locale="en-GB")
    assert spoken(answer) == "Nothing is playing on this Echo right now."
    await ask(home, "PlayAlbum", {"query": "abba gold", "room": "salon"})
    answer, _ = await ask(home, "WhatsPlaying", {"room": "Salon"}, locale="en-GB")
    assert spoken(answer) == "Salon Sonos is playing ABBA Gold by ABBA."
    answer, _ = await ask(home, "WhatsPlaying", {"room": "bedroom"}, locale="en-GB")
    assert spoken(answer) == "Nothing is playing in Bedroom Echo right now."


async def test_mas_trigger_heard_as_a_search_still_plays_the_push(
    home: RunningBridge, music_assistant: FakeMusicAssistant, streams: FakeStreams
) -> None:
    """MA's "play audio" matched as PlayMedia(query=audio) acts as PlayAudio: no search."""
    await home.push({"streamUrl": streams.flow_url("new"), "playerId": KITCHEN})
    answer, _ = await ask(home, "PlayMedia", {"query": "audio"})
    [play] = plays(answer)
    slot = home.core.slots.get(KITCHEN)
    assert slot is not None
    assert play["audioItem"]["stream"]["url"].endswith(f"/{slot.relay_token}.mp3")
    assert music_assistant.sent("music/search") == []


@pytest.mark.parametrize(
    ("intent", "slots", "locale", "expected"),
    [
        ("PlayMedia", {"query": "zzz top"}, "en-US", "I couldn't find zzz top in"),
        ("PlayMedia", {"query": "abba", "room": "garage"}, "en-US", "I don't know a player called"),
        (
            "PlayMedia",
            {"query": "abba", "room": "office"},
            "en-US",
            "office could be Office Left Sonos or Office Right Sonos. Please say the full name.",
        ),
        ("PlayMedia", {}, "nl-NL", "Wat wil je horen?"),
        ("WhatsPlaying", {"room": "keller"}, "de-DE", "Ich kenne keinen Player namens keller."),
    ],
)  # fmt: skip
async def test_failures_are_spoken_in_time(  # noqa: PLR0917 - parametrized
    home: RunningBridge,
    music_assistant: FakeMusicAssistant,
    intent: str,
    slots: dict[str, str],
    locale: str,
    expected: str,
) -> None:
    """Nothing found, an unknown or ambiguous room, no query: a clear sentence, nothing played."""
    answer, elapsed = await ask(home, intent, slots, locale=locale)
    assert elapsed < ALEXA_DEADLINE
    assert plays(answer) == []
    assert (spoken(answer) or "").startswith(expected)
    assert music_assistant.sent("player_queues/play_media") == []


async def test_an_unpaired_echo_is_told_how_to_pair(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """A new Echo without a room: it hears about Pair all Echos; naming a room still works."""
    answer, _ = await ask(home, "PlayArtist", {"query": "abba"}, device_id=GUEST_ECHO)
    assert "Pair all Echos" in (spoken(answer) or "")
    assert music_assistant.sent("player_queues/play_media") == []
    answer, _ = await ask(
        home, "PlayArtist", {"query": "abba", "room": "salon"}, device_id=GUEST_ECHO
    )
    assert spoken(answer) == "Playing ABBA in Salon Sonos."


async def test_without_a_token_the_panel_is_named(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """MA asks for a token and none is configured: "connect Music Assistant in the panel"."""
    bridge = await bridge_factory(ma_url=music_assistant.url)
    answer, elapsed = await ask(bridge, "PlayMedia", {"query": "abba", "room": "salon"})
    assert elapsed < ALEXA_DEADLINE
    assert "Connect Music Assistant in the Alexa Bridge panel" in (spoken(answer) or "")


async def test_a_wrong_token_names_the_panel(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """MA refuses the token (error 23): the Echo says to connect Music Assistant in the panel."""
    bridge = await bridge_factory(ma_url=music_assistant.url, ma_token="expired-token")
    answer, _ = await ask(bridge, "WhatsPlaying", {"room": "salon"}, locale="pt-BR")
    assert "Conecte o Music Assistant no painel" in (spoken(answer) or "")


async def test_ma_down_or_silent_is_spoken_in_time(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """MA not answering within the deadline, then MA gone: both are said before Alexa gives up."""
    music_assistant.delay = 20.0
    answer, elapsed = await ask(home, "PlayMedia", {"query": "abba"}, locale="es-ES")
    assert elapsed < ALEXA_DEADLINE
    assert spoken(answer) == home.core.locales.get("es-ES").speech["ma_unreachable"]
    await music_assistant.close()
    answer, elapsed = await ask(home, "PlayMedia", {"query": "abba"})
    assert elapsed < ALEXA_DEADLINE
    assert spoken(answer) == home.core.locales.get("en-US").speech["ma_unreachable"]


async def test_a_stream_that_never_comes_is_answered_before_the_deadline(
    home: RunningBridge, music_assistant: FakeMusicAssistant
) -> None:
    """MA accepts but its push does not arrive: the Echo hears MA is starting it, in time."""
    music_assistant.bridge_url = None
    answer, elapsed = await ask(home, "PlayPlaylist", {"query": "morning coffee"})
    assert elapsed < ALEXA_DEADLINE
    assert plays(answer) == []
    assert spoken(answer) == "Music Assistant is starting Morning Coffee."


async def test_activity_shows_voice_requests_redacted(home: RunningBridge) -> None:
    """Each voice request appears with its result, without the query or the device id."""
    await ask(home, "PlayArtist", {"query": "abba"})
    await ask(home, "PlayMedia", {"query": "zzz top"})
    voice = [e for e in home.core.activity.entries if e.kind == "voice"]
    assert [(e.type, e.result, e.ok) for e in voice] == [
        ("voice artist on this Echo", "playing_here", True),
        ("voice any on this Echo", "nothing_found", False),
    ]
    text = repr(home.core.activity.entries)
    assert "abba" not in text.casefold()
    assert "zzz" not in text
    assert KITCHEN_ECHO not in text
    async with home.client.get(f"{home.panel}/activity") as resp:
        page = await resp.text()
    assert "voice artist on this Echo" in page
    assert "nothing_found" in page
    assert '<option value="voice">' in page


async def test_two_echos_ask_at_once(home: RunningBridge, streams: FakeStreams) -> None:
    """Kitchen and bedroom ask at the same moment: each gets its own new stream."""
    await home.push({"streamUrl": streams.flow_url("bed"), "playerId": BEDROOM})
    await home.skill(alexa.launch(device_id=BEDROOM_ECHO))
    (kitchen, _), (bedroom, _) = await asyncio.gather(
        ask(home, "PlayArtist", {"query": "abba"}),
        ask(home, "PlayPlaylist", {"query": "morning coffee"}, device_id=BEDROOM_ECHO),
    )
    slots = home.core.slots
    [k], [b] = plays(kitchen), plays(bedroom)
    assert k["audioItem"]["stream"]["url"].endswith(f"/{slots.get(KITCHEN).relay_token}.mp3")  # type: ignore[union-attr]
    assert b["audioItem"]["stream"]["url"].endswith(f"/{slots.get(BEDROOM).relay_token}.mp3")  # type: ignore[union-attr]
    assert slots.get(BEDROOM).title == "Morning Coffee"  # type: ignore[union-attr]


async def test_a_show_with_a_live_page_gets_the_voice_stream_once(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant
) -> None:
    """Screens on and the page live: the voice answer plays and renders; no tick plays again."""
    bridge = await bridge_factory(enable_apl=True, ma_url=music_assistant.url, ma_token=TOKEN)
    music_assistant.bridge_url = bridge.ma
    home = await start_home(bridge)
    answer, elapsed = await ask(
        bridge, "PlayArtist", {"query": "abba"}, device_id=SHOW, interfaces=alexa.APL_INTERFACES
    )
    assert elapsed < ALEXA_DEADLINE
    assert [d["type"] for d in directives(answer)] == [
        "AudioPlayer.Play",
        "Alexa.Presentation.APL.RenderDocument",
    ]
    await music_assistant.settle()
    [(body, reply)] = music_assistant.pushes
    assert body["canSkipSpeech"] is True
    assert reply["pageLive"] is True
    home.clock.advance(REFRESH_PERIOD)
    [render] = [d for d in directives(answer) if d["type"].endswith("RenderDocument")]
    tick = await home.tick(render["datasources"][apl.DATASOURCE]["revision"])
    assert "AudioPlayer.Play" not in [d["type"] for d in directives(tick)]
