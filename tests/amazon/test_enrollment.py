"""Secure enrollment: the pasted address is checked precisely, then alexapy registers."""

from __future__ import annotations

import json
import stat

from alexapy.secureauth import EnrollmentFlow
import pytest

from alexa_bridge.amazon import AccountStatus, AmazonAccount, AmazonInputError
from alexa_bridge.amazon.const import DOMAINS, FILE_ACCOUNT

from ..fakes.amazon import FakeAmazon
from .conftest import FakeClock

LANDING = "https://www.amazon.com/ap/maplanding"


async def test_enrollment_success(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Sign in through Amazon's page: credentials stored privately, no password anywhere."""
    url = await account.start_enrollment("amazon.com")
    assert url.startswith("https://www.amazon.com/ap/register?")
    assert account.state.status is AccountStatus.SIGNING_IN

    state = await account.finish_enrollment("  " + amazon.sign_in(url) + "\n")

    assert state.status is AccountStatus.SIGNED_IN
    assert (state.domain, state.method) == ("amazon.com", "enrollment")
    [register] = amazon.calls("/auth/register")
    assert register.host == "api.amazon.com"
    stored_file = account._store.path
    assert stored_file.name == FILE_ACCOUNT
    assert stat.S_IMODE(stored_file.stat().st_mode) == 0o600
    stored = json.loads(stored_file.read_text())
    assert stored["method"] == "enrollment"
    assert stored["credentials"]["refresh_token"] in amazon.refresh_tokens
    assert "password" not in stored_file.read_text()
    assert not list(stored_file.parent.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("", "Paste the address of the blank page"),
        ("the code is 123456", "not a web address"),
        ("https://www.google.com/ap/maplanding?openid.oa2.authorization_code=x", "not on Amazon"),
        ("http://www.amazon.com/ap/maplanding?openid.oa2.authorization_code=x", "must start with"),
        ("https://www.amazon.com/ap/register?openid.mode=checkid_setup", "sign-in page"),
        ("https://www.amazon.com/gp/yourstore/home", "different Amazon page"),
        (f"{LANDING}?openid.assoc_handle=amzn_dp_project_dee_ios", "no authorization code"),
        (f"{LANDING}?openid.mode=cancel", "cancelled"),
        ("https://amazon.com/ap/maplanding?openid.oa2.authorization_code=x", "must start with"),
    ],
)
async def test_wrong_pasted_url(
    account: AmazonAccount, amazon: FakeAmazon, pasted: str, expected: str
) -> None:
    """Refuse each wrong paste with a message saying what is wrong; a right one still works."""
    url = await account.start_enrollment("amazon.com")

    with pytest.raises(AmazonInputError, match=expected):
        await account.finish_enrollment(pasted)

    assert amazon.calls("/auth/register") == []
    assert account.state.status is AccountStatus.SIGNING_IN
    await account.finish_enrollment(amazon.sign_in(url))
    assert account.state.status is AccountStatus.SIGNED_IN


async def test_other_country_domain(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Name both domains when the pasted address is from another country than chosen."""
    await account.start_enrollment("amazon.de")
    other = EnrollmentFlow(domain="amazon.com").oauth_url

    with pytest.raises(AmazonInputError, match=r"from amazon\.com, but you chose amazon\.de"):
        await account.finish_enrollment(amazon.sign_in(other))
    assert amazon.calls("/auth/register") == []


async def test_expired_by_time(
    account: AmazonAccount, amazon: FakeAmazon, clock: FakeClock
) -> None:
    """Say the sign-in expired after five minutes, without asking Amazon."""
    url = await account.start_enrollment("amazon.com")
    landing = amazon.sign_in(url)
    clock.now += 301

    with pytest.raises(AmazonInputError, match="expired"):
        await account.finish_enrollment(landing)

    assert amazon.calls("/auth/register") == []
    assert account.state.status is AccountStatus.SIGNED_OUT
    with pytest.raises(AmazonInputError, match="Start the sign-in first"):
        await account.finish_enrollment(landing)


async def test_expired_code_refused_by_amazon(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Turn Amazon's refusal of a stale code into 'start again', not a raw HTTP error."""
    url = await account.start_enrollment("amazon.com")
    landing = amazon.sign_in(url)
    amazon.expire_codes()

    with pytest.raises(AmazonInputError, match=r"expired .*or was already used"):
        await account.finish_enrollment(landing)

    assert len(amazon.calls("/auth/register")) == 1
    assert account.state.status is AccountStatus.SIGNED_OUT
    assert not account._store.path.exists()


async def test_enrollment_not_offered_for_unsupported_domain(account: AmazonAccount) -> None:
    """Point to the classic sign-in where alexapy's enrollment has no support (amazon.nl)."""
    with pytest.raises(AmazonInputError, match="classic sign-in"):
        await account.start_enrollment("amazon.nl")
    with pytest.raises(AmazonInputError, match="Unknown Amazon country domain"):
        await account.start_enrollment("amazon.example")


async def test_domains_listed_once() -> None:
    """Offer the country domains from one constant, normalised input accepted."""
    assert "amazon.co.uk" in DOMAINS
    assert len(set(DOMAINS)) == len(DOMAINS) >= 13
