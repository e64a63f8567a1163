"""Classic sign-in through alexapy's AlexaLogin: email, password and authenticator key."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from pathlib import Path
from typing import Any

from alexapy import AlexaLogin, AlexapyConnectionError, AlexapyLoginError
from alexapy.secureauth import DeviceCredentials

from .errors import AmazonConnectionError, AmazonInputError
from .models import ClassicStep, ClassicStepKind

_LOGGER = logging.getLogger(__name__)

# What the panel may answer, and the form field alexapy fills with it per step.
ANSWER_CAPTCHA = "captcha"
ANSWER_CODE = "code"
ANSWER_CHOICE = "choice"


def _options(message: object) -> tuple[str, ...]:
    """Split alexapy's option listing (one option a line) into labels."""
    if not isinstance(message, str):
        return ()
    return tuple(line.strip(" *`\t") for line in message.splitlines() if line.strip())


def step_from_status(status: Mapping[str, Any] | None) -> ClassicStep:
    """Translate alexapy's `login.status` into the step the panel shows next."""
    status = status or {}
    amazon_says = str(status.get("error_message") or status.get("message") or "").strip()
    suffix = f" Amazon says: {amazon_says}" if amazon_says else ""
    if status.get("login_successful"):
        return ClassicStep(ClassicStepKind.DONE, "Signed in to Amazon")
    if status.get("captcha_required"):
        return ClassicStep(
            ClassicStepKind.CAPTCHA,
            "Amazon wants to be sure a person is signing in: type the characters in the "
            "picture." + suffix,
            captcha_url=str(status.get("captcha_image_url") or "") or None,
        )
    if status.get("securitycode_required") or status.get("verificationcode_required"):
        return ClassicStep(
            ClassicStepKind.CODE,
            "Enter the verification code Amazon sent (text message, e-mail or the "
            "authenticator app)." + suffix,
        )
    if status.get("claimspicker_required"):
        return ClassicStep(
            ClassicStepKind.CHOICE,
            "Choose where Amazon should send the verification code." + suffix,
            options=_options(status.get("claimspicker_message")),
        )
    if status.get("authselect_required"):
        return ClassicStep(
            ClassicStepKind.CHOICE,
            "Choose how Amazon should send the one-time code." + suffix,
            options=_options(status.get("authselect_message")),
        )
    if status.get("action_required") or status.get("approval_status"):
        return ClassicStep(
            ClassicStepKind.APPROVAL,
            "Approve the sign-in in the Amazon app or in the e-mail Amazon sent, then "
            "press Continue." + suffix,
        )
    if status.get("login_failed") == "forgot_password":
        return ClassicStep(
            ClassicStepKind.FAILED,
            "Amazon saw too many failed sign-ins and wants the password reset or a pause. "
            "Sign in on Amazon's website once, wait a while, then try again.",
        )
    return ClassicStep(
        ClassicStepKind.FAILED,
        "Amazon did not accept the sign-in. Check the email, the password and the "
        "authenticator key (the current code shown must match your app), or use the "
        "recommended sign-in through Amazon's page." + suffix,
    )


def answer_data(
    step: ClassicStep, status: Mapping[str, Any] | None, answer: Mapping[str, Any]
) -> dict[str, str]:
    """Turn the panel's answer to `step` into the form data alexapy's `login()` takes."""
    value = str(answer.get(_ANSWER_KEYS.get(step.kind, ""), "") or "").strip()
    status = status or {}
    match step.kind:
        case ClassicStepKind.CAPTCHA:
            if not value:
                raise AmazonInputError("Type the characters shown in the picture", field="answer")
            return {"captcha": value}
        case ClassicStepKind.CODE:
            if not value:
                raise AmazonInputError("Enter the verification code Amazon sent", field="answer")
            field = (
                "verificationcode" if status.get("verificationcode_required") else "securitycode"
            )
            return {field: value}
        case ClassicStepKind.CHOICE:
            if not value.isdigit() or int(value) >= max(len(step.options), 1):
                raise AmazonInputError("Choose one of the offered options", field="answer")
            field = "claimsoption" if status.get("claimspicker_required") else "authselectoption"
            return {field: value}
        case ClassicStepKind.APPROVAL:
            return {}
        case ClassicStepKind.DONE | ClassicStepKind.FAILED:
            raise AmazonInputError("There is no sign-in step waiting; start the sign-in again")


_ANSWER_KEYS = {
    ClassicStepKind.CAPTCHA: ANSWER_CAPTCHA,
    ClassicStepKind.CODE: ANSWER_CODE,
    ClassicStepKind.CHOICE: ANSWER_CHOICE,
}


class ClassicSignIn:
    """One classic sign-in; the password and key live in alexapy's object, in memory only."""

    def __init__(self, domain: str, email: str, password: str, otp_key: str, folder: Path) -> None:
        """Prepare alexapy's login object; its cookie file goes under `folder`."""
        self.domain = domain
        self._folder = folder
        self._login = AlexaLogin(
            url=domain,
            email=email,
            password=password,
            outputpath=self._output_path,
            otp_secret=otp_key,
            oauth_login=True,
        )
        self.step = ClassicStep(ClassicStepKind.FAILED, "Not started")

    def _output_path(self, name: str) -> str:
        """Place every file alexapy writes inside the private folder."""
        return str(self._folder / name)

    async def start(self) -> ClassicStep:
        """Submit email, password and the current code; return what Amazon wants next."""
        return await self._login_step({})

    async def answer(self, answer: Mapping[str, Any]) -> ClassicStep:
        """Submit the user's answer to the current step."""
        data = answer_data(self.step, self._login.status, answer)
        return await self._login_step(data)

    async def _login_step(self, data: dict[str, str]) -> ClassicStep:
        """Run one round of alexapy's login and record the resulting step."""
        try:
            await self._login.login(data=dict(data))
        except AlexapyConnectionError as err:
            raise AmazonConnectionError(
                "Amazon's sign-in page could not be reached; check the internet connection"
            ) from err
        except AlexapyLoginError:
            self.step = step_from_status({"login_failed": True})
            return self.step
        self.step = step_from_status(self._login.status)
        _LOGGER.debug("Classic sign-in step: %s", self.step.kind)
        return self.step

    def credentials(self) -> DeviceCredentials | None:
        """Return the device credentials the finished sign-in registered, if any."""
        login = self._login
        if not login.refresh_token:
            return None
        mac_dms = login.mac_dms if isinstance(login.mac_dms, dict) else {}
        return DeviceCredentials(
            refresh_token=str(login.refresh_token),
            mac_dms=mac_dms,
            serial=str(login.uuid),
            customer_id=login.customer_id,
            domain=self.domain,
        )

    async def close(self) -> None:
        """Close alexapy's own HTTP session and drop the password and key."""
        self._login.password = ""
        self._login.set_totp("")
        await self._login.close()
        session = self._login.session
        if session is not None and not session.closed:
            await session.close()
