"""Echo screens: the APL page, its rate-limited refresh, its buttons and MA's /ma/control."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
import itertools
from typing import Any

import pytest

from alexa_bridge.alexa import apl
from alexa_bridge.playback.screens import LIVE_WINDOW, REFRESH_PERIOD, PageCommand, ScreenPages

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.ma_websocket import BEDROOM, KITCHEN, TOKEN, FakeMusicAssistant
from .harness import PUBLIC_URL, RunningBridge

SHOW = "amzn1.ask.device.KITCHENSHOW"
DOT = "amzn1.ask.device.BEDROOMDOT"
SPEECH_KEYS = ("outputSpeech", "reprompt", "card")
# APL versions Amazon documents; the page must declare one of them.
APL_VERSIONS = {"1.4", "1.5", "1.6", "1.7", "1.8", "2022.1", "2022.2", "2023.1", "2023.2"}


def flow(player: str, n: int = 1) -> str:
    """Return a flow stream URL as MA pushes it for a player."""
    return f"http://192.168.1.10:8097/flow/session{n}/{player.replace(' ', '_')}/x.mp3"


def track(player: str, title: str, n: int = 1) -> dict[str, Any]:
    """Return a push with full metadata for a player, as the newest MA sends a new stream."""
    return {
        "streamUrl": flow(player, n),
        "playerId": player,
        "canSkipSpeech": True,
        "title": title,
        "artist": f"{title} Artist",
        "album": f"{title} Album",
        "imageUrl": f"http://192.168.1.10:8095/imageproxy?path={title.replace(' ', '_')}",
    }


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def directives(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an answer's directives (none for an empty answer)."""
    found: list[dict[str, Any]] = answer["response"].get("directives", [])
    return found


def kinds(answer: dict[str, Any]) -> list[str]:
    """Return the types of an answer's directives."""
    return [directive["type"] for directive in directives(answer)]


def only(answer: dict[str, Any], kind: str) -> dict[str, Any]:
    """Return the one directive of a type in an answer."""
    (found,) = [directive for directive in directives(answer) if directive["type"] == kind]
    return found


def assert_silent(answer: dict[str, Any]) -> None:
    """Check an answer says nothing, shows no card and does not open the microphone."""
    assert not set(SPEECH_KEYS) & set(answer["response"]), answer
    assert answer["response"].get("shouldEndSession") is not False


def set_values(answer: dict[str, Any]) -> dict[str, str]:
    """Return property -> value of the SetValue commands of an update."""
    update = only(answer, "Alexa.Presentation.APL.ExecuteCommands")
    return {command["property"]: command["value"] for command in update["commands"]}


@dataclass
class Home:
    """A bridge with pages on, a paired Echo Show with its page shown, and the page clock."""

    bridge: RunningBridge
    clock: Clock
    render: dict[str, Any]

    @property
    def token(self) -> str:
        """Return the page's presentation token."""
        return str(self.render["token"])

    @property
    def revision(self) -> str:
        """Return the fingerprint of what the page was rendered with."""
        return str(self.render["datasources"][apl.DATASOURCE]["revision"])

    async def tick(self, revision: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Send the page's refresh tick; return the answer."""
        status, answer = await self.bridge.skill(
            alexa.tick(revision or self.revision, token=self.token, device_id=SHOW, **kwargs)
        )
        assert status == 200
        assert_silent(answer)
        return dict(answer)

    async def control(self, command: str, player: str = KITCHEN) -> Any:
        """POST /ma/control as newer MA does."""
        body = {"playerId": player, "command": command, "canSkipSpeech": True}
        async with self.bridge.client.post(f"{self.bridge.ma}/ma/control", json=body) as resp:
            assert resp.status == 200
            return await resp.json()


async def start_home(bridge: RunningBridge) -> Home:
    """Hand-move the page clock, push for the kitchen and start its Show by voice."""
    clock = Clock()
    bridge.core.screens._clock = clock
    await bridge.push(track(KITCHEN, "First Song"))
    status, answer = await bridge.skill(
        alexa.launch(device_id=SHOW, interfaces=alexa.APL_INTERFACES)
    )
    assert status == 200
    assert bridge.core.slots.devices == {SHOW: KITCHEN}
    return Home(bridge, clock, only(answer, "Alexa.Presentation.APL.RenderDocument"))


@pytest.fixture(name="home")
async def home_fixture(bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant) -> Home:
    """Start a bridge with enable_apl on and the kitchen's Echo Show showing the page."""
    bridge = await bridge_factory(enable_apl=True, ma_url=music_assistant.url, ma_token=TOKEN)
    return await start_home(bridge)


async def test_show_gets_play_and_page(home: Home) -> None:
    """The voice answer plays the stream and renders cover (via the relay), title, artist, album."""
    slot = home.bridge.core.slots.get(KITCHEN)
    assert slot is not None
    assert home.token == apl.page_token(SHOW)
    shown = home.render["datasources"][apl.DATASOURCE]
    assert shown["art"] == f"{PUBLIC_URL}/image/{slot.image_token}"
    assert (shown["title"], shown["artist"], shown["album"]) == (
        "First Song",
        "First Song Artist",
        "First Song Album",
    )
    assert "192.168." not in str(home.render)  # the LAN image URL never reaches Amazon


@pytest.mark.parametrize("kind", ["launch", "PlayAudio"])
async def test_both_voice_starts_render(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistant, kind: str
) -> None:
    """LaunchRequest and the PlayAudio intent both answer Play plus the page, without speech."""
    bridge = await bridge_factory(enable_apl=True, ma_url=music_assistant.url, ma_token=TOKEN)
    await bridge.push(track(KITCHEN, "Song"))
    body = (
        alexa.launch(device_id=SHOW, interfaces=alexa.APL_INTERFACES)
        if kind == "launch"
        else alexa.intent("PlayAudio", device_id=SHOW, interfaces=alexa.APL_INTERFACES)
    )
    _, answer = await bridge.skill(body)
    assert kinds(answer) == ["AudioPlayer.Play", "Alexa.Presentation.APL.RenderDocument"]
    assert answer["response"]["shouldEndSession"] is True
    assert "outputSpeech" not in answer["response"]


async def test_screens_without_apl_get_metadata_only(home: Home) -> None:
    """An Echo without APL gets the Play directive with its metadata and no page."""
    await home.bridge.push(track(BEDROOM, "Other Song"))
    _, answer = await home.bridge.skill(alexa.launch(device_id=DOT))
    assert kinds(answer) == ["AudioPlayer.Play"]
    metadata = only(answer, "AudioPlayer.Play")["audioItem"]["metadata"]
    assert metadata["title"] == "Other Song"
    assert metadata["art"]["sources"][0]["url"].startswith(f"{PUBLIC_URL}/image/")


async def test_option_off_renders_nothing(bridge_factory: BridgeFactory) -> None:
    """With enable_apl off an Echo Show gets only Play, and page events are answered empty."""
    bridge = await bridge_factory()
    await bridge.push(track(KITCHEN, "Song"))
    _, answer = await bridge.skill(alexa.launch(device_id=SHOW, interfaces=alexa.APL_INTERFACES))
    assert kinds(answer) == ["AudioPlayer.Play"]
    token = apl.page_token(SHOW)
    _, answer = await bridge.skill(alexa.tick("old", token=token, device_id=SHOW))
    assert answer["response"] == {}
    _, pushed = await bridge.push(track(KITCHEN, "Song"))
    assert "pageLive" not in pushed  # only a skill that keeps its screen open answers it


def _components(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Walk a component tree."""
    yield item
    for child in item.get("items", []):
        yield from _components(child)
    if "item" in item:
        yield from _components(item["item"])


def _commands(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Return every command a component tree runs on presses and ticks."""
    for component in _components(item):
        yield from component.get("onPress", [])
        for handler in component.get("handleTick", []):
            yield from handler["commands"]


def test_document_structure() -> None:
    """The document is valid APL and every id an update or event refers to exists."""
    now = apl.NowPlaying("T", "A", "B", f"{PUBLIC_URL}/image/x")
    render = apl.render("tok", now)
    document = render["document"]
    assert document["type"] == "APL"
    assert document["version"] in APL_VERSIONS
    template = document["mainTemplate"]
    assert template["parameters"] == list(render["datasources"])
    (root,) = template["items"]
    components = list(_components(root))
    ids = [component["id"] for component in components if "id" in component]
    assert len(ids) == len(set(ids))
    by_id = {component["id"]: component for component in components if "id" in component}
    update = apl.update("tok", now)
    assert update["token"] == render["token"]
    for command in update["commands"]:
        assert command["type"] == "SetValue"
        target = by_id[command["componentId"]]
        assert command["property"] in {bind["name"] for bind in target["bind"]}
    sent = [command["arguments"][0] for command in _commands(root)]
    assert sorted(sent) == sorted(
        [apl.EVENT_PREVIOUS, apl.EVENT_PLAYPAUSE, apl.EVENT_NEXT, apl.EVENT_REFRESH]
    )
    (tick,) = root["handleTick"]
    assert tick["minimumDelay"] >= REFRESH_PERIOD * 1000
    assert set(render["datasources"][apl.DATASOURCE]) == {bind["name"] for bind in root["bind"]}


async def test_new_metadata_then_tick_updates(home: Home) -> None:
    """MA pushes the next track's metadata; the page's next tick gets a SetValue update."""
    home.clock.advance(REFRESH_PERIOD)
    status, pushed = await home.bridge.push(track(KITCHEN, "Second Song"))
    assert (status, pushed["newStream"], pushed["pageLive"]) == (200, False, True)
    answer = await home.tick()
    assert kinds(answer) == ["Alexa.Presentation.APL.ExecuteCommands"]
    assert only(answer, "Alexa.Presentation.APL.ExecuteCommands")["token"] == home.token
    values = set_values(answer)
    assert values["title"] == "Second Song"
    assert values["album"] == "Second Song Album"
    assert values["revision"] != home.revision
    assert "shouldEndSession" not in answer["response"]


async def test_tick_without_news_is_empty(home: Home) -> None:
    """A tick from a page that already shows the current metadata gets an empty answer."""
    for _ in range(3):
        home.clock.advance(REFRESH_PERIOD)
        assert (await home.tick())["response"] == {}


async def test_burst_of_ticks_gets_one_update_per_period(home: Home) -> None:
    """Ticks every 0.5 s (a device ignoring the updates) get at most one update per 5 s."""
    await home.bridge.push(track(KITCHEN, "Second Song"))
    updated_at = []
    for _ in range(40):  # 20 s
        home.clock.advance(0.5)
        if kinds(await home.tick()):
            updated_at.append(home.clock.now)
    assert len(updated_at) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(updated_at)]
    assert all(gap >= REFRESH_PERIOD for gap in gaps)


async def test_update_waits_for_the_period(home: Home) -> None:
    """Metadata pushed right after the render reaches the page at the first tick 5 s on."""
    await home.bridge.push(track(KITCHEN, "Second Song"))
    home.clock.advance(REFRESH_PERIOD - 1)
    assert (await home.tick())["response"] == {}
    home.clock.advance(1)
    answer = await home.tick()
    assert set_values(answer)["title"] == "Second Song"
    home.clock.advance(REFRESH_PERIOD)
    assert (await home.tick(set_values(answer)["revision"]))["response"] == {}


async def test_screen_gone_is_not_live(home: Home) -> None:
    """Ticks keep the page live; once they stop, push and /ma/control say pageLive false."""
    for _ in range(6):
        home.clock.advance(REFRESH_PERIOD)
        await home.tick()
    _, pushed = await home.bridge.push(track(KITCHEN, "First Song"))
    assert pushed["pageLive"] is True
    home.clock.advance(LIVE_WINDOW + 0.1)
    _, pushed = await home.bridge.push(track(KITCHEN, "First Song"))
    assert pushed["pageLive"] is False
    assert await home.control("pause") == {"pageLive": False}


async def test_other_players_page_is_not_live(home: Home) -> None:
    """A live page on the kitchen's Show says nothing about the bedroom player."""
    _, pushed = await home.bridge.push(track(BEDROOM, "Other"))
    assert pushed["pageLive"] is False
    assert await home.control("pause", player=BEDROOM) == {"pageLive": False}


async def test_control_pause_and_resume_reach_the_echo_silently(
    home: Home, music_assistant: FakeMusicAssistant
) -> None:
    """MA's pause is queued and the next tick stops the Echo; resume plays from that offset."""
    assert await home.control("pause") == {"pageLive": True}
    slot = home.bridge.core.slots.get(KITCHEN)
    assert slot is not None
    assert slot.audio_token is not None
    playing = alexa.player_context(slot.audio_token, 61_000)
    home.clock.advance(1)
    answer = await home.tick(player=playing)
    assert kinds(answer) == ["AudioPlayer.Stop"]
    home.clock.advance(1)
    assert (await home.tick())["response"] == {}  # delivered once
    assert await home.control("resume") == {"pageLive": True}
    home.clock.advance(1)
    answer = await home.tick(player=alexa.player_context(slot.audio_token, 61_000, "STOPPED"))
    stream = only(answer, "AudioPlayer.Play")["audioItem"]["stream"]
    assert stream["offsetInMilliseconds"] == 61_000
    await asyncio.sleep(0.3)
    assert music_assistant.commands == []  # MA's own commands are not echoed back to it


async def test_new_stream_on_live_page_plays_at_next_tick(home: Home) -> None:
    """With the page live MA skips its spoken trigger, so the next tick starts the new stream."""
    status, pushed = await home.bridge.push(track(KITCHEN, "New Album", n=2))
    assert (status, pushed["newStream"], pushed["pageLive"]) == (200, True, True)
    home.clock.advance(REFRESH_PERIOD)
    answer = await home.tick()
    slot = home.bridge.core.slots.get(KITCHEN)
    assert slot is not None
    play = only(answer, "AudioPlayer.Play")
    assert play["audioItem"]["stream"]["url"] == f"{PUBLIC_URL}/stream/{slot.relay_token}.mp3"
    assert set_values(answer)["title"] == "New Album"
    home.clock.advance(REFRESH_PERIOD)
    assert "AudioPlayer.Play" not in kinds(await home.tick(set_values(answer)["revision"]))


@pytest.mark.parametrize(
    ("event", "command"),
    [(apl.EVENT_NEXT, "players/cmd/next"), (apl.EVENT_PREVIOUS, "players/cmd/previous")],
)
async def test_page_buttons_reach_ma(
    home: Home, music_assistant: FakeMusicAssistant, event: str, command: str
) -> None:
    """The page's next and previous buttons run on the paired MA player, answered silently."""
    status, answer = await home.bridge.skill(
        alexa.user_event(event, token=home.token, source_id=event, device_id=SHOW)
    )
    assert status == 200
    assert answer["response"] == {}
    assert music_assistant.sent(command) == [{"player_id": KITCHEN}]


async def test_playpause_button_stops_and_resumes(
    home: Home, music_assistant: FakeMusicAssistant
) -> None:
    """Play/pause stops a playing Echo (reported to MA) and plays a stopped one again."""
    slot = home.bridge.core.slots.get(KITCHEN)
    assert slot is not None
    assert slot.audio_token is not None
    press = alexa.user_event(
        apl.EVENT_PLAYPAUSE,
        token=home.token,
        source_id=apl.EVENT_PLAYPAUSE,
        device_id=SHOW,
        player=alexa.player_context(slot.audio_token, 5_000),
    )
    _, answer = await home.bridge.skill(press)
    assert_silent(answer)
    assert kinds(answer) == ["AudioPlayer.Stop"]
    await asyncio.sleep(0.3)
    assert music_assistant.sent("players/cmd/pause") == [{"player_id": KITCHEN}]
    press["context"]["AudioPlayer"]["playerActivity"] = "STOPPED"
    press["request"]["requestId"] += "-again"
    _, answer = await home.bridge.skill(press)
    assert_silent(answer)
    assert only(answer, "AudioPlayer.Play")["audioItem"]["stream"]["offsetInMilliseconds"] == 5_000


def test_tracked_pages_are_bounded() -> None:
    """Only the most recently seen pages are kept; older ones are forgotten."""
    clock = Clock()
    pages = ScreenPages(clock, capacity=3)
    for n in range(10):
        clock.advance(1)
        pages.rendered(f"device-{n}", f"player-{n}", "rev", "relay")
    assert len(pages) == 3
    assert pages.get("device-0") is None
    assert pages.live_page("player-9") is not None
    assert not pages.queue("player-0", PageCommand.PAUSE)


async def test_unpaired_page_buttons_stay_silent(
    home: Home, music_assistant: FakeMusicAssistant
) -> None:
    """A page event from an Echo paired with no player is answered empty, never spoken."""
    _, answer = await home.bridge.skill(
        alexa.user_event(apl.EVENT_NEXT, token="other", device_id="amzn1.ask.device.GUEST")
    )
    assert answer["response"] == {}
    assert music_assistant.commands == []


async def test_page_runtime_error_is_logged(home: Home, caplog: pytest.LogCaptureFixture) -> None:
    """An APL RuntimeError from the Echo is logged and answered empty."""
    body = alexa.envelope(
        {
            "type": "Alexa.Presentation.APL.RuntimeError",
            "token": home.token,
            "errors": [{"type": "INVALID_PRESENTATION_TOKEN", "message": "Token mismatch"}],
        },
        device_id=SHOW,
        interfaces=alexa.APL_INTERFACES,
    )
    _, answer = await home.bridge.skill(body)
    assert answer["response"] == {}
    assert any("Token mismatch" in record.getMessage() for record in caplog.records)


async def test_unpaired_page_is_never_live(home: Home) -> None:
    """Ticks from an Echo that plays none of MA's players make no player's page live."""
    guest = "amzn1.ask.device.GUEST"
    await home.bridge.skill(alexa.tick("x", token="other", device_id=guest))
    assert home.bridge.core.screens.get(guest) is None
