"""Check what the Echo does for each Alexa request: play, stop, resume, or say why not."""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
from pathlib import Path
from typing import Any

from aiohttp import web
import pytest

from alexa_bridge.const import ALEXA_TOKEN_MAX, PlayerActivity

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..harness import PUBLIC_URL, RunningBridge, stop_bridge

KITCHEN = "amzn1.ask.device.KITCHEN"
LIVING = "amzn1.ask.device.LIVING"
STREAM = "http://192.168.1.10:8097/flow/a.mp3"  # no player in the path: the default slot
AUDIO = b"ID3\x04fake mp3 frames " * 64
ART = b"\xff\xd8\xff\xe0fake jpeg"
SPEECH_KEYS = ("outputSpeech", "reprompt", "card")


@pytest.fixture(name="ma_server")
async def ma_server_fixture() -> AsyncIterator[str]:
    """Serve a stream and an image the way Music Assistant's LAN server does."""

    async def stream(_request: web.Request) -> web.Response:
        """Answer with the audio bytes."""
        return web.Response(body=AUDIO, content_type="audio/mpeg")

    async def image(_request: web.Request) -> web.Response:
        """Answer with the cover art."""
        return web.Response(body=ART, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/flow/{name}", stream)
    app.router.add_get("/imageproxy", image)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def play_of(answer: dict[str, Any]) -> dict[str, Any]:
    """Return the single AudioPlayer.Play directive of an answer."""
    directives: list[dict[str, Any]] = answer["response"]["directives"]
    assert [directive["type"] for directive in directives] == ["AudioPlayer.Play"]
    return directives[0]


def stream_of(answer: dict[str, Any]) -> dict[str, Any]:
    """Return the stream of the Play directive of an answer."""
    stream: dict[str, Any] = play_of(answer)["audioItem"]["stream"]
    return stream


def speech_of(answer: dict[str, Any]) -> str:
    """Return what the Echo says, checking nothing else is in the answer."""
    response = answer["response"]
    assert "directives" not in response
    text: str = response["outputSpeech"]["text"]
    return text


def is_stop(answer: dict[str, Any]) -> bool:
    """Return whether the answer is exactly an AudioPlayer.Stop."""
    directives: list[dict[str, Any]] | None = answer["response"].get("directives")
    return directives == [{"type": "AudioPlayer.Stop"}]


def assert_silent(answer: dict[str, Any]) -> None:
    """Check an answer says nothing and shows nothing."""
    assert not set(SPEECH_KEYS) & set(answer["response"]), answer


async def ask(bridge: RunningBridge, body: dict[str, Any]) -> dict[str, Any]:
    """Send a signed request; it must be answered 200 with a JSON envelope."""
    status, answer = await bridge.skill(body)
    assert status == 200, answer
    assert answer["version"] == "1.0"
    envelope: dict[str, Any] = answer
    return envelope


async def push(bridge: RunningBridge, **payload: Any) -> None:
    """Push a stream (or metadata) as Music Assistant does."""
    status, answer = await bridge.push({"streamUrl": STREAM, **payload})
    assert status == 200, answer


def local(bridge: RunningBridge, public_url: str) -> str:
    """Translate a public relay URL into this test bridge's listener."""
    assert public_url.startswith(PUBLIC_URL)
    return bridge.public + public_url[len(PUBLIC_URL) :]


def texts(bridge: RunningBridge, locale: str = "en-US") -> dict[str, str]:
    """Return the skill's shipped sentences for a locale."""
    return bridge.core.locales.get(locale).speech


# ---- starting playback ------------------------------------------------------------------


async def test_launch_plays_the_push_through_the_relay(
    bridge: RunningBridge, ma_server: str
) -> None:
    """Answer LaunchRequest with Play REPLACE_ALL of the relay URL, metadata and art."""
    await push(
        bridge,
        streamUrl=f"{ma_server}/flow/a.mp3",
        title="Song",
        artist="Artist",
        album="Album",
        imageUrl=f"{ma_server}/imageproxy?path=x",
    )
    answer = await ask(bridge, alexa.launch())
    directive = play_of(answer)
    assert directive["playBehavior"] == "REPLACE_ALL"
    stream = directive["audioItem"]["stream"]
    assert stream["url"].startswith(f"{PUBLIC_URL}/stream/")
    assert stream["url"].endswith(".mp3")
    assert "127.0.0.1" not in stream["url"]
    assert stream["offsetInMilliseconds"] == 0
    assert "expectedPreviousToken" not in stream
    assert 0 < len(stream["token"]) <= ALEXA_TOKEN_MAX
    metadata = directive["audioItem"]["metadata"]
    assert metadata["title"] == "Song"
    assert metadata["subtitle"] == "Artist - Album"
    (art,) = metadata["art"]["sources"]
    assert art["url"].startswith(f"{PUBLIC_URL}/image/")
    assert answer["response"]["shouldEndSession"] is True
    async with bridge.client.get(local(bridge, stream["url"])) as resp:
        assert resp.status == 200
        assert await resp.read() == AUDIO
    async with bridge.client.get(local(bridge, art["url"])) as resp:
        assert resp.status == 200
        assert await resp.read() == ART


async def test_play_audio_intent_plays_like_launch(bridge: RunningBridge) -> None:
    """Answer the PlayAudio intent (MA's spoken trigger) with the same Play."""
    await push(bridge, title="Song", artist="Artist")
    launch = stream_of(await ask(bridge, alexa.launch()))
    answer = await ask(bridge, alexa.intent("PlayAudio"))
    directive = play_of(answer)
    assert directive["playBehavior"] == "REPLACE_ALL"
    assert directive["audioItem"]["stream"]["url"] == launch["url"]
    assert directive["audioItem"]["metadata"] == {"title": "Song", "subtitle": "Artist"}
    assert answer["response"]["shouldEndSession"] is True


async def test_each_play_gets_a_new_token(bridge: RunningBridge) -> None:
    """Issue a fresh Alexa token for every Play, within Alexa's length limit."""
    await push(bridge)
    tokens = [stream_of(await ask(bridge, alexa.launch()))["token"] for _ in range(5)]
    assert len(set(tokens)) == 5
    assert all(len(token) <= ALEXA_TOKEN_MAX for token in tokens)


# ---- pause and resume -------------------------------------------------------------------


async def test_pause_stop_resume_continues_at_the_offset(bridge: RunningBridge) -> None:
    """Pause stops and remembers the offset; PlaybackStopped updates it; Resume plays there."""
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    await ask(bridge, alexa.audio_event("PlaybackStarted", token, 0))
    pause = alexa.intent("AMAZON.PauseIntent", player=alexa.player_context(token, 42_000))
    answer = await ask(bridge, pause)
    assert is_stop(answer)
    assert_silent(answer)
    assert bridge.core.slots.get(None).offset_ms == 42_000  # type: ignore[union-attr]
    assert_silent(await ask(bridge, alexa.audio_event("PlaybackStopped", token, 42_500)))
    slot = bridge.core.slots.get(None)
    assert slot is not None
    assert (slot.activity, slot.offset_ms) == (PlayerActivity.STOPPED, 42_500)
    resume = alexa.intent(
        "AMAZON.ResumeIntent", player=alexa.player_context(token, 42_500, "STOPPED")
    )
    answer = await ask(bridge, resume)
    assert play_of(answer)["playBehavior"] == "REPLACE_ALL"
    stream = stream_of(answer)
    assert stream["offsetInMilliseconds"] == 42_500
    assert stream["token"] != token
    assert answer["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
async def test_stop_and_cancel_stop_playback(bridge: RunningBridge, name: str) -> None:
    """Stop the stream for Stop and Cancel, remembering the offset."""
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    answer = await ask(bridge, alexa.intent(name, player=alexa.player_context(token, 9_000)))
    assert is_stop(answer)
    assert bridge.core.slots.get(None).offset_ms == 9_000  # type: ignore[union-attr]


async def test_echo_buttons_pause_and_play(bridge: RunningBridge) -> None:
    """Stop on the pause button, play from the offset on the play button, silently."""
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    answer = await ask(
        bridge, alexa.controller("PauseCommandIssued", player=alexa.player_context(token, 7_000))
    )
    assert is_stop(answer)
    answer = await ask(
        bridge,
        alexa.controller("PlayCommandIssued", player=alexa.player_context(token, 7_000, "STOPPED")),
    )
    assert stream_of(answer)["offsetInMilliseconds"] == 7_000
    assert_silent(answer)


async def test_restart_keeps_slots_offset_pairing_and_skill_id(
    bridge_factory: BridgeFactory, tmp_path: Path
) -> None:
    """After a restart, Resume continues the same stream at the remembered offset."""
    data_dir = tmp_path / "state"
    first = await bridge_factory(data_dir, skill_id=None)
    await first.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    await push(first, playerId="Kitchen", title="Song")
    play = stream_of(await ask(first, alexa.launch(device_id=KITCHEN)))
    await ask(first, alexa.audio_event("PlaybackStopped", play["token"], 123_000))
    await stop_bridge(first)

    second = await bridge_factory(data_dir, skill_id=None)
    assert second.core.skill_id == alexa.TEST_SKILL_ID
    latest = f"{second.ma}/ma/latest-url?playerId=Kitchen"
    async with second.client.get(latest) as resp:
        assert (await resp.json())["offsetInMilliseconds"] == 123_000
    await push(second, playerId="Living", streamUrl="http://192.168.1.10:8097/flow/l.mp3")
    # The Echo still holds the old token: its events must still reach the Kitchen slot.
    await ask(second, alexa.audio_event("PlaybackStopped", play["token"], 124_000))
    resume = alexa.intent(
        "AMAZON.ResumeIntent",
        device_id=KITCHEN,
        player=alexa.player_context(play["token"], 124_000, "STOPPED"),
    )
    answer = await ask(second, resume)
    stream = stream_of(answer)
    assert stream["url"] == play["url"]
    assert stream["offsetInMilliseconds"] == 124_000
    assert play_of(answer)["audioItem"]["metadata"]["title"] == "Song"
    relaunch = stream_of(await ask(second, alexa.launch(device_id=KITCHEN)))
    assert relaunch["url"] == play["url"]


# ---- requests that must not speak -------------------------------------------------------

AUDIO_PLAYER_EVENTS = [
    "PlaybackStarted",
    "PlaybackFinished",
    "PlaybackStopped",
    "PlaybackNearlyFinished",
    "PlaybackFailed",
]
CONTROLLER_COMMANDS = [
    "PlayCommandIssued",
    "PauseCommandIssued",
    "NextCommandIssued",
    "PreviousCommandIssued",
]
# What Amazon allows as the answer's directives, by request type.
ALLOWED_DIRECTIVES = {
    "AudioPlayer.PlaybackStarted": {"AudioPlayer.Stop", "AudioPlayer.ClearQueue"},
    "AudioPlayer.PlaybackFinished": {"AudioPlayer.Stop", "AudioPlayer.ClearQueue"},
    "AudioPlayer.PlaybackStopped": set(),
}


def _request(kind: str, token: str) -> dict[str, Any]:
    """Build an AudioPlayer event or a PlaybackController command about `token`."""
    if kind in AUDIO_PLAYER_EVENTS:
        return alexa.audio_event(kind, token, 1_000, player=alexa.player_context(token, 1_000))
    return alexa.controller(kind, player=alexa.player_context(token, 1_000))


@pytest.mark.parametrize(
    "situation", ["playing", "unknown-token", "nothing-pushed", "no-public-url"]
)
@pytest.mark.parametrize("kind", AUDIO_PLAYER_EVENTS + CONTROLLER_COMMANDS)
async def test_audio_requests_never_speak(
    bridge_factory: BridgeFactory, kind: str, situation: str
) -> None:
    """Answer AudioPlayer/PlaybackController requests with no speech, card, reprompt or end."""
    bridge = await bridge_factory(public_url=None if situation == "no-public-url" else PUBLIC_URL)
    token = "unknown-token"
    if situation != "nothing-pushed":
        await push(bridge)
        slot = bridge.core.slots.get(None)
        assert slot is not None
        if situation == "no-public-url":
            token = bridge.core.slots.start_play(slot)
        elif situation == "playing":
            token = stream_of(await ask(bridge, alexa.launch()))["token"]
    answer = await ask(bridge, _request(kind, token))
    assert_silent(answer)
    assert "shouldEndSession" not in answer["response"], answer
    types = {directive["type"] for directive in answer["response"].get("directives", [])}
    if situation == "playing" and kind in ("PlayCommandIssued", "PlaybackFailed"):
        assert types == {"AudioPlayer.Play"}  # the rule is checked on a real Play answer
    full_type = ("AudioPlayer." if kind in AUDIO_PLAYER_EVENTS else "PlaybackController.") + kind
    allowed = ALLOWED_DIRECTIVES.get(full_type)
    if allowed is not None:
        assert types <= allowed
    assert all(name.startswith("AudioPlayer.") for name in types)


@pytest.mark.parametrize("kind", ["NextCommandIssued", "PreviousCommandIssued"])
async def test_next_and_previous_buttons_answer_empty(bridge: RunningBridge, kind: str) -> None:
    """Leave playback alone when the Echo's next/previous buttons are pressed."""
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    answer = await ask(bridge, alexa.controller(kind, player=alexa.player_context(token, 5)))
    assert answer["response"] == {}


async def test_failed_stream_is_retried_once_then_stopped(
    bridge: RunningBridge, caplog: pytest.LogCaptureFixture
) -> None:
    """Retry a failed stream once at the same offset, then stop and log Amazon's error."""
    caplog.set_level(logging.WARNING, logger="alexa_bridge")
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    await ask(bridge, alexa.audio_event("PlaybackStopped", token, 3_000))
    retry = await ask(bridge, alexa.audio_event("PlaybackFailed", token, 3_000))
    assert_silent(retry)
    retried = stream_of(retry)
    assert retried["offsetInMilliseconds"] == 3_000
    assert play_of(retry)["playBehavior"] == "REPLACE_ALL"
    gave_up = await ask(bridge, alexa.audio_event("PlaybackFailed", retried["token"], 3_000))
    assert is_stop(gave_up)
    assert_silent(gave_up)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("MEDIA_ERROR_UNKNOWN" in line for line in errors), errors
    # A later play that fails gets its own retry again.
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    await ask(bridge, alexa.audio_event("PlaybackStarted", token, 0))
    again = await ask(bridge, alexa.audio_event("PlaybackFailed", token, 0))
    assert play_of(again)["type"] == "AudioPlayer.Play"


# ---- what the skill says ----------------------------------------------------------------


async def test_help_speaks_and_keeps_the_session_open(bridge: RunningBridge) -> None:
    """Explain the commands and wait for an answer (reprompt, session open)."""
    answer = await ask(bridge, alexa.intent("AMAZON.HelpIntent"))
    response = answer["response"]
    assert response["outputSpeech"]["text"] == texts(bridge)["help"]
    assert response["reprompt"]["outputSpeech"]["text"] == texts(bridge)["help_reprompt"]
    assert response["shouldEndSession"] is False
    assert "directives" not in response


@pytest.mark.parametrize("name", ["AMAZON.FallbackIntent", "SomeUnknownIntent"])
async def test_fallback_says_what_works(bridge: RunningBridge, name: str) -> None:
    """Say what the skill can do when it did not understand, and end the session."""
    answer = await ask(bridge, alexa.intent(name))
    assert speech_of(answer) == texts(bridge)["fallback"]
    assert answer["response"]["shouldEndSession"] is True


async def test_navigate_home_ends_quietly(bridge: RunningBridge) -> None:
    """Answer NavigateHome with nothing, so the Echo simply leaves the skill."""
    await push(bridge)
    answer = await ask(bridge, alexa.intent("AMAZON.NavigateHomeIntent"))
    assert answer["response"] == {}


async def test_session_ended_gets_empty_answer(bridge: RunningBridge) -> None:
    """Answer SessionEndedRequest with an empty response."""
    body = alexa.envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, session=True)
    assert (await ask(bridge, body))["response"] == {}


async def test_exception_encountered_is_logged_and_answered_empty(
    bridge: RunningBridge, caplog: pytest.LogCaptureFixture
) -> None:
    """Answer System.ExceptionEncountered with nothing and log Amazon's error."""
    caplog.set_level(logging.WARNING, logger="alexa_bridge")
    body = alexa.envelope(
        {
            "type": "System.ExceptionEncountered",
            "error": {"type": "INVALID_RESPONSE", "message": "Invalid directive"},
            "cause": {"requestId": "amzn1.echo-api.request.1"},
        }
    )
    assert (await ask(bridge, body))["response"] == {}
    assert any("INVALID_RESPONSE" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param(lambda: alexa.launch(interfaces={}), id="launch"),
        pytest.param(lambda: alexa.intent("PlayAudio", interfaces={}), id="play-audio"),
        pytest.param(lambda: alexa.intent("AMAZON.ResumeIntent", interfaces={}), id="resume"),
        pytest.param(lambda: alexa.intent("AMAZON.PauseIntent", interfaces={}), id="pause"),
    ],
)
async def test_device_without_audio_player_hears_not_supported(
    bridge: RunningBridge, request_body: Any
) -> None:
    """Tell a device without the AudioPlayer interface that it cannot play streams."""
    await push(bridge)
    answer = await ask(bridge, request_body())
    assert speech_of(answer) == texts(bridge)["device_not_supported"]
    assert bridge.core.slots.get(None).audio_token is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param(alexa.launch, id="launch"),
        pytest.param(lambda: alexa.intent("PlayAudio"), id="play-audio"),
        pytest.param(lambda: alexa.intent("AMAZON.ResumeIntent"), id="resume"),
    ],
)
async def test_nothing_pushed_is_explained(bridge: RunningBridge, request_body: Any) -> None:
    """Explain that nothing was pushed yet, with a 200 and no directive."""
    answer = await ask(bridge, request_body())
    assert speech_of(answer) == texts(bridge)["nothing_pushed"]
    assert answer["response"]["shouldEndSession"] is True


async def test_missing_public_url_is_explained(bridge_factory: BridgeFactory) -> None:
    """Explain that setup is unfinished when no public address is configured."""
    bridge = await bridge_factory(public_url=None)
    await push(bridge)
    answer = await ask(bridge, alexa.launch())
    assert speech_of(answer) == texts(bridge)["no_public_address"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("AMAZON.RepeatIntent", "not_available"),
        ("AMAZON.NextIntent", "not_paired"),
        ("AMAZON.PreviousIntent", "not_paired"),
        ("AMAZON.StartOverIntent", "not_paired"),
        ("AMAZON.LoopOnIntent", "not_paired"),
        ("AMAZON.LoopOffIntent", "not_paired"),
        ("AMAZON.ShuffleOnIntent", "not_paired"),
        ("AMAZON.ShuffleOffIntent", "not_paired"),
    ],
)
async def test_track_intents_without_a_player_explain(
    bridge: RunningBridge, name: str, key: str
) -> None:
    """Without a MA player behind the stream, say why; playback itself is untouched."""
    await push(bridge)
    token = stream_of(await ask(bridge, alexa.launch()))["token"]
    answer = await ask(bridge, alexa.intent(name, player=alexa.player_context(token, 10)))
    assert speech_of(answer) == texts(bridge)[key]
    assert bridge.core.slots.get(None).audio_token == token  # type: ignore[union-attr]


@pytest.mark.parametrize(("locale", "language"), [("de-DE", "de-DE"), ("de-AT", "de-DE")])
async def test_speech_follows_the_request_locale(
    bridge: RunningBridge, locale: str, language: str
) -> None:
    """Speak German to a German Echo, falling back by language for unshipped regions."""
    german = texts(bridge, language)
    assert german["nothing_pushed"] != texts(bridge)["nothing_pushed"]
    answer = await ask(bridge, alexa.launch(locale=locale))
    assert speech_of(answer) == german["nothing_pushed"]
    answer = await ask(bridge, alexa.intent("AMAZON.HelpIntent", locale=locale))
    assert answer["response"]["outputSpeech"]["text"] == german["help"]


# ---- which Echo plays which player ------------------------------------------------------


def relay_url(bridge: RunningBridge, player: str) -> str:
    """Return the relay URL Alexa gets for a player's current stream."""
    slot = bridge.core.slots.get(player)
    assert slot is not None
    return f"{PUBLIC_URL}/stream/{slot.relay_token}.mp3"


async def push_for(bridge: RunningBridge, player: str, n: int = 1) -> None:
    """Push a distinct stream for a player."""
    await push(bridge, playerId=player, streamUrl=f"http://192.168.1.10:8097/flow/{player}/{n}.mp3")


async def test_one_pending_push_pairs_the_echo(bridge: RunningBridge) -> None:
    """Pair the Echo that answers the only recent push with that push's player."""
    await push_for(bridge, "Kitchen")
    answer = await ask(bridge, alexa.launch(device_id=KITCHEN))
    assert stream_of(answer)["url"] == relay_url(bridge, "Kitchen")
    assert bridge.core.slots.devices == {KITCHEN: "Kitchen"}


async def test_two_pending_pushes_play_newest_and_pair_nothing(bridge: RunningBridge) -> None:
    """Play the newest push when two wait, without guessing a pairing."""
    await push_for(bridge, "Kitchen")
    await push_for(bridge, "Living")
    answer = await ask(bridge, alexa.launch(device_id=KITCHEN))
    assert stream_of(answer)["url"] == relay_url(bridge, "Living")
    assert bridge.core.slots.devices == {}


async def test_old_push_does_not_pair(bridge: RunningBridge) -> None:
    """Play, but do not pair, when the only push is older than the pairing window."""
    await push_for(bridge, "Kitchen")
    bridge.core.slots.slots["Kitchen"].pushed_at -= 3600
    answer = await ask(bridge, alexa.launch(device_id=KITCHEN))
    assert stream_of(answer)["url"] == relay_url(bridge, "Kitchen")
    assert bridge.core.slots.devices == {}


async def test_paired_echo_keeps_playing_its_own_player(bridge: RunningBridge) -> None:
    """Play each paired Echo's own player, even when another player pushed later."""
    await push_for(bridge, "Kitchen")
    await ask(bridge, alexa.launch(device_id=KITCHEN))
    await push_for(bridge, "Living")
    living = await ask(bridge, alexa.launch(device_id=LIVING))
    assert stream_of(living)["url"] == relay_url(bridge, "Living")
    assert bridge.core.slots.devices == {KITCHEN: "Kitchen", LIVING: "Living"}
    kitchen = await ask(bridge, alexa.launch(device_id=KITCHEN))
    assert stream_of(kitchen)["url"] == relay_url(bridge, "Kitchen")


async def test_paired_echo_answering_a_new_push_lets_others_pair(bridge: RunningBridge) -> None:
    """Count a paired Echo's Play as the answer to its player's new push."""
    await push_for(bridge, "Kitchen", 1)
    await ask(bridge, alexa.launch(device_id=KITCHEN))
    await push_for(bridge, "Kitchen", 2)
    await ask(bridge, alexa.launch(device_id=KITCHEN))
    await push_for(bridge, "Living")
    living = await ask(bridge, alexa.launch(device_id=LIVING))
    assert stream_of(living)["url"] == relay_url(bridge, "Living")
    assert bridge.core.slots.devices == {KITCHEN: "Kitchen", LIVING: "Living"}


async def test_metadata_push_keeps_the_stream_playing(
    bridge: RunningBridge, ma_server: str
) -> None:
    """Keep the relay URL and Alexa token when MA only updates the track metadata."""
    await push(bridge, streamUrl=f"{ma_server}/flow/a.mp3", title="First")
    play = stream_of(await ask(bridge, alexa.launch()))
    await push(bridge, streamUrl=f"{ma_server}/flow/a.mp3", title="Second", artist="B")
    async with bridge.client.get(local(bridge, play["url"])) as resp:
        assert resp.status == 200
        assert await resp.read() == AUDIO
    await ask(bridge, alexa.audio_event("PlaybackStopped", play["token"], 60_000))
    resume = alexa.intent(
        "AMAZON.ResumeIntent", player=alexa.player_context(play["token"], 60_000, "STOPPED")
    )
    answer = await ask(bridge, resume)
    assert stream_of(answer)["url"] == play["url"]
    assert stream_of(answer)["offsetInMilliseconds"] == 60_000
    assert play_of(answer)["audioItem"]["metadata"] == {"title": "Second", "subtitle": "B"}


async def test_late_event_for_old_stream_does_not_touch_new_one(bridge: RunningBridge) -> None:
    """After MA pushes a new stream, a late PlaybackStopped of the old one changes nothing."""
    await bridge.push({"streamUrl": STREAM, "playerId": "Kitchen"})
    _, answer = await bridge.skill(alexa.launch(device_id=KITCHEN))
    old_token = stream_of(answer)["token"]
    await bridge.push({"streamUrl": STREAM.replace("a.mp3", "b.mp3"), "playerId": "Kitchen"})
    await bridge.skill(alexa.audio_event("PlaybackStopped", old_token, 93_000))
    slot = bridge.core.slots.get("Kitchen")
    assert slot is not None
    assert slot.offset_ms == 0
    _, answer = await bridge.skill(alexa.launch(device_id=KITCHEN))
    assert stream_of(answer)["offsetInMilliseconds"] == 0
    assert stream_of(answer)["url"].endswith(f"/stream/{slot.relay_token}.mp3")


async def test_pause_without_known_token_uses_the_pairing(bridge: RunningBridge) -> None:
    """A paired Echo whose token is unknown still gets its offset remembered on Pause."""
    await bridge.push({"streamUrl": STREAM, "playerId": "Kitchen"})
    await bridge.skill(alexa.launch(device_id=KITCHEN))
    player = alexa.player_context("token-from-before-a-reset", 42_000, "PLAYING")
    _, answer = await bridge.skill(
        alexa.intent("AMAZON.PauseIntent", device_id=KITCHEN, player=player)
    )
    assert is_stop(answer)
    slot = bridge.core.slots.get("Kitchen")
    assert slot is not None
    assert (slot.offset_ms, slot.activity) == (42_000, PlayerActivity.STOPPED)
