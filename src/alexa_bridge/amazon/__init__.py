"""The Amazon account: sign-in (secure enrollment or classic), the session, Echo devices."""

from __future__ import annotations

from .account import AmazonAccount
from .const import DOMAINS, ENROLLMENT_DOMAINS
from .errors import (
    AmazonAuthError,
    AmazonConnectionError,
    AmazonError,
    AmazonInputError,
    AmazonNotSignedInError,
    AmazonRateLimitedError,
)
from .models import AccountState, AccountStatus, ClassicStep, ClassicStepKind, EchoDevice

__all__ = [
    "DOMAINS",
    "ENROLLMENT_DOMAINS",
    "AccountState",
    "AccountStatus",
    "AmazonAccount",
    "AmazonAuthError",
    "AmazonConnectionError",
    "AmazonError",
    "AmazonInputError",
    "AmazonNotSignedInError",
    "AmazonRateLimitedError",
    "ClassicStep",
    "ClassicStepKind",
    "EchoDevice",
]
