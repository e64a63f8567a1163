"""The signed-in session: devices, text commands, expiry, 429 back-off and sign-out."""

from __future__ import annotations

import asyncio
import json
import logging
import stat

import pytest

from alexa_bridge.amazon import (
    AccountStatus,
    AmazonAccount,
    AmazonAuthError,
    AmazonInputError,
    AmazonNotSignedInError,
    AmazonRateLimitedError,
)
from alexa_bridge.amazon.const import (
    BACKOFF_MAX,
    DEVICES_CACHE_SECONDS,
    PATH_BEHAVIORS,
    PATH_DEVICES,
)
from alexa_bridge.core import BridgeCore

from ..fakes.amazon import CUSTOMER_ID, FakeAmazon
from .conftest import FakeClock, enroll

KITCHEN = "G090LF1234567890"
PLAY_PHRASE = "ask music assistant to play audio"


async def test_core_owns_an_account(core: BridgeCore) -> None:
    """Create the account in the core's setup, signed out on a fresh data dir."""
    assert isinstance(core.amazon, AmazonAccount)
    assert core.amazon.state.status is AccountStatus.SIGNED_OUT
    assert "sign in" in core.amazon.state.message


async def test_devices_mapping_and_cache(
    account: AmazonAccount, amazon: FakeAmazon, clock: FakeClock
) -> None:
    """Map Alexa's device list, and ask Amazon again only after the cache ages."""
    await enroll(account, amazon)

    devices = await account.devices()

    assert [d.name for d in devices] == ["Kitchen Echo", "Living Room", "This Phone"]
    kitchen = devices[0]
    assert (kitchen.serial, kitchen.device_type, kitchen.family) == (
        KITCHEN,
        "A3S5BH2HU6VAYF",
        "ECHO",
    )
    assert kitchen.online
    assert kitchen.can_play
    assert not devices[1].online
    assert not devices[2].can_play
    [call] = amazon.calls(PATH_DEVICES)
    assert call.host == "alexa.amazon.com"

    await account.devices()
    assert len(amazon.calls(PATH_DEVICES)) == 1
    clock.now += DEVICES_CACHE_SECONDS + 1
    await account.devices()
    assert len(amazon.calls(PATH_DEVICES)) == 2


async def test_text_command_reaches_the_right_echo(
    account: AmazonAccount, amazon: FakeAmazon
) -> None:
    """Send Alexa.TextCommand with the play phrase to the chosen serial, as alexapy does."""
    await enroll(account, amazon)

    await account.run_text_command(KITCHEN, PLAY_PHRASE)

    [call] = amazon.calls(PATH_BEHAVIORS)
    assert call.host == "alexa.amazon.com"
    assert call.headers["csrf"] == amazon.csrf
    body = call.json()
    assert (body["behaviorId"], body["status"]) == ("PREVIEW", "ENABLED")
    node = json.loads(body["sequenceJson"])["startNode"]
    assert node["type"] == "Alexa.TextCommand"
    assert node["operationPayload"] == {
        "deviceType": "A3S5BH2HU6VAYF",
        "deviceSerialNumber": KITCHEN,
        "locale": "en-US",
        "customerId": CUSTOMER_ID,
        "skillId": "amzn1.ask.1p.tellalexa",
        "text": PLAY_PHRASE,
    }


async def test_text_command_locale_follows_the_domain(
    account: AmazonAccount, amazon: FakeAmazon
) -> None:
    """Default the command's locale to the account's country; a caller may name one."""
    await enroll(account, amazon, "amazon.de")

    await account.run_text_command(KITCHEN, "frage music assistant nach audio")
    await account.run_text_command(KITCHEN, PLAY_PHRASE, locale="en-GB")

    locales = [
        json.loads(call.json()["sequenceJson"])["startNode"]["operationPayload"]["locale"]
        for call in amazon.calls(PATH_BEHAVIORS)
    ]
    assert locales == ["de-DE", "en-GB"]
    assert {call.host for call in amazon.calls(PATH_BEHAVIORS)} == {"alexa.amazon.de"}


async def test_text_command_to_unknown_serial(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Refuse a serial the account does not have, after reloading the list once."""
    await enroll(account, amazon)

    with pytest.raises(AmazonInputError, match="No device with serial NOPE"):
        await account.run_text_command("NOPE", PLAY_PHRASE)

    assert len(amazon.calls(PATH_DEVICES)) == 2
    assert amazon.calls(PATH_BEHAVIORS) == []


async def test_calls_need_a_sign_in(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Say 'sign in first' instead of calling Amazon without credentials."""
    with pytest.raises(AmazonNotSignedInError, match="Sign in"):
        await account.devices()
    assert amazon.requests == []


async def test_dead_cookies_are_renewed(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Mint new cookies from the refresh token when Alexa answers 401, then carry on."""
    await enroll(account, amazon)
    await account.devices()
    amazon.sessions.clear()

    devices = await account.devices(refresh=True)

    assert len(devices) == 3
    assert len(amazon.calls("/ap/exchangetoken/cookies")) == 2
    assert account.state.status is AccountStatus.SIGNED_IN


async def test_terminal_auth_error_expires_the_session(
    account: AmazonAccount, amazon: FakeAmazon, caplog: pytest.LogCaptureFixture
) -> None:
    """Show EXPIRED with 'sign in again' when Amazon rejects the refresh token; log it once."""
    await enroll(account, amazon)
    await account.devices()
    amazon.revoke_all()
    caplog.set_level(logging.WARNING, logger="alexa_bridge.amazon")

    for _ in range(3):
        with pytest.raises(AmazonAuthError, match="sign in again"):
            await account.devices(refresh=True)

    assert account.state.status is AccountStatus.EXPIRED
    assert "sign in again" in account.state.message
    assert account.state.domain == "amazon.com"
    expired_logs = [r for r in caplog.records if "has expired" in r.getMessage()]
    assert len(expired_logs) == 1
    assert len(amazon.calls("/auth/token")) == 2  # once at sign-in's first call, once to learn
    for record in caplog.records:
        assert "Atnr|" not in record.getMessage()

    await enroll(account, amazon)
    assert account.state.status is AccountStatus.SIGNED_IN
    assert len(await account.devices()) == 3


async def test_expiry_shows_after_restart(
    core: BridgeCore, amazon: FakeAmazon, account: AmazonAccount
) -> None:
    """Check the stored session at start, so a dead one shows without any panel action."""
    await enroll(account, amazon)
    amazon.revoke_all()

    restarted = AmazonAccount(core)
    await restarted.setup()
    try:
        assert restarted.state.status is AccountStatus.SIGNED_IN
        for _ in range(200):
            if restarted.state.status is AccountStatus.EXPIRED:
                break
            await asyncio.sleep(0.01)
        assert restarted.state.status is AccountStatus.EXPIRED
    finally:
        await restarted.close()


async def test_session_survives_a_restart(
    core: BridgeCore, amazon: FakeAmazon, account: AmazonAccount
) -> None:
    """Load the stored credentials and reach the devices without signing in again."""
    await enroll(account, amazon)

    restarted = AmazonAccount(core)
    await restarted.setup()
    try:
        assert restarted.state.status is AccountStatus.SIGNED_IN
        assert restarted.state.method == "enrollment"
        assert len(await restarted.devices()) == 3
    finally:
        await restarted.close()


async def test_429_backs_off_then_succeeds(
    account: AmazonAccount, amazon: FakeAmazon, clock: FakeClock
) -> None:
    """Wait twice as long after each 429 (on the injected clock) and then succeed."""
    await enroll(account, amazon)
    amazon.fail(PATH_DEVICES, 429, times=2)

    devices = await account.devices()

    assert len(devices) == 3
    assert len(amazon.calls(PATH_DEVICES)) == 3
    assert clock.sleeps == [2.0, 4.0]


async def test_429_holds_callers_back(
    account: AmazonAccount, amazon: FakeAmazon, clock: FakeClock
) -> None:
    """Ask Amazon far less often than a caller polling every second while it says 429."""
    await enroll(account, amazon)
    amazon.fail(PATH_DEVICES, 429, times=10_000)
    polls = 600  # ten minutes of a caller asking every second

    waits: list[float] = []
    for _ in range(polls):
        try:
            await account.devices(refresh=True)
        except AmazonRateLimitedError as err:
            waits.append(err.retry_after)
        clock.now += 1

    sent = len(amazon.calls(PATH_DEVICES))
    assert len(waits) == polls
    assert min(waits) >= 0
    assert sent <= 10  # 2, 4, 8, ... 512 s apart
    amazon.failures.clear()
    clock.now += BACKOFF_MAX
    assert len(await account.devices(refresh=True)) == 3
    assert len(amazon.calls(PATH_DEVICES)) == sent + 1


async def test_stale_devices_while_rate_limited(
    account: AmazonAccount, amazon: FakeAmazon, clock: FakeClock
) -> None:
    """Answer with the last device list while Amazon asks the bridge to wait."""
    await enroll(account, amazon)
    first = await account.devices()
    amazon.fail(PATH_DEVICES, 429, times=100)
    clock.now += DEVICES_CACHE_SECONDS + 1

    assert await account.devices() == first


async def test_sign_out_deletes_every_credential_file(
    account: AmazonAccount, amazon: FakeAmazon, core: BridgeCore
) -> None:
    """Remove the account file and the classic cookie folder; calls need a new sign-in."""
    await enroll(account, amazon)
    await account.devices()
    folder = await account._store.prepare_classic_dir()
    (folder / ".storage" / "alexa_media.someone@example.com.cookies").write_text("{}")
    assert account._store.path.exists()

    await account.sign_out()

    assert not account._store.path.exists()
    assert not folder.exists()
    assert sorted(p.name for p in core.data_dir.iterdir() if "amazon" in p.name) == []
    assert account.state.status is AccountStatus.SIGNED_OUT
    assert "deleted" in account.state.message
    with pytest.raises(AmazonNotSignedInError):
        await account.devices()
    assert len(amazon.calls("/auth/deregister")) == 1


async def test_credential_files_are_private(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Write the credentials with mode 0600 and the classic folder with 0700."""
    await enroll(account, amazon)
    folder = await account._store.prepare_classic_dir()

    assert stat.S_IMODE(account._store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / ".storage").stat().st_mode) == 0o700
