"""Known secrets go through the bridge; no log, no diagnostics and no other file shows them."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
import signal
import stat

import aiohttp
import pytest

from alexa_bridge.const import FILE_DEVELOPER, FILE_SLOTS
from alexa_bridge.helpers.files import write_json_atomic

from ..bridge_process import start_process
from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.amazon import FakeAmazon
from ..harness import RunningBridge

API_PASSWORD = "pw-Known-Secret-8231"
MA_TOKEN = "ma-token-Known-Secret-5120"
LWA_CLIENT_SECRET = "amzn1.oa2-cs.v1.KnownClientSecret0042"
LWA_REFRESH_TOKEN = "Atzr|KnownLwaRefreshToken0042"
ACCESS_TOKEN = "SECRET-ACCESS-TOKEN"  # tests/fakes/alexa.py puts these in every envelope
USER_ID = "amzn1.ask.account.SECRETUSER"
# The secret store: files that hold secrets on purpose (mode 0600), not searched.
SECRET_STORE = {FILE_DEVELOPER, "amazon_account.json", "amazon_classic"}


def _seed_developer(data_dir: Path) -> None:
    """Store developer credentials as provisioning would, before the bridge starts."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_json_atomic(
        data_dir / FILE_DEVELOPER,
        {
            "client_id": "amzn1.application-oa2-client.known",
            "client_secret": LWA_CLIENT_SECRET,
            "refresh_token": LWA_REFRESH_TOKEN,
            "status": "authorized",
        },
    )


def _outside_store(data_dir: Path) -> dict[str, str]:
    """Return every file under the data dir outside the secret store, as text."""
    files = {}
    for path in data_dir.rglob("*"):
        relative = path.relative_to(data_dir)
        if path.is_file() and relative.parts[0] not in SECRET_STORE:
            files[str(relative)] = path.read_bytes().decode("utf-8", "replace")
    return files


def _assert_private(data_dir: Path) -> None:
    """Check every file is 0600 and every folder 0700, the data dir included."""
    wrong = []
    for path in [data_dir, *data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            wrong.append(f"{path.relative_to(data_dir)}: {mode:o}")
    assert wrong == []


def _assert_absent(secrets: dict[str, str], places: dict[str, str]) -> None:
    """Fail naming every secret found in any place."""
    hits = [
        f"{name} in {where}"
        for name, secret in secrets.items()
        for where, text in places.items()
        if secret and secret in text
    ]
    assert hits == []


def _relay_tokens(data_dir: Path) -> dict[str, str]:
    """Return the relay and image tokens the bridge stored."""
    tokens = {}
    for slot in json.loads((data_dir / FILE_SLOTS).read_text())["slots"]:
        tokens[f"relay token of {slot['key']!r}"] = slot["relay_token"]
        tokens[f"image token of {slot['key']!r}"] = slot.get("image_token") or ""
    return tokens


# ---- the real program, its whole log, at info and at debug ---------------------------------


@pytest.mark.parametrize("level", ["info", "debug"])
async def test_real_program_logs_no_secret(tmp_path: Path, level: str) -> None:
    """Run `python -m alexa_bridge` with known secrets: its log and files hold none of them."""
    data_dir = tmp_path / "data"
    _seed_developer(data_dir)
    process = await start_process(
        data_dir,
        ALEXA_BRIDGE_LOG_LEVEL=level,
        ALEXA_BRIDGE_PUBLIC_URL="https://bridge.example.com",
        ALEXA_BRIDGE_API_USERNAME="ma",
        ALEXA_BRIDGE_API_PASSWORD=API_PASSWORD,
        ALEXA_BRIDGE_MA_TOKEN=MA_TOKEN,
        ALEXA_BRIDGE_MA_URL="http://127.0.0.1:9",  # nothing listens: the websocket fails
    )
    auth = {"Authorization": aiohttp.encode_basic_auth("ma", API_PASSWORD)}
    wrong = {"Authorization": aiohttp.encode_basic_auth("ma", API_PASSWORD + "-wrong")}
    async with aiohttp.ClientSession() as client:
        push = {
            "streamUrl": "http://127.0.0.1:9/flow/session/den/1.mp3",
            "imageUrl": "http://127.0.0.1:9/imageproxy?path=cover",
            "playerId": "Den",
        }
        async with client.post(f"{process.url('ma')}/ma/push-url", json=push, headers=auth) as resp:
            assert resp.status == 200
        async with client.post(
            f"{process.url('ma')}/ma/push-url", json=push, headers=wrong
        ) as resp:
            assert resp.status == 401
        async with client.get(f"{process.url('ma')}/api/status", headers=auth) as resp:
            status_text = await resp.text()
        async with client.get(f"{process.url('panel')}/diagnostics") as resp:
            assert resp.status == 200
            diagnostics = await resp.text()
        async with client.get(f"{process.url('panel')}/setup") as resp:
            setup_page = await resp.text()
        # An Alexa request (its signature cannot be checked here) carrying the user's tokens.
        body = alexa.intent("AMAZON.PauseIntent")
        async with client.post(f"{process.url('public')}/alexa/skill", json=body) as resp:
            assert resp.status == 400
        await _wait_for_slots(data_dir)
        tokens = _relay_tokens(data_dir)
        # The relay itself: MA is down, so 502, but the token travelled through the bridge.
        url = f"{process.url('public')}/stream/{tokens['relay token of ' + repr('Den')]}.mp3"
        async with client.get(url) as resp:
            assert resp.status == 502
        control = {"command": "pause", "playerId": "Den"}
        async with client.post(f"{process.url('ma')}/ma/control", json=control, headers=auth):
            pass
    process.proc.send_signal(signal.SIGTERM)
    assert await process.proc.wait() == 0
    log = await process.read_rest()
    assert "pushed a new stream" in log
    if level == "debug":
        assert " DEBUG " in log
    secrets = {
        "api_password": API_PASSWORD,
        "ma_token": MA_TOKEN,
        "LWA client secret": LWA_CLIENT_SECRET,
        "LWA refresh token": LWA_REFRESH_TOKEN,
        "Alexa apiAccessToken": ACCESS_TOKEN,
        "Alexa userId": USER_ID,
        **tokens,
    }
    pages = {"log": log, "diagnostics": diagnostics, "status API": status_text}
    pages["setup page"] = setup_page
    files = _outside_store(data_dir)
    relay_store = files.pop(FILE_SLOTS)  # holds the relay tokens on purpose, nothing else
    _assert_absent(secrets, pages | files)
    _assert_absent(
        {k: v for k, v in secrets.items() if "token of" not in k}, {"slots": relay_store}
    )
    _assert_private(data_dir)


async def _wait_for_slots(data_dir: Path) -> None:
    """Wait for the bridge's debounced write of slots.json."""
    async with asyncio.timeout(5):
        while not (data_dir / FILE_SLOTS).exists():  # noqa: ASYNC110 - another process writes
            await asyncio.sleep(0.05)


# ---- Amazon's tokens and cookies, and signed Alexa requests, in process at debug -----------


def _amazon_secrets(bridge: RunningBridge, amazon: FakeAmazon) -> dict[str, str]:
    """Return every credential Amazon handed out and the bridge holds."""
    stored = bridge.core.amazon._store.data["credentials"]
    found: dict[str, str] = {"refresh token": stored["refresh_token"]}
    for name, value in (stored.get("mac_dms") or {}).items():
        found[f"mac_dms {name}"] = str(value)
    for index, token in enumerate(amazon.refresh_tokens):
        found[f"issued refresh token {index}"] = token
    for index, session in enumerate(amazon.sessions):
        found[f"session cookie {index}"] = session
    found["csrf cookie"] = amazon.csrf
    return found


async def test_amazon_and_alexa_secrets_stay_out_of_debug_logs(
    bridge_factory: BridgeFactory,
    amazon: FakeAmazon,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """Sign in, list devices, test-play, play and pause at debug: no log line shows a secret."""
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    _seed_developer(data_dir)
    bridge = await bridge_factory(data_dir)
    amazon.route(bridge.cert_host.mapping)
    url = await bridge.core.amazon.start_enrollment("amazon.com")
    landing = amazon.sign_in(url)
    await bridge.core.amazon.finish_enrollment(landing)
    assert [d.serial for d in await bridge.core.amazon.devices()]
    async with bridge.client.post(
        f"{bridge.ma}/api/test-play", json={"serial": "G090LF1234567890"}
    ) as resp:
        assert resp.status == 200, await resp.text()
    await bridge.push({"streamUrl": "http://ma:8097/a.mp3", "playerId": "Den"})
    status, answer = await bridge.skill(alexa.launch())
    assert status == 200, answer
    play_token = answer["response"]["directives"][0]["audioItem"]["stream"]["token"]
    status, _ = await bridge.skill(alexa.audio_event("PlaybackStarted", play_token, 0))
    assert status == 200
    forged = alexa.launch()
    raw, headers = alexa.sign(forged, bridge.leaf, bridge.cert_url)
    status, _ = await bridge.skill(raw + b" ", headers=headers)
    assert status == 400
    async with bridge.client.get(f"{bridge.panel}/diagnostics") as resp:
        diagnostics = await resp.text()
    await bridge.core.slots.flush()
    log = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}"
        for record in caplog.records
    )
    assert "Refused an Alexa request" in log
    slot = bridge.core.slots.slots["Den"]
    secrets = {
        **_amazon_secrets(bridge, amazon),
        "OAuth landing address": landing.split("authorization_code=", 1)[1].split("&", 1)[0],
        "LWA client secret": LWA_CLIENT_SECRET,
        "LWA refresh token": LWA_REFRESH_TOKEN,
        "Alexa apiAccessToken": ACCESS_TOKEN,
        "Alexa userId": USER_ID,
        "relay token": slot.relay_token,
        "Alexa play token": play_token,
    }
    # The values are real: the secret store holds them, so finding none elsewhere means something.
    store = (data_dir / "amazon_account.json").read_text() + (data_dir / FILE_DEVELOPER).read_text()
    assert secrets["refresh token"] in store
    assert LWA_CLIENT_SECRET in store
    files = _outside_store(data_dir)
    files.pop(FILE_SLOTS)  # the relay and play tokens live there on purpose
    _assert_absent(secrets, {"log": log, "diagnostics": diagnostics} | files)
    _assert_private(data_dir)
    assert {Path(p).name for p in files} <= {"bridge.json", "skill.json", "music_assistant.json"}
