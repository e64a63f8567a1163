"""Secure enrollment: Amazon's own sign-in page, then the pasted maplanding address."""

from __future__ import annotations

import logging
import re

import aiohttp
from alexapy.secureauth import DeviceCredentials, EnrollmentError, EnrollmentFlow
from yarl import URL

from .const import ENROLLMENT_DOMAINS, ENROLLMENT_VALID_SECONDS
from .errors import AmazonConnectionError, AmazonInputError, AmazonRateLimitedError

_LOGGER = logging.getLogger(__name__)

CODE_PARAM = "openid.oa2.authorization_code"
LANDING_PATH = "/ap/maplanding"
SIGN_IN_PATHS = frozenset({"/ap/register", "/ap/signin", "/ap/mfa", "/ap/cvf/request"})
_AMAZON_HOST = re.compile(r"^(?:www\.)?(amazon(?:\.[a-z]{2,3}){1,2})$")
# alexapy's EnrollmentError texts for Amazon's own refusals (as opposed to transport failures).
_REFUSED = re.compile(r"HTTP 4\d\d|rejected")
_RATE_LIMITED = "HTTP 429"
_RETRY_RATE_LIMITED = 60.0


def expected_prefix(domain: str) -> str:
    """Return the address the user's blank page must start with."""
    return f"https://www.{domain}{LANDING_PATH}?"


class EnrollmentAttempt:
    """One sign-in through Amazon's page: the PKCE secret lives only in memory."""

    def __init__(self, domain: str, started: float) -> None:
        """Start a fresh flow for a country domain the enrollment supports."""
        if domain not in ENROLLMENT_DOMAINS:
            raise AmazonInputError(
                f"Sign-in through Amazon's page is not available for {domain}; "
                "use the classic sign-in (email, password and authenticator key) instead"
            )
        self.domain = domain
        self.started = started
        self._flow = EnrollmentFlow(domain=domain)

    def expired(self, now: float) -> bool:
        """Tell whether Amazon's five minutes for this attempt are over."""
        return now - self.started > ENROLLMENT_VALID_SECONDS

    @property
    def sign_in_url(self) -> str:
        """Return Amazon's sign-in address for the user to open in a new tab."""
        return str(self._flow.oauth_url)

    def code_from(self, pasted_url: str, now: float) -> str:
        """Check the pasted address; return Amazon's code or raise AmazonInputError saying why."""
        url = self._landing_url(pasted_url)
        if not url.query.get(CODE_PARAM):
            if url.query.get("openid.mode") == "cancel":
                raise AmazonInputError("The sign-in was cancelled on Amazon's page; start again")
            raise AmazonInputError(
                "The address has no authorization code: it was cut off. Copy the whole "
                "address of the blank page, including everything after the '?'"
            )
        if self.expired(now):
            raise AmazonInputError(
                "This sign-in expired: Amazon's code is only valid for about 5 minutes. "
                "Start the sign-in again and paste the address right after signing in"
            )
        try:
            return str(self._flow.parse_redirect_url(pasted_url.strip()))
        except EnrollmentError as err:
            raise AmazonInputError(
                f"{err}; the address must start with {expected_prefix(self.domain)}"
            ) from None

    def _landing_url(self, pasted_url: str) -> URL:
        """Return the pasted address when it is this domain's maplanding page, else say why not."""
        expected = expected_prefix(self.domain)
        text = pasted_url.strip()
        if not text:
            raise AmazonInputError(
                "Paste the address of the blank page Amazon showed after you signed in; "
                f"it starts with {expected}"
            )
        try:
            url = URL(text)
        except (TypeError, ValueError):
            url = URL()
        if not url.is_absolute() or not url.host:
            raise AmazonInputError(
                "That is not a web address. Copy the whole address from the browser's "
                f"address bar of the blank page; it starts with {expected}"
            )
        host = url.host.lower()
        match = _AMAZON_HOST.match(host)
        if match is None:
            raise AmazonInputError(
                f"That address is on {host}, not on Amazon. Copy the address of the blank "
                f"Amazon page you land on after signing in; it starts with {expected}"
            )
        if match.group(1) != self.domain:
            raise AmazonInputError(
                f"That address is from {match.group(1)}, but you chose {self.domain}. "
                f"Choose {match.group(1)} in the country list and start the sign-in again, "
                f"or sign in on {self.domain}"
            )
        if url.scheme != "https" or not host.startswith("www."):
            raise AmazonInputError(f"The address must start with {expected}")
        if url.path in SIGN_IN_PATHS:
            raise AmazonInputError(
                "That is Amazon's sign-in page, not the page after it. Finish signing in "
                "(including any code or approval Amazon asks for) until a blank page "
                f"appears, then copy its address; it starts with {expected}"
            )
        if url.path != LANDING_PATH:
            raise AmazonInputError(
                f"That is a different Amazon page ({url.path}). After signing in Amazon "
                f"shows a blank page whose address starts with {expected}; copy that one"
            )
        return url

    async def register(self, session: aiohttp.ClientSession, code: str) -> DeviceCredentials:
        """Exchange Amazon's code for device credentials, with errors that say what to do."""
        try:
            return await self._flow.async_register(session, code)
        except EnrollmentError as err:
            text = str(err)
            if _RATE_LIMITED in text:
                raise AmazonRateLimitedError(_RETRY_RATE_LIMITED) from None
            if _REFUSED.search(text):
                _LOGGER.info("Amazon refused the enrollment code: %s", text)
                raise AmazonInputError(
                    "Amazon did not accept this sign-in: its code has expired (it is valid "
                    "for about 5 minutes) or was already used. Start the sign-in again and "
                    "paste the address right after signing in"
                ) from None
            _LOGGER.warning("Enrollment with Amazon failed: %s", text)
            raise AmazonConnectionError(
                "Amazon could not be reached to finish the sign-in; check the internet "
                "connection and start the sign-in again"
            ) from err
