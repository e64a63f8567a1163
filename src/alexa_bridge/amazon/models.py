"""Typed results of the Amazon account component."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from enum import StrEnum


class AccountStatus(StrEnum):
    """Where the Amazon sign-in stands."""

    SIGNED_OUT = "signed_out"
    SIGNING_IN = "signing_in"
    SIGNED_IN = "signed_in"
    EXPIRED = "expired"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class AccountState:
    """The account's status, with a human message that says what to do next."""

    status: AccountStatus
    domain: str | None
    method: str | None  # "enrollment", "classic" or None
    message: str
    since: dt.datetime


class ClassicStepKind(StrEnum):
    """What Amazon wants next during a classic (email and password) sign-in."""

    DONE = "done"
    CAPTCHA = "captcha"
    CODE = "code"
    CHOICE = "choice"
    APPROVAL = "approval"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ClassicStep:
    """One step of the classic sign-in; answer it with `classic_continue()`."""

    kind: ClassicStepKind
    message: str
    captcha_url: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EchoDevice:
    """An Echo (or other Alexa device) of the account."""

    name: str  # accountName: the friendly name, which Music Assistant uses as player id
    serial: str
    device_type: str
    family: str
    online: bool
    can_play: bool
    owner_customer_id: str | None = None
