"""Developer authorization: Amazon's consent page, a checked `state`, the code exchange."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from .const import CONSENT_URL, LWA_TOKEN_PATH, MAX_PENDING, SCOPES, STATE_TTL
from .errors import ProvisioningInputError

_LOGGER = logging.getLogger(__name__)

EXCHANGE_TIMEOUT = aiohttp.ClientTimeout(total=15)
STATE_BYTES = 24


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """An authorization started in the panel, waiting for Amazon's code."""

    state: str
    redirect_uri: str
    consent_url: str
    created: float


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """What Login with Amazon returned for a code."""

    refresh_token: str
    access_token: str


def consent_url(client_id: str, state: str, redirect_uri: str) -> str:
    """Build the address of Amazon's consent page for the three SMAPI scopes."""
    query = urlencode(
        {
            "client_id": client_id,
            "scope": SCOPES,
            "response_type": "code",
            "state": state,
            "redirect_uri": redirect_uri,
        }
    )
    return f"{CONSENT_URL}?{query}"


def parse_pasted(text: str) -> tuple[str, str | None]:
    """Return (code, state) from a pasted return address, or (code, None) from a bare code."""
    text = text.strip()
    if not text:
        raise ProvisioningInputError(
            "Paste the address Amazon returned to, or its code", field="answer"
        )
    if "://" in text or text.startswith(("?", "/")) or "code=" in text:
        query = parse_qs(urlsplit(text if "://" in text else f"x://x/{text.lstrip('/')}").query)
        if "error" in query:
            reason = query.get("error_description", query["error"])[0]
            raise ProvisioningInputError(f"Amazon did not grant access: {reason}")
        codes = query.get("code")
        if not codes:
            raise ProvisioningInputError(
                "The address has no code= part: copy the whole address of the page Amazon "
                "opened after you allowed access",
                field="answer",
            )
        states = query.get("state")
        return codes[0], states[0] if states else None
    if not text.isascii() or any(ch.isspace() for ch in text) or len(text) > 512:  # noqa: PLR2004
        raise ProvisioningInputError(
            "That does not look like an authorization code", field="answer"
        )
    return text, None


class DeveloperAuthorization:
    """Start authorizations with a random state and redeem Amazon's code exactly once."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """Start with nothing pending."""
        self._clock = clock
        self._pending: dict[str, PendingAuthorization] = {}

    @property
    def latest(self) -> PendingAuthorization | None:
        """Return the newest authorization still waiting, if any."""
        self._expire()
        return max(self._pending.values(), key=lambda p: p.created, default=None)

    def start(self, client_id: str, redirect_uri: str) -> PendingAuthorization:
        """Create a state for one authorization and the consent address that carries it."""
        self._expire()
        while len(self._pending) >= MAX_PENDING:
            oldest = min(self._pending.values(), key=lambda p: p.created)
            del self._pending[oldest.state]
        state = secrets.token_urlsafe(STATE_BYTES)
        pending = PendingAuthorization(
            state, redirect_uri, consent_url(client_id, state, redirect_uri), self._clock()
        )
        self._pending[state] = pending
        return pending

    def claim(self, state: str | None) -> PendingAuthorization:
        """Take the authorization a code belongs to; refuse an unknown or expired state."""
        self._expire()
        if state is None:
            latest = self.latest
            if latest is None:
                raise ProvisioningInputError(
                    "No authorization is waiting (they expire after 10 minutes): "
                    "press Authorize again"
                )
            return self._pending.pop(latest.state)
        pending = self._pending.pop(state, None)
        if pending is None:
            raise ProvisioningInputError(
                "This answer does not belong to an authorization started here, or it is older "
                "than 10 minutes: press Authorize again"
            )
        return pending

    def clear(self) -> None:
        """Forget every pending authorization."""
        self._pending.clear()

    def _expire(self) -> None:
        """Drop authorizations older than the state lifetime."""
        limit = self._clock() - STATE_TTL
        for state in [s for s, p in self._pending.items() if p.created < limit]:
            del self._pending[state]


async def exchange_code(
    session: aiohttp.ClientSession,
    lwa_url: str,
    *,
    code: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
) -> TokenAnswer:
    """Redeem an authorization code at Login with Amazon for a refresh token."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        async with session.post(
            f"{lwa_url}{LWA_TOKEN_PATH}", data=form, timeout=EXCHANGE_TIMEOUT
        ) as resp:
            body = await resp.json(content_type=None)
            status = resp.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        raise ProvisioningInputError(
            f"Login with Amazon could not be reached ({type(err).__name__}); try again"
        ) from err
    if status != 200 or not isinstance(body, dict) or "refresh_token" not in body:  # noqa: PLR2004
        error = body.get("error") if isinstance(body, dict) else None
        detail = body.get("error_description") if isinstance(body, dict) else None
        _LOGGER.warning("Login with Amazon refused the authorization code: %s", error or status)
        if error == "invalid_grant":
            raise ProvisioningInputError(
                f"Amazon refused the code ({detail or error}): codes work once and for 5 minutes; "
                "press Authorize again"
            )
        if error in ("invalid_client", "unauthorized_client"):
            raise ProvisioningInputError(
                f"Amazon refused the client id or secret ({detail or error}): copy both again "
                "from the security profile's Web Settings"
            )
        raise ProvisioningInputError(
            f"Login with Amazon answered HTTP {status} ({detail or error or 'no details'})"
        )
    return TokenAnswer(str(body["refresh_token"]), str(body.get("access_token", "")))
