"""Developer authorization: consent address, state checks, the public callback, secrets."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from alexa_bridge.smapi import ProvisioningInputError
from alexa_bridge.smapi.const import PASTE_RETURN_URL, SCOPES, DeveloperStatus
from alexa_bridge.smapi.oauth import DeveloperAuthorization, parse_pasted

from ..fakes.smapi import CLIENT_ID, CLIENT_SECRET
from ..panel.conftest import parse
from .conftest import PUBLIC_URL, Dev


async def test_consent_address_carries_scopes_state_and_return_url(dev: Dev) -> None:
    """Authorize opens Amazon's /ap/oa with the three scopes, a random state and the return URL."""
    await dev.prov.save_client(CLIENT_ID, CLIENT_SECRET)
    first = dev.prov.start_authorization(via_callback=True)
    second = dev.prov.start_authorization(via_callback=False)
    query = {k: v[0] for k, v in parse_qs(urlsplit(first.consent_url).query).items()}
    assert first.consent_url.startswith("https://www.amazon.com/ap/oa?")
    assert query["scope"] == SCOPES
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{PUBLIC_URL}/oauth/callback"
    assert len(query["state"]) >= 32
    assert second.redirect_uri == PASTE_RETURN_URL
    assert first.state != second.state


async def test_public_callback_checks_state_then_redirects_relatively(dev: Dev) -> None:
    """The callback refuses a wrong state, redeems a right one and leaves the code behind."""
    await dev.prov.save_client(CLIENT_ID, CLIENT_SECRET)
    pending = dev.prov.start_authorization(via_callback=True)
    returned = dev.smapi.approve(pending.consent_url)
    path = returned.removeprefix(PUBLIC_URL)
    assert path.startswith("/oauth/callback?")
    forged = path.replace(pending.state, "forged-state")
    async with dev.bridge.client.get(f"{dev.bridge.public}{forged}", allow_redirects=False) as resp:
        assert resp.status == 400
        assert "does not belong to an authorization" in await resp.text()
    assert dev.smapi.grants == []
    assert dev.prov.developer.status == DeveloperStatus.CONFIGURED
    async with dev.bridge.client.get(f"{dev.bridge.public}{path}", allow_redirects=False) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == "done"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert dev.prov.developer.status == DeveloperStatus.AUTHORIZED
    assert dev.smapi.grants == ["authorization_code"]
    async with dev.bridge.client.get(f"{dev.bridge.public}/oauth/done") as resp:
        assert "go back to the Alexa Bridge panel" in await resp.text()
    # The same answer twice: its state is used up.
    async with dev.bridge.client.get(f"{dev.bridge.public}{path}", allow_redirects=False) as resp:
        assert resp.status == 400


async def test_callback_is_not_on_the_panel_or_ma_listener(dev: Dev) -> None:
    """Only the public listener has the callback."""
    for base in (dev.bridge.panel, dev.bridge.ma):
        async with dev.bridge.client.get(f"{base}/oauth/callback?code=x&state=y") as resp:
            assert resp.status == 404


async def test_wrong_state_and_stale_code_are_refused(dev: Dev) -> None:
    """A pasted address with another state is refused; a code older than 5 minutes too."""
    await dev.prov.save_client(CLIENT_ID, CLIENT_SECRET)
    pending = dev.prov.start_authorization(via_callback=False)
    returned = dev.smapi.approve(pending.consent_url)
    with pytest.raises(ProvisioningInputError, match="does not belong"):
        await dev.prov.finish_pasted(returned.replace(pending.state, "other"))
    assert dev.smapi.grants == []

    pending = dev.prov.start_authorization(via_callback=False)
    returned = dev.smapi.approve(pending.consent_url)
    real_clock = dev.smapi.clock
    dev.smapi.clock = lambda: real_clock() + 400
    with pytest.raises(ProvisioningInputError, match="5 minutes"):
        await dev.prov.finish_pasted(returned)
    assert dev.prov.developer.status == DeveloperStatus.CONFIGURED


async def test_pasted_bare_code_uses_the_pending_authorization(dev: Dev) -> None:
    """A bare code (no address) is redeemed with the newest pending authorization."""
    await dev.prov.save_client(CLIENT_ID, CLIENT_SECRET)
    pending = dev.prov.start_authorization(via_callback=False)
    code = parse_qs(urlsplit(dev.smapi.approve(pending.consent_url)).query)["code"][0]
    await dev.prov.finish_pasted(f"  {code}  ")
    assert dev.prov.developer.status == DeveloperStatus.AUTHORIZED


def test_state_expires_and_paste_parsing() -> None:
    """A state is good for 10 minutes; pasted text is parsed precisely."""
    now = [1000.0]
    auth = DeveloperAuthorization(lambda: now[0])
    pending = auth.start(CLIENT_ID, PASTE_RETURN_URL)
    now[0] += 601
    with pytest.raises(ProvisioningInputError):
        auth.claim(pending.state)
    assert parse_pasted("http://127.0.0.1:9090/cb?code=ANabc&scope=x&state=s1") == ("ANabc", "s1")
    assert parse_pasted("ANabc") == ("ANabc", None)
    with pytest.raises(ProvisioningInputError, match="did not grant"):
        parse_pasted("http://127.0.0.1:9090/cb?error=access_denied&error_description=User+denied")
    with pytest.raises(ProvisioningInputError, match="no code"):
        parse_pasted("http://127.0.0.1:9090/cb?state=s1")


async def test_client_id_checked_and_forget_removes_secrets(dev: Dev) -> None:
    """A wrong client id is refused; Forget removes the secret and the refresh token."""
    with pytest.raises(ProvisioningInputError, match=r"amzn1\.application-oa2-client"):
        await dev.prov.save_client("not-a-client", CLIENT_SECRET)
    await dev.authorize()
    path = dev.prov.developer.path
    assert path.stat().st_mode & 0o777 == 0o600
    assert CLIENT_SECRET in path.read_text()
    await dev.prov.forget()
    assert CLIENT_SECRET not in path.read_text()
    assert dev.prov.developer.status == DeveloperStatus.MISSING
    assert dev.prov.client() is None


async def test_secrets_stay_out_of_logs_diagnostics_and_activity(
    dev: Dev, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the client secret nor the refresh token appears in logs, diagnostics or pages."""
    caplog.set_level(logging.DEBUG)
    await dev.authorize()
    await dev.provision()
    token = dev.prov.developer.refresh_token
    assert token
    async with dev.bridge.client.get(f"{dev.bridge.panel}/diagnostics") as resp:
        diagnostics = await resp.text()
    async with dev.bridge.client.get(f"{dev.bridge.panel}/setup") as resp:
        page = await resp.text()
    async with dev.bridge.client.get(f"{dev.bridge.panel}/provision/log") as resp:
        log = await resp.text()
    activity = json.dumps([e.to_dict() for e in dev.bridge.core.activity.entries])
    for secret in (CLIENT_SECRET, token, token.split("|")[1]):
        for where, text in (
            ("log", caplog.text),
            ("diagnostics", diagnostics),
            ("page", page),
            ("provision log", log),
            ("activity", activity),
        ):
            assert secret not in text, where
    assert json.loads(diagnostics)["provisioning"]["developer"] == "authorized"


async def test_panel_flow_over_http(dev: Dev) -> None:
    """Save the client, authorize, paste, all through the setup form with CSRF."""
    panel = dev.bridge.panel

    async def post(data: dict[str, str]) -> tuple[int, str]:
        """Post one setup form with the page's token; a redirect answers its Location."""
        async with dev.bridge.client.get(f"{panel}/setup") as resp:
            token = parse(await resp.text()).csrf
        assert token
        async with dev.bridge.client.post(
            f"{panel}/setup", data={**data, "csrf": token}, allow_redirects=False
        ) as resp:
            return resp.status, resp.headers.get("Location") or await resp.text()

    status, body = await post({"action": "developer_start", "client_id": "x", "client_secret": "y"})
    assert status == 400
    # The message sits at the client id field, which keeps what was typed.
    assert 'id="err-developer_start-client_id"' in body
    assert "amzn1.application-oa2-client" in body
    assert 'name="client_id" type="text" value="x"' in body
    status, consent = await post(
        {"action": "developer_start", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    # One press saves the client and goes straight to Amazon's consent page.
    assert status == 303
    assert consent.startswith("https://www.amazon.com/ap/oa")
    status, _ = await post({"action": "developer_paste", "answer": dev.smapi.approve(consent)})
    assert status == 303
    assert dev.prov.developer.status == DeveloperStatus.AUTHORIZED
