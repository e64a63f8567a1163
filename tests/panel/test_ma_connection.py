"""The Connect Music Assistant step: what MA must be told, and the one-click fix via its API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import html
import re
from typing import Any

import pytest

from ..conftest import BridgeFactory
from ..fakes.ma_config import SECURE_SUBSTITUTE, FakeMusicAssistantAlexa
from ..fakes.ma_websocket import TOKEN
from ..harness import RunningBridge


@pytest.fixture(name="music_assistant")
async def music_assistant_fixture() -> AsyncIterator[FakeMusicAssistantAlexa]:
    """Run a fake MA whose Alexa provider still calls the old default, port 3000."""
    fake = FakeMusicAssistantAlexa()
    await fake.start()
    yield fake
    await fake.close()


async def status(bridge: RunningBridge) -> dict[str, Any]:
    """Return the music_assistant part of GET /api/status."""
    async with bridge.client.get(f"{bridge.ma}/api/status") as resp:
        assert resp.status == 200
        body: dict[str, Any] = (await resp.json())["music_assistant"]
        return body


async def setup_page(bridge: RunningBridge) -> str:
    """Return the setup page's HTML (unescaped, to search for text)."""
    async with bridge.client.get(f"{bridge.panel}/setup") as resp:
        assert resp.status == 200
        return html.unescape(await resp.text())


async def post(bridge: RunningBridge, action: str, **fields: str) -> int:
    """Post one of the step's forms with the page's CSRF token; return the status."""
    data = {"csrf": bridge.core.csrf.token, "action": f"ma_{action}", **fields}
    async with bridge.client.post(
        f"{bridge.panel}/setup", data=data, allow_redirects=False
    ) as resp:
        if resp.status == 303:
            assert resp.headers["Location"] == "setup#step-music_assistant"
        return resp.status


async def wait_until(condition: Any, within: float) -> None:
    """Poll an async condition until it holds or the time is up."""
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_fresh_bridge_tells_what_to_set(bridge: RunningBridge) -> None:
    """Before MA calls, status and panel say so and show the API URL to enter in MA."""
    body = await status(bridge)
    assert body["state"] == "not_reached"
    assert body["needs_api_url"] is True
    assert body["api_url"] == f"http://localhost:{bridge.core.bound_ports['ma']}"
    page = await setup_page(bridge)
    assert f"Set the Alexa provider's API URL to {body['api_url']}" in page
    assert f'<code id="ma-api-url">{body["api_url"]}</code>' in page
    assert 'data-copy="ma-api-url"' in page
    assert 'id="ma-fix"' not in page  # nothing to fix before MA was read
    async with bridge.client.get(f"{bridge.panel}/status") as resp:
        assert "Music Assistant has not called the bridge yet" in html.unescape(await resp.text())


async def test_check_then_one_click_fix(
    bridge: RunningBridge, music_assistant: FakeMusicAssistantAlexa
) -> None:
    """Check reads MA's provider; the fix points api_url here and MA's reload connects."""
    assert await post(bridge, "check", ma_url=music_assistant.url, ma_token=TOKEN)
    body = await status(bridge)
    check = body["provider_check"]
    assert (check["outcome"], check["api_url"]) == ("points_elsewhere", "http://localhost:3000")
    assert check["server_version"] == "2.7.0"
    page = await setup_page(bridge)
    assert "calls http://localhost:3000, not this bridge" in page
    assert 'id="ma-fix"' in page
    assert TOKEN not in page  # the stored token is never shown again
    assert await post(bridge, "fix") == 303
    assert music_assistant.values is not None
    assert music_assistant.values["api_url"] == body["api_url"]
    assert "api_username" not in music_assistant.values  # the bridge asks for no credentials
    assert music_assistant.sent("config/providers/save") == [
        {"provider_domain": "alexa", "instance_id": "alexa", "values": {"api_url": body["api_url"]}}
    ]

    async def connected() -> bool:
        """Return whether MA's reload reached the bridge and the bridge says so."""
        done = bool(music_assistant.reload_calls)
        return done and (await status(bridge))["state"] == "connected"

    await wait_until(connected, within=5)  # MA reloads the provider about 1 s after saving
    assert music_assistant.reload_calls == [(f"{body['api_url']}/alexa/intents", 200)]
    assert (await status(bridge))["provider_check"]["outcome"] == "fixed"
    assert "has reached the bridge" in await setup_page(bridge)


async def test_fix_sets_credentials_when_the_bridge_asks(
    bridge_factory: BridgeFactory, music_assistant: FakeMusicAssistantAlexa
) -> None:
    """With api_username/api_password set, the fix saves them too; MA's reload gets through."""
    bridge = await bridge_factory(
        api_username="ma", api_password="Passwört", ma_url=music_assistant.url, ma_token=TOKEN
    )
    assert music_assistant.values is not None
    music_assistant.values["api_url"] = bridge.core.ma_api_url  # right URL, no credentials
    music_assistant.values["api_password"] = "old"
    auth = {"Authorization": "Basic bWE6UGFzc3f2cnQ="}  # ma:Passwört in Latin-1
    async with bridge.client.get(f"{bridge.ma}/api/status", headers=auth) as resp:
        assert resp.status == 200
    assert await post(bridge, "check") == 303
    assert bridge.core.ma_provider.last is not None
    assert bridge.core.ma_provider.last.outcome == "points_here"
    # The password reads back as MA's substitute: the bridge can not tell, so it offers the fix.
    assert 'id="ma-fix"' in await setup_page(bridge)
    assert await post(bridge, "fix") == 303
    (saved,) = music_assistant.sent("config/providers/save")
    assert saved["values"] == {
        "api_url": bridge.core.ma_api_url,
        "api_username": "ma",
        "api_password": "Passwört",
    }
    assert SECURE_SUBSTITUTE not in saved["values"].values()
    await asyncio.sleep(1.5)
    assert music_assistant.reload_calls == [(f"{bridge.core.ma_api_url}/alexa/intents", 200)]
    assert bridge.core.ma_link.state.value == "connected"


@pytest.mark.parametrize(
    ("change", "outcome", "shown"),
    [
        pytest.param({"token": "other"}, "token_refused", "refused the token", id="bad-token"),
        pytest.param({"admin": False}, "not_admin", "administrator", id="not-admin"),
        pytest.param({"values": None}, "no_provider", "no Alexa provider yet", id="no-provider"),
    ],
)
async def test_check_explains_what_is_wrong(
    bridge: RunningBridge,
    music_assistant: FakeMusicAssistantAlexa,
    change: dict[str, Any],
    outcome: str,
    shown: str,
) -> None:
    """A refused token, a user who is no admin, a missing provider: each said plainly."""
    for key, value in change.items():
        setattr(music_assistant, key, value)
    await post(bridge, "check", ma_url=music_assistant.url, ma_token=TOKEN)
    if outcome == "not_admin":
        assert bridge.core.ma_provider.last is not None
        assert bridge.core.ma_provider.last.outcome == "points_elsewhere"  # reading is allowed
        await post(bridge, "fix")
    assert (await status(bridge))["provider_check"]["outcome"] == outcome
    assert shown in await setup_page(bridge)
    assert music_assistant.values in (
        None,
        {"api_url": "http://localhost:3000", "username": "me@x.com"},
    )


async def test_unreachable_music_assistant(bridge: RunningBridge) -> None:
    """An address where nothing listens is reported as unreachable, not as a crash."""
    await post(bridge, "check", ma_url="http://127.0.0.1:9", ma_token=TOKEN)
    body = await status(bridge)
    assert body["provider_check"]["outcome"] == "unreachable"
    assert "cannot be reached" in await setup_page(bridge)


async def test_check_needs_the_page_token(bridge: RunningBridge) -> None:
    """A cross-site post without the page's token changes nothing."""
    url = f"{bridge.panel}/setup"
    data = {"action": "ma_check", "ma_url": "http://e:1"}
    async with bridge.client.post(url, data=data) as resp:
        assert resp.status == 403
    assert bridge.core.settings.ma_url is None


async def test_bad_address_is_shown_at_its_field(bridge: RunningBridge) -> None:
    """A bad address comes back at its field on the setup page, as typed; the token does not."""
    data = {
        "csrf": bridge.core.csrf.token,
        "action": "ma_check",
        "ma_url": "ftp://music.local",
        "ma_token": "typed-Secret-Token-1234",
    }
    async with bridge.client.post(f"{bridge.panel}/setup", data=data) as resp:
        assert resp.status == 400
        assert resp.content_type == "text/html"  # the panel's page, never raw JSON
        page = html.unescape(await resp.text())
    match = re.search(r'<input id="ma_check-ma_url"[^>]*>', page)
    assert match is not None
    assert 'aria-invalid="true"' in match.group(0)
    assert 'value="ftp://music.local"' in match.group(0)  # what was typed, to correct it
    assert re.search(r'<p class="field-error" id="err-ma_check-ma_url">[^<]*http', page)
    assert "typed-Secret-Token-1234" not in page
    assert bridge.core.settings.ma_url is None
    assert bridge.core.settings.ma_token != "typed-Secret-Token-1234"


async def test_overlong_token_is_shown_at_its_field(bridge: RunningBridge) -> None:
    """A token longer than any MA issues is refused at its field and not stored."""
    data = {"csrf": bridge.core.csrf.token, "action": "ma_check", "ma_token": "t" * 5000}
    async with bridge.client.post(f"{bridge.panel}/setup", data=data) as resp:
        assert resp.status == 400
        page = await resp.text()
    assert 'id="err-ma_check-ma_token"' in page
    assert "t" * 5000 not in page
    assert bridge.core.settings.ma_token != "t" * 5000
