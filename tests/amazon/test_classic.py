"""Classic sign-in: the authenticator key is checked first; Amazon's steps become panel steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import stat
from typing import Any, ClassVar

import pyotp
import pytest

from alexa_bridge.amazon import (
    AccountStatus,
    AmazonAccount,
    AmazonInputError,
    ClassicStep,
    ClassicStepKind,
    classic,
)
from alexa_bridge.amazon.classic import answer_data, step_from_status

from ..fakes.amazon import FakeAmazon

KEY = "AWP5QYD2MXUOKYGYG52PVMHWPLWNOLXHYN6HQKUFINUIENURU6PS"
SPACED = " ".join(KEY[i : i + 4] for i in range(0, len(KEY), 4)).lower()


@pytest.mark.parametrize("code", ["123456", "123 456", " 12345678 "])
def test_six_digit_code_is_explained(account: AmazonAccount, code: str) -> None:
    """Explain that the authenticator KEY is wanted, not the code it shows."""
    with pytest.raises(AmazonInputError, match="KEY") as caught:
        account.validate_otp_key(code)
    assert "digit code" in str(caught.value)


def test_lowercase_and_spaces_are_normalised(account: AmazonAccount) -> None:
    """Accept the key as Amazon groups it, in any case."""
    assert account.validate_otp_key(SPACED) == KEY
    assert account.validate_otp_key(f"  {KEY.lower()}\n") == KEY


@pytest.mark.parametrize("key", [KEY[:30], KEY[:10], KEY + "AB"])
def test_wrong_length_is_refused(account: AmazonAccount, key: str) -> None:
    """Name the length found and the length Amazon's keys have."""
    with pytest.raises(AmazonInputError, match=rf"has {len(key)} characters.*52"):
        account.validate_otp_key(key)


@pytest.mark.parametrize("length", [16, 22])
def test_keys_pyotp_cannot_use_are_refused(account: AmazonAccount, length: int) -> None:
    """A key under pyotp's 112 bits (23 characters) is refused, never a crash later."""
    with pytest.raises(AmazonInputError) as caught:
        account.current_otp_code(KEY[:length])
    assert caught.value.field == "otp_key"
    with pytest.raises(ValueError, match=r"112 bits|padding"):  # too few bits, or undecodable
        pyotp.TOTP(KEY[:length]).now()  # what the live check used to run into


@pytest.mark.parametrize("length", [23, 24, 32, 52, 56])
def test_keys_pyotp_can_use_give_its_codes(account: AmazonAccount, length: int) -> None:
    """Shorter and longer keys that decode to 112 bits or more make the same codes as pyotp."""
    assert account.current_otp_code(KEY[:length]) == pyotp.TOTP(KEY[:length]).now()


def test_non_base32_characters_are_named(account: AmazonAccount) -> None:
    """List the characters a base32 key can not contain (0, 1, 8, 9, punctuation)."""
    with pytest.raises(AmazonInputError, match=r"A-Z and the digits 2-7.*'0', '1', '8'"):
        account.validate_otp_key(KEY[:49] + "018")


def test_empty_key_is_refused(account: AmazonAccount) -> None:
    """Ask for the key when nothing was entered."""
    with pytest.raises(AmazonInputError, match="authenticator app key"):
        account.validate_otp_key("   ")


def test_current_code_matches_pyotp(account: AmazonAccount) -> None:
    """Show the same code the user's authenticator app shows now."""
    assert account.current_otp_code(SPACED) == pyotp.TOTP(KEY).now()


async def test_bad_key_stops_before_amazon(account: AmazonAccount, amazon: FakeAmazon) -> None:
    """Refuse a 6-digit code at sign-in without starting alexapy or calling Amazon."""
    with pytest.raises(AmazonInputError, match="KEY"):
        await account.classic_login("amazon.com", "me@example.com", "secret", "123456")
    with pytest.raises(AmazonInputError, match="email"):
        await account.classic_login("amazon.com", " ", "secret", KEY)
    assert amazon.requests == []
    assert account.state.status is AccountStatus.SIGNED_OUT


@pytest.mark.parametrize(
    ("status", "kind", "detail"),
    [
        ({"login_successful": True}, ClassicStepKind.DONE, "Signed in"),
        (
            {"captcha_required": True, "captcha_image_url": "https://images/c.jpg"},
            ClassicStepKind.CAPTCHA,
            "picture",
        ),
        ({"securitycode_required": True}, ClassicStepKind.CODE, "verification code"),
        ({"verificationcode_required": True}, ClassicStepKind.CODE, "verification code"),
        (
            {"claimspicker_required": True, "claimspicker_message": "* SMS\n* Email\n"},
            ClassicStepKind.CHOICE,
            "send the verification code",
        ),
        (
            {"action_required": True, "message": "Check your phone"},
            ClassicStepKind.APPROVAL,
            "phone",
        ),
        (
            {"login_failed": "login_failed", "error_message": "Your password is incorrect"},
            ClassicStepKind.FAILED,
            "password is incorrect",
        ),
        ({"login_failed": "forgot_password"}, ClassicStepKind.FAILED, "too many failed"),
        (None, ClassicStepKind.FAILED, "did not accept"),
    ],
)
def test_alexapy_status_becomes_a_step(
    status: dict[str, Any] | None, kind: ClassicStepKind, detail: str
) -> None:
    """Translate each alexapy status into one step with a message saying what to do."""
    step = step_from_status(status)
    assert step.kind is kind
    assert detail in step.message
    if kind is ClassicStepKind.CAPTCHA:
        assert step.captcha_url == "https://images/c.jpg"
    if kind is ClassicStepKind.CHOICE:
        assert step.options == ("SMS", "Email")


def test_answers_become_alexapy_form_data() -> None:
    """Fill the alexapy field each step expects, and refuse empty or impossible answers."""
    captcha = ClassicStep(ClassicStepKind.CAPTCHA, "")
    code = ClassicStep(ClassicStepKind.CODE, "")
    choice = ClassicStep(ClassicStepKind.CHOICE, "", options=("SMS", "Email"))
    assert answer_data(captcha, {}, {"captcha": " ab12 "}) == {"captcha": "ab12"}
    assert answer_data(code, {"securitycode_required": True}, {"code": "123456"}) == {
        "securitycode": "123456"
    }
    assert answer_data(code, {"verificationcode_required": True}, {"code": "9"}) == {
        "verificationcode": "9"
    }
    assert answer_data(choice, {"claimspicker_required": True}, {"choice": "1"}) == {
        "claimsoption": "1"
    }
    assert answer_data(ClassicStep(ClassicStepKind.APPROVAL, ""), {}, {}) == {}
    with pytest.raises(AmazonInputError):
        answer_data(choice, {"claimspicker_required": True}, {"choice": "5"})
    with pytest.raises(AmazonInputError):
        answer_data(captcha, {}, {})


class ScriptedLogin:
    """Stand in for alexapy's AlexaLogin: each `login()` round moves to the next status."""

    script: ClassVar[list[dict[str, Any]]] = []
    instances: ClassVar[list[ScriptedLogin]] = []

    def __init__(
        self,
        *,
        url: str,
        email: str,
        password: str,
        outputpath: Callable[[str], str],
        otp_secret: str = "",
        oauth_login: bool = True,
    ) -> None:
        """Record what alexapy would be given."""
        self.url, self.email, self.password = url, email, password
        self.outputpath, self.otp_secret, self.oauth_login = outputpath, otp_secret, oauth_login
        self.status: dict[str, Any] = {}
        self.rounds: list[dict[str, Any]] = []
        self.refresh_token: str | None = None
        self.mac_dms: dict[str, str] = {}
        self.uuid = "ABCDEF0123456789ABCDEF0123456789"
        self.customer_id: str | None = None
        self.closed = False
        self.session = None
        ScriptedLogin.instances.append(self)

    async def login(self, data: dict[str, Any] | None = None) -> None:
        """Move to the next scripted status; on success write the cookie file as alexapy does."""
        self.rounds.append(dict(data or {}))
        self.status = self.script[len(self.rounds) - 1]
        if self.status.get("login_successful"):
            self.refresh_token = "Atnr|classic"
            self.mac_dms = {"device_private_key": "k"}
            self.customer_id = "A1CLASSIC"
            cookie = Path(self.outputpath(f".storage/alexa_media.{self.email}.cookies"))
            cookie.write_text("{}")
            cookie.chmod(0o644)

    def set_totp(self, secret: str) -> None:
        """Forget the key."""
        self.otp_secret = secret

    async def close(self) -> None:
        """Note the close."""
        self.closed = True


async def test_classic_steps_to_signed_in(
    account: AmazonAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walk captcha then code to signed in; store the device credentials, cookies 0600."""
    ScriptedLogin.instances = []
    ScriptedLogin.script = [
        {"captcha_required": True, "captcha_image_url": "https://images/c.jpg"},
        {"securitycode_required": True},
        {"login_successful": True},
    ]
    monkeypatch.setattr(classic, "AlexaLogin", ScriptedLogin)

    step = await account.classic_login("amazon.de", "me@example.com", "secret", SPACED)
    assert step.kind is ClassicStepKind.CAPTCHA
    assert account.state.status is AccountStatus.SIGNING_IN
    assert account.state.method == "classic"
    step = await account.classic_continue({"captcha": "ab12"})
    assert step.kind is ClassicStepKind.CODE
    step = await account.classic_continue({"code": "654321"})
    assert step.kind is ClassicStepKind.DONE

    [login] = ScriptedLogin.instances
    assert (login.url, login.otp_secret) == ("amazon.de", "")  # key dropped after sign-in
    assert login.password == ""
    assert login.rounds == [{}, {"captcha": "ab12"}, {"securitycode": "654321"}]
    assert login.closed
    assert account.state.status is AccountStatus.SIGNED_IN
    assert (account.state.domain, account.state.method) == ("amazon.de", "classic")
    credentials = account._store.credentials
    assert credentials is not None
    assert (credentials.refresh_token, credentials.serial) == ("Atnr|classic", login.uuid)
    stored = account._store.path.read_text()
    assert "secret" not in stored
    assert KEY not in stored
    for path in account._store.classic_dir.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


async def test_classic_failure_returns_to_signed_out(
    account: AmazonAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pass Amazon's refusal on and leave no sign-in waiting."""
    ScriptedLogin.instances = []
    ScriptedLogin.script = [{"login_failed": "login_failed", "error_message": "Wrong password"}]
    monkeypatch.setattr(classic, "AlexaLogin", ScriptedLogin)

    step = await account.classic_login("amazon.com", "me@example.com", "nope", "")

    assert step.kind is ClassicStepKind.FAILED
    assert "Wrong password" in step.message
    assert account.state.status is AccountStatus.SIGNED_OUT
    with pytest.raises(AmazonInputError, match="start the sign-in again"):
        await account.classic_continue({})
