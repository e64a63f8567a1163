"""Music Assistant's calls, in every provider version's shape, with and without Basic auth."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp
import pytest

import alexa_bridge
from alexa_bridge.const import SKILL_LOCALES

from .conftest import BridgeFactory
from .harness import RunningBridge


def basic(user: str, password: str) -> dict[str, str]:
    """Build the Authorization header MA sends."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


STREAM = "http://192.168.1.10:8097/flow/session/kitchen/1.mp3"
FULL_PUSH = {
    "streamUrl": STREAM,
    "title": "Blue in Green",
    "artist": "Miles Davis",
    "album": "Kind of Blue",
    "imageUrl": "http://192.168.1.10:8095/imageproxy?path=abc",
    "playerId": "Kitchen Echo",
    "canSkipSpeech": True,
}


async def test_oldest_shape_only_stream_url(bridge: RunningBridge) -> None:
    """The oldest MA sends only streamUrl; the queue id in its path names the player."""
    status, body = await bridge.push({"streamUrl": STREAM})
    assert (status, body["status"], body["playerId"]) == (200, "ok", "kitchen")
    assert "pageLive" not in body  # screens are off: MA must not think a page is open
    slot = bridge.core.slots.get("kitchen")
    assert slot is not None
    assert slot.stream_url == STREAM
    assert bridge.core.slots.get(None) is None


async def test_newest_shape_goes_to_player_slot(bridge: RunningBridge) -> None:
    """A push with playerId fills that player's slot with all metadata."""
    status, body = await bridge.push(FULL_PUSH)
    assert status == 200
    assert body["playerId"] == "Kitchen Echo"
    slot = bridge.core.slots.get("Kitchen Echo")
    assert slot is not None
    assert (slot.title, slot.artist, slot.album) == ("Blue in Green", "Miles Davis", "Kind of Blue")
    assert slot.subtitle == "Miles Davis - Kind of Blue"
    assert slot.image_token is not None
    assert bridge.core.slots.get(None) is None


async def test_null_fields_are_accepted(bridge: RunningBridge) -> None:
    """MA sends null for unknown metadata; that is not an error."""
    payload = {**FULL_PUSH, "title": None, "artist": None, "imageUrl": None, "playerId": None}
    status, _ = await bridge.push(payload)
    assert status == 200
    slot = bridge.core.slots.get("kitchen")
    assert slot is not None
    assert slot.title is None
    assert slot.image_token is None


async def test_same_stream_only_updates_metadata(bridge: RunningBridge) -> None:
    """Re-pushing the flow stream with a new track keeps the relay token (no restart)."""
    await bridge.push(FULL_PUSH)
    first = bridge.core.slots.get("Kitchen Echo")
    assert first is not None
    token = first.relay_token
    status, body = await bridge.push({**FULL_PUSH, "title": "All Blues"})
    assert status == 200
    assert body["newStream"] is False
    slot = bridge.core.slots.get("Kitchen Echo")
    assert slot is not None
    assert slot.relay_token == token
    assert slot.title == "All Blues"


async def test_new_stream_replaces_token(bridge: RunningBridge) -> None:
    """A different streamUrl is a new stream with a new relay token."""
    await bridge.push(FULL_PUSH)
    slot = bridge.core.slots.get("Kitchen Echo")
    assert slot is not None
    old = slot.relay_token
    _, body = await bridge.push({**FULL_PUSH, "streamUrl": STREAM.replace("1.mp3", "2.mp3")})
    assert body["newStream"] is True
    assert slot.relay_token != old


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        pytest.param({"streamUrl": ""}, "streamUrl", id="empty"),
        pytest.param({"streamUrl": "   "}, "streamUrl", id="blank"),
        pytest.param({"streamUrl": "ftp://x/y.mp3"}, "http", id="not-http"),
        pytest.param({"streamUrl": "/flow/relative.mp3"}, "http", id="relative"),
        pytest.param({"streamUrl": 42}, "streamUrl", id="number"),
        pytest.param({"streamUrl": STREAM, "title": 5}, "title", id="title-number"),
        pytest.param({"streamUrl": STREAM, "playerId": ["x"]}, "playerId", id="player-list"),
        pytest.param({"streamUrl": STREAM, "imageUrl": "file:///etc/passwd"}, "imageUrl", id="img"),
    ],
)
async def test_bad_push_is_400_with_error(
    bridge: RunningBridge, payload: dict[str, object], fragment: str
) -> None:
    """A bad push is refused with a JSON error naming the field, and stores nothing."""
    status, body = await bridge.push(payload)
    assert status == 400
    assert fragment in body["error"]
    assert bridge.core.slots.slots == {}


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1,2]", b'"string"', b"", b"\xff\xfe", b"{" * 5000],
    ids=["text", "array", "string", "empty", "bad-utf8", "deep"],
)
async def test_malformed_body_is_400(bridge: RunningBridge, raw: bytes) -> None:
    """A body that is not a JSON object is refused with a JSON error."""
    async with bridge.client.post(f"{bridge.ma}/ma/push-url", data=raw) as resp:
        assert resp.status == 400
        assert "error" in await resp.json()


async def test_huge_body_is_413(bridge: RunningBridge) -> None:
    """A push larger than any MA would send is refused before it is parsed."""
    payload = {**FULL_PUSH, "title": "x" * 200_000}
    async with bridge.client.post(f"{bridge.ma}/ma/push-url", json=payload) as resp:
        assert resp.status == 413
    assert bridge.core.slots.slots == {}


async def test_latest_url_default_and_per_player(bridge: RunningBridge) -> None:
    """/ma/latest-url answers 404 first, then the newest push or a player's push."""
    async with bridge.client.get(f"{bridge.ma}/ma/latest-url") as resp:
        assert resp.status == 404
        assert "error" in await resp.json()
    await bridge.push(FULL_PUSH)
    await bridge.push({"streamUrl": STREAM.replace("kitchen", "bedroom"), "playerId": "Bedroom"})
    async with bridge.client.get(f"{bridge.ma}/ma/latest-url") as resp:
        assert (await resp.json())["playerId"] == "Bedroom"
    params = {"playerId": "Kitchen Echo"}
    async with bridge.client.get(f"{bridge.ma}/ma/latest-url", params=params) as resp:
        body = await resp.json()
        assert body["streamUrl"] == STREAM
        assert body["title"] == "Blue in Green"
    async with bridge.client.get(f"{bridge.ma}/ma/latest-url", params={"playerId": "Nope"}) as resp:
        assert resp.status == 404


async def test_control_reports_no_live_page(bridge: RunningBridge) -> None:
    """Without a screen page MA is told pageLive false, so it speaks its commands."""
    url = f"{bridge.ma}/ma/control"
    payload = {"playerId": "Kitchen Echo", "command": "pause"}
    async with bridge.client.post(url, json=payload) as resp:
        assert resp.status == 200
        assert await resp.json() == {"pageLive": False}
    async with bridge.client.post(url, json={"command": "explode"}) as resp:
        assert resp.status == 400


async def test_intents_follow_configured_locale(bridge_factory: BridgeFactory) -> None:
    """/alexa/intents gives MA the phrases of the configured locale."""
    bridge = await bridge_factory(locale="de-DE")
    async with bridge.client.get(f"{bridge.ma}/alexa/intents") as resp:
        body = await resp.json()
    assert body["locale"] == "de-DE"
    assert body["invocationName"] == "sag music assistant"
    intents = {item["intent"]: item["utterances"] for item in body["intents"]}
    for name in ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent"):
        assert intents[name], name


@pytest.mark.parametrize("locale", SKILL_LOCALES)
async def test_intents_every_locale_has_pause_resume_stop(
    bridge: RunningBridge, locale: str
) -> None:
    """Every locale gives MA a first utterance for pause, resume and stop."""
    async with bridge.client.get(f"{bridge.ma}/alexa/intents", params={"locale": locale}) as resp:
        body = await resp.json()
    assert body["locale"] == locale
    firsts = {item["intent"]: item["utterances"][0] for item in body["intents"]}
    assert {"AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent"} <= set(firsts)


async def test_health_on_every_listener(bridge: RunningBridge) -> None:
    """/health answers on all three listeners with the same stored instance id."""
    answers = []
    for base in (bridge.ma, bridge.public, bridge.panel):
        async with bridge.client.get(f"{base}/health") as resp:
            assert resp.status == 200
            answers.append(await resp.json())
    assert {a["instance"] for a in answers} == {bridge.core.settings.instance_id}
    assert all(a["status"] == "ok" and a["version"] for a in answers)


@pytest.fixture(name="auth_bridge")
async def auth_bridge_fixture(bridge_factory: BridgeFactory) -> RunningBridge:
    """Start a bridge that requires Basic credentials from MA."""
    return await bridge_factory(api_username="ma", api_password="s3cret pass")


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        pytest.param(None, 401, id="none"),
        pytest.param(basic("ma", "wrong"), 401, id="wrong-password"),
        pytest.param(basic("other", "s3cret pass"), 401, id="wrong-user"),
        pytest.param(basic("ma", "s3cret pass"), 200, id="right"),
    ],
)
async def test_basic_auth_when_configured(
    auth_bridge: RunningBridge, auth: dict[str, str] | None, status: int
) -> None:
    """With credentials set, every MA call needs them; wrong ones store nothing."""
    got, body = await auth_bridge.push({"streamUrl": STREAM}, headers=auth)
    assert got == status
    if status == 401:
        assert "error" in body
        assert auth_bridge.core.slots.slots == {}
    async with auth_bridge.client.get(f"{auth_bridge.ma}/alexa/intents", headers=auth) as resp:
        assert resp.status == status


async def test_basic_auth_garbage_header(auth_bridge: RunningBridge) -> None:
    """A malformed Authorization header is a 401 with a challenge, not a crash."""
    headers = {"Authorization": "Basic !!!notbase64"}
    async with auth_bridge.client.get(f"{auth_bridge.ma}/ma/latest-url", headers=headers) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic")


async def test_health_needs_no_credentials(auth_bridge: RunningBridge) -> None:
    """Health checks work without credentials (Docker's HEALTHCHECK has none)."""
    async with auth_bridge.client.get(f"{auth_bridge.ma}/health") as resp:
        assert resp.status == 200


async def test_credentials_ignored_when_not_configured(bridge: RunningBridge) -> None:
    """MA may send Basic credentials (even empty ones) to a bridge that needs none."""
    status, _ = await bridge.push({"streamUrl": STREAM}, headers=basic("", ""))
    assert status == 200


async def test_push_survives_restart(bridge_factory: BridgeFactory, tmp_path) -> None:
    """Slots are on disk (0600) and back after a restart."""
    data_dir = tmp_path / "restart"
    first = await bridge_factory(data_dir=data_dir)
    await first.push(FULL_PUSH)
    token = first.core.slots.get("Kitchen Echo").relay_token
    await first.bridge.stop()
    state = data_dir / "slots.json"
    assert state.stat().st_mode & 0o777 == 0o600
    assert json.loads(state.read_text())["slots"][0]["key"] == "Kitchen Echo"
    second = await bridge_factory(data_dir=data_dir)
    slot = second.core.slots.get("Kitchen Echo")
    assert slot is not None
    assert slot.relay_token == token
    assert slot.title == "Blue in Green"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"streamUrl": None, "title": "Next", "artist": "A"}, id="null"),
        pytest.param({"title": "Next"}, id="missing"),
    ],
)
async def test_push_without_stream_is_a_no_op(
    bridge: RunningBridge, payload: dict[str, object]
) -> None:
    """MA refreshes metadata before anything played with streamUrl null: 200, nothing stored."""
    await bridge.push(FULL_PUSH)
    slot = bridge.core.slots.get("Kitchen Echo")
    assert slot is not None
    before = slot.to_dict()
    status, body = await bridge.push(payload)
    assert (status, body["status"], body["newStream"]) == (200, "ok", False)
    assert slot.to_dict() == before
    assert set(bridge.core.slots.slots) == {"Kitchen Echo"}


async def test_double_slash_paths_are_served(auth_bridge: RunningBridge) -> None:
    """An api_url ending in "/" makes MA call //ma/push-url: served the same, auth still checked."""
    base = auth_bridge.ma
    async with auth_bridge.client.post(f"{base}//ma/push-url", json={"streamUrl": STREAM}) as resp:
        assert resp.status == 401
    assert auth_bridge.core.slots.slots == {}
    headers = basic("ma", "s3cret pass")
    url = f"{base}//ma/push-url"
    async with auth_bridge.client.post(url, json={"streamUrl": STREAM}, headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.json())["playerId"] == "kitchen"
    async with auth_bridge.client.get(f"{base}//alexa/intents", headers=headers) as resp:
        assert resp.status == 200
        assert "intents" in await resp.json()
    async with auth_bridge.client.get(f"{base}//ma/push-url", headers=headers) as resp:
        assert resp.status == 405
    async with auth_bridge.client.get(f"{base}//ma/nothing", headers=headers) as resp:
        assert resp.status == 404
        assert "error" in await resp.json()


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
async def test_non_ascii_password_in_either_encoding(
    bridge_factory: BridgeFactory, encoding: str
) -> None:
    """MA's aiohttp encodes Basic credentials as Latin-1; UTF-8 clients work too."""
    bridge = await bridge_factory(api_username="mä", api_password="Passwört")
    raw = "mä:Passwört".encode(encoding)
    headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    status, _ = await bridge.push({"streamUrl": STREAM}, headers=headers)
    assert status == 200
    wrong = "mä:Passwort".encode(encoding)
    headers = {"Authorization": "Basic " + base64.b64encode(wrong).decode()}
    status, _ = await bridge.push({"streamUrl": STREAM}, headers=headers)
    assert status == 401


async def test_aiohttp_basic_auth_as_music_assistant_sends_it(
    bridge_factory: BridgeFactory,
) -> None:
    """The header MA's aiohttp.BasicAuth (Latin-1 by default) builds for a non-ASCII password."""
    bridge = await bridge_factory(api_username="ma", api_password="Passwört")
    header = aiohttp.encode_basic_auth("ma", "Passwört", encoding="latin1")
    assert base64.b64decode(header.split()[1]) == "ma:Passwört".encode("latin-1")
    async with bridge.client.post(
        f"{bridge.ma}/ma/push-url", json={"streamUrl": STREAM}, headers={"Authorization": header}
    ) as resp:
        assert resp.status == 200


# Amazon's "ask <skill> to <utterance>" launch phrase per language ({} is the invocation name).
ASK_FORMS = {
    "en": "ask {} to",
    "de": "sag {}",
    "es": "pídele a {} que",
    "fr": "demande à {} de",
    "it": "chiedi a {} di",
    "nl": "vraag {} om",
    "pt": "peça ao {} para",
}
MODEL_FILES = Path(alexa_bridge.__file__).parent / "translations" / "skill"


@pytest.mark.parametrize("locale", SKILL_LOCALES)
async def test_spoken_pause_resume_stop_reach_their_intents(
    bridge: RunningBridge, locale: str
) -> None:
    """MA speaks invocationName + " " + utterances[0]; the locale's model maps it to the intent."""
    async with bridge.client.get(f"{bridge.ma}/alexa/intents", params={"locale": locale}) as resp:
        answer = await resp.json()
    model = json.loads((MODEL_FILES / f"{locale}.json").read_text("utf-8"))
    invocation = model["invocationName"]
    prefix = ASK_FORMS[locale.split("-", maxsplit=1)[0]].format(invocation)
    samples = {item["name"]: item.get("samples", []) for item in model["intents"]}
    spoken = {item["intent"]: item["utterances"][0] for item in answer["intents"]}
    for intent in ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent"):
        phrase = f"{answer['invocationName']} {spoken[intent]}"
        assert phrase.startswith(f"{prefix} "), (locale, phrase)
        assert phrase[len(prefix) + 1 :] in samples[intent], (locale, intent, phrase)
