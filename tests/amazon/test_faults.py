"""Amazon's account endpoints failing (5xx) on every call: clear errors, nothing expires."""

from __future__ import annotations

import pytest

from alexa_bridge.amazon import AccountStatus, AmazonAccount, AmazonError, AmazonInputError

from ..fakes.amazon import FakeAmazon
from .conftest import enroll

KITCHEN = "G090LF1234567890"
PHRASE = "ask music assistant to play audio"
# Every Amazon path a signed-in account calls to list Echos and send a text command.
SESSION_PATHS = ["/auth/token", "/ap/exchangetoken/cookies"]
CALL_PATHS = ["/api/devices-v2/device", "/api/behaviors/preview"]


async def _use(account: AmazonAccount, path: str) -> None:
    """Make the call that reaches `path`: a text command, or a fresh device list."""
    if path == "/api/behaviors/preview":
        await account.run_text_command(KITCHEN, PHRASE)
    else:
        await account.devices(refresh=True)


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("path", SESSION_PATHS + CALL_PATHS)
async def test_outage_on_any_path_is_transient(
    account: AmazonAccount, amazon: FakeAmazon, path: str, status: int
) -> None:
    """A 5xx anywhere fails that one call clearly; the session stays signed in and recovers."""
    await enroll(account, amazon)
    account._web.forget()  # type: ignore[union-attr]  # make the next call renew the session
    amazon.fail(path, status)
    if path == "/api/behaviors/preview":
        await account.devices()
    with pytest.raises(AmazonError) as err:
        await _use(account, path)
    assert "Amazon" in str(err.value) or "Alexa" in str(err.value)
    assert account.state.status == AccountStatus.SIGNED_IN
    devices = await account.devices(refresh=True)
    assert any(d.serial == KITCHEN for d in devices)
    await account.run_text_command(KITCHEN, PHRASE)


async def test_language_outage_is_tolerated(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """The language call only brings a CSRF cookie: its outage does not fail the device list."""
    await enroll(account, amazon)
    account._web.forget()  # type: ignore[union-attr]  # make the next call renew the session
    amazon.fail("/api/language", 503)
    devices = await account.devices(refresh=True)
    assert any(d.serial == KITCHEN for d in devices)
    assert account.state.status == AccountStatus.SIGNED_IN


@pytest.mark.parametrize("status", [500, 503])
async def test_outage_during_enrollment_can_be_retried(
    account: AmazonAccount, amazon: FakeAmazon, status: int
) -> None:
    """Amazon failing to register the bridge says so; the user can start again and succeed."""
    url = await account.start_enrollment("amazon.com")
    amazon.fail("/auth/register", status)
    with pytest.raises(AmazonError) as err:
        await account.finish_enrollment(amazon.sign_in(url))
    assert not isinstance(err.value, AmazonInputError) or "again" in str(err.value)
    assert account.state.status != AccountStatus.SIGNED_IN
    await enroll(account, amazon)
    assert account.state.status == AccountStatus.SIGNED_IN
