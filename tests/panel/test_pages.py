"""The panel over HTTP behind an ingress-like prefix: relative URLs, CSRF, languages, activity."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..conftest import BridgeFactory
from ..fakes.ingress import FakeIngress
from ..fakes.public_front import PUBLIC_HOST
from ..harness import RunningBridge, stop_bridge
from .conftest import is_relative, parse

PAGES = ["", "setup", "status", "devices", "activity"]
AMAZON_LINK_HOSTS = {"developer.amazon.com", "www.amazon.com"}


@pytest.mark.parametrize("page", PAGES)
async def test_pages_use_only_relative_urls(
    bridge: RunningBridge, ingress: FakeIngress, page: str
) -> None:
    """Every link, script, stylesheet and form stays under the ingress prefix."""
    async with bridge.client.get(f"{ingress.url}{page}") as resp:
        assert resp.status == 200
        html = await resp.text()
    links = parse(html)
    assert links.urls, "the page has no links at all"
    external = [u for u in links.urls if not is_relative(u)]
    assert external == [], external
    # Links out of the panel go to Amazon only, in a new tab that cannot reach back.
    for url, target, rel in links.outside:
        assert urlsplit(url).hostname in AMAZON_LINK_HOSTS, url
        assert (target, rel) == ("_blank", "noopener noreferrer"), url
    assert "Anna Example" in html
    for url in {u.split("#")[0] for u in links.urls if u.startswith("static/")}:
        async with bridge.client.get(f"{ingress.url}{url}") as resp:
            assert resp.status == 200, url
    assert ingress.escaped == []


async def _form_post(
    bridge: RunningBridge, url: str, data: dict[str, str], **headers: str
) -> tuple[int, str, str | None]:
    """Post a form without following redirects."""
    async with bridge.client.post(url, data=data, headers=headers, allow_redirects=False) as resp:
        return resp.status, await resp.text(), resp.headers.get("Location")


async def _csrf(bridge: RunningBridge, ingress: FakeIngress) -> str:
    """Read the CSRF token from a page."""
    async with bridge.client.get(f"{ingress.url}setup") as resp:
        token = parse(await resp.text()).csrf
    assert token
    return token


async def test_form_without_csrf_is_refused(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """A state-changing form without the page's token changes nothing."""
    data = {"action": "public_url", "public_url": "https://evil.example.com"}
    status, _, _ = await _form_post(bridge, f"{ingress.url}setup", data)
    assert status == 403
    status, _, _ = await _form_post(bridge, f"{ingress.url}setup", {**data, "csrf": "forged"})
    assert status == 403
    assert bridge.core.settings.public_url is None


async def test_cross_site_post_is_refused_even_with_token(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """A browser-marked cross-site request is refused although it carries a token."""
    data = {"action": "public_url", "public_url": "https://evil.example.com"}
    data["csrf"] = await _csrf(bridge, ingress)
    status, _, _ = await _form_post(
        bridge, f"{ingress.url}setup", data, **{"Sec-Fetch-Site": "cross-site"}
    )
    assert status == 403
    assert bridge.core.settings.public_url is None


async def test_public_address_saved_and_checked_through_tls(
    panel_bridge: tuple[RunningBridge, FakeIngress],
) -> None:
    """The panel stores the address, and the check reaches this bridge over real TLS."""
    bridge, ingress = panel_bridge
    data = {"action": "public_url", "public_url": f"https://{PUBLIC_HOST}/"}
    data["csrf"] = await _csrf(bridge, ingress)
    status, _, location = await _form_post(bridge, f"{ingress.url}setup", data)
    assert status == 303
    assert location is not None
    assert is_relative(location)
    assert bridge.core.public_url == f"https://{PUBLIC_HOST}"
    async with bridge.client.get(f"{ingress.url}{location}") as resp:
        html = await resp.text()
    assert "leads to this bridge" in html
    # After a restart the stored address is still used for Play directives.
    assert json.loads((bridge.core.data_dir / "bridge.json").read_text())["public_url"]


async def test_public_address_unreachable_is_a_warning(
    bridge_factory: BridgeFactory,
) -> None:
    """A check that cannot reach the address warns, explaining routers may not loop back."""
    bridge = await bridge_factory(public_url=None)
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        # Nothing listens for this name: the fake resolver maps it to a closed port.
        bridge.cert_host.mapping[("unreachable.example.com", 443)] = ("127.0.0.1", 9)
        data = {"action": "public_url", "public_url": "https://unreachable.example.com"}
        data["csrf"] = await _csrf(bridge, ingress)
        status, _, location = await _form_post(bridge, f"{ingress.url}setup", data)
        assert status == 303
        async with bridge.client.get(f"{ingress.url}{location}") as resp:
            html = await resp.text()
        assert "Many routers do not loop back" in html
        assert bridge.core.public_address.check is not None
        assert not bridge.core.public_address.check.ok
    finally:
        await ingress.close()


async def test_http_public_address_is_refused(bridge_factory: BridgeFactory) -> None:
    """A plain http:// address is refused with the reason, and not stored."""
    bridge = await bridge_factory(public_url=None)
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        data = {"action": "public_url", "public_url": "http://music.example.com"}
        data["csrf"] = await _csrf(bridge, ingress)
        status, html, _ = await _form_post(bridge, f"{ingress.url}setup", data)
        assert status == 400
        assert "https://" in html
        assert bridge.core.settings.public_url is None
    finally:
        await ingress.close()


async def test_option_wins_and_panel_says_so(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """With the public_url option set, the panel shows it read-only and explains why."""
    async with bridge.client.get(f"{ingress.url}setup") as resp:
        html = await resp.text()
    assert "Set by the add-on option public_url" in html
    assert 'name="public_url"' not in html


@pytest.mark.parametrize(
    ("accept", "expected", "absent"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "Einrichtung", None),
        ("sv-SE,sv;q=0.9", "Setup", "Einrichtung"),
        ("en;q=0.2,de;q=0.8", "Einrichtung", None),
        ("", "Setup", "Einrichtung"),
    ],
    ids=["german", "swedish-falls-back", "quality-order", "none"],
)
async def test_language_follows_browser(
    bridge: RunningBridge, ingress: FakeIngress, accept: str, expected: str, absent: str | None
) -> None:
    """The browser's language picks the strings; a language not shipped reads in English."""
    async with bridge.client.get(f"{ingress.url}setup", headers={"Accept-Language": accept}) as r:
        html = await r.text()
    assert expected in html
    if absent:
        assert absent not in html
    # Never a raw key, whatever the language.
    assert "step.amazon.help" not in html


async def test_activity_streams_live_events(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """A push appears on the Activity page's event stream as it happens, through ingress."""
    async with bridge.client.get(f"{ingress.url}activity/events") as events:
        assert events.headers["Content-Type"].startswith("text/event-stream")
        await events.content.readuntil(b"\n\n")  # the retry hint
        # "ready" at once: the page falls back to polling when it does not arrive.
        assert await events.content.readuntil(b"\n\n") == b"event: ready\ndata: {}\n\n"
        status, _ = await bridge.push(
            {"streamUrl": "http://192.168.1.9:8097/flow/a.mp3", "playerId": "Den"}
        )
        assert status == 200
        async with asyncio.timeout(5):
            block = (await events.content.readuntil(b"\n\n")).decode()
    assert "event: activity" in block
    entry = json.loads(block.split("data: ", 1)[1])
    assert (entry["kind"], entry["device"], entry["type"]) == ("push", "Den", "new stream")
    assert "192.168" not in block


async def test_activity_keeps_only_200(bridge: RunningBridge) -> None:
    """The activity log is bounded to the last 200 entries."""
    for index in range(230):
        await bridge.push({"streamUrl": f"http://192.168.1.9:8097/flow/{index}.mp3"})
    entries = bridge.core.activity.entries
    assert len(entries) == 200


async def test_slow_event_reader_is_dropped(bridge: RunningBridge) -> None:
    """A subscriber that never reads is dropped instead of growing memory."""
    log = bridge.core.activity
    queue = log.subscribe()
    for index in range(150):
        await bridge.push({"streamUrl": f"http://192.168.1.9:8097/flow/{index}.mp3"})
    assert not log.is_subscribed(queue)
    assert queue.qsize() <= 100


async def test_diagnostics_are_redacted(bridge_factory: BridgeFactory) -> None:
    """The diagnostics download carries state but no password, tokens or LAN addresses."""
    bridge = await bridge_factory(api_username="ma-user", api_password="pw-Very-Secret")
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        auth = {"Authorization": "Basic bWEtdXNlcjpwdy1WZXJ5LVNlY3JldA=="}
        push = {
            "streamUrl": "http://192.168.1.9:8097/flow/a.mp3",
            "imageUrl": "http://192.168.1.9:8095/imageproxy?x=1",
            "playerId": "Den",
        }
        status, _ = await bridge.push(push, headers=auth)
        assert status == 200
        slot = bridge.core.slots.get("Den")
        assert slot is not None
        async with bridge.client.get(f"{ingress.url}diagnostics") as resp:
            assert resp.status == 200
            assert "attachment" in resp.headers["Content-Disposition"]
            text = await resp.text()
        bundle = json.loads(text)
        assert bundle["players"][0]["player"] == "Den"
        for secret in ("pw-Very-Secret", "ma-user", "192.168.1.9", slot.relay_token):
            assert secret not in text, secret
        assert slot.image_token is not None
        assert slot.image_token not in text
    finally:
        await ingress.close()


async def test_unknown_static_file_is_404(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """Only the panel's own static files are served."""
    async with bridge.client.get(f"{ingress.url}static/..%2f..%2fbridge.json") as resp:
        assert resp.status == 404


VALID_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW"


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("123456", "6-digit code"),
        ("ABC!DEF", "A-Z and the digits 2-7"),
        ("JBSWY3DP", "characters"),
    ],
    ids=["six-digit-code", "bad-characters", "too-short"],
)
async def test_otp_check_explains_bad_keys(
    bridge: RunningBridge, ingress: FakeIngress, key: str, fragment: str
) -> None:
    """The live key check says what is wrong, before anything is sent to Amazon."""
    headers = {"X-CSRF-Token": await _csrf(bridge, ingress)}
    async with bridge.client.post(
        f"{ingress.url}otp-check", json={"key": key}, headers=headers
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body["result"] == "error"
    assert fragment in body["message"]


async def test_otp_check_shows_current_code(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """A valid key (lower case, grouped with spaces) shows the code an authenticator app shows."""
    pyotp = pytest.importorskip("pyotp")
    headers = {"X-CSRF-Token": await _csrf(bridge, ingress)}
    grouped = " ".join(VALID_KEY.lower()[i : i + 4] for i in range(0, len(VALID_KEY), 4))
    async with bridge.client.post(
        f"{ingress.url}otp-check", json={"key": grouped}, headers=headers
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    totp = pyotp.TOTP(VALID_KEY)
    assert totp.verify(body["data"]["code"], valid_window=1)
    assert body["data"]["code"] in body["data"]["text"]


async def test_otp_check_needs_csrf(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """The key check is a POST like any other: no token, no answer."""
    async with bridge.client.post(f"{ingress.url}otp-check", json={"key": VALID_KEY}) as resp:
        assert resp.status == 403


async def test_classic_form_with_code_instead_of_key(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """The classic form refuses a 6-digit code with an explanation and contacts nobody."""
    data = {
        "action": "classic_start",
        "domain": "amazon.com",
        "email": "anna@example.com",
        "password": "secret-password",
        "otp_key": "123 456",
        "csrf": await _csrf(bridge, ingress),
    }
    status, html, _ = await _form_post(bridge, f"{ingress.url}setup", data)
    assert status == 400
    assert "6-digit code" in html
    assert "secret-password" not in html
    assert "<details open>" in html


async def test_open_tab_still_submits_after_a_restart(
    bridge_factory: BridgeFactory, tmp_path: Path
) -> None:
    """The form token lives in the data directory (0600): a tab open across a restart works."""
    first = await bridge_factory(public_url=None)
    async with first.client.get(f"{first.panel}/setup") as resp:
        token = parse(await resp.text()).csrf
    assert token
    await stop_bridge(first)
    stored = tmp_path / "data" / "panel_form_token"
    assert stored.stat().st_mode & 0o777 == 0o600
    second = await bridge_factory(public_url=None)
    data = {"action": "public_url", "public_url": "https://music.example.com", "csrf": token}
    status, _, location = await _form_post(second, f"{second.panel}/setup", data)
    assert status == 303, location
    assert second.core.settings.public_url == "https://music.example.com"


async def test_unknown_page_and_stale_form_are_html(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """Neither an unknown page nor a stale form answers with JSON: both say what to do."""
    async with bridge.client.get(f"{ingress.url}no/such/page") as resp:
        assert resp.status == 404
        assert resp.content_type == "text/html"
        html = await resp.text()
    assert "No such page" in html
    assert '<base href="../../">' in html  # the page's links still lead into the panel
    data = {"action": "public_url", "public_url": "https://x.example", "csrf": "from-before"}
    status, html, _ = await _form_post(bridge, f"{ingress.url}setup", data)
    assert status == 403
    assert "This page is out of date" in html
    assert 'href="setup"' in html


@pytest.mark.parametrize(
    ("accept", "domain"),
    [("de-DE,de;q=0.9,en;q=0.5", "amazon.de"), ("en-GB", "amazon.co.uk"), ("sv-SE", "amazon.com")],
)
async def test_amazon_site_follows_the_browser_language(
    bridge: RunningBridge, ingress: FakeIngress, accept: str, domain: str
) -> None:
    """The Amazon site is preselected from the browser's language: one choice fewer."""
    async with bridge.client.get(f"{ingress.url}setup", headers={"Accept-Language": accept}) as r:
        html = await r.text()
    assert f'<option value="{domain}" selected>' in html
