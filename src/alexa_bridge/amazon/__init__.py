"""The Amazon account: sign-in (secure enrollment or classic), the session, Echo devices."""

# How this talks to Amazon (alexapy 1.33, read from its source):
# - secureauth's EnrollmentFlow.async_register and TokenManager take an aiohttp session as an
#   argument. We pass our own cookie-less session built on the core session's connector, so
#   the core's resolver, TLS trust and pool apply; tests reach the fake by handing the core a
#   session whose connector maps Amazon's host names to 127.0.0.1 and trusts the test CA.
# - AlexaLogin (the classic sign-in) and AlexaAPI build their own ClientSession and pass
#   `ssl=` a certifi-only context made at import time on every request, and AlexaAPI retries
#   429s itself with real sleeps (up to 10 tries, 2 minutes). So AlexaLogin is used only to
#   sign in; its result is turned into DeviceCredentials, and devices and text commands go
#   through web.py: the same paths and payloads as AlexaAPI.get_devices and run_custom,
#   on cookies TokenManager mints, with our back-off.

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
