"""Cross-site request protection for the panel's forms and JSON posts."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

FIELD = "csrf"
HEADER = "X-CSRF-Token"


class CsrfGuard:
    """One random token per bridge process, embedded in every page and checked on every POST."""

    def __init__(self) -> None:
        """Create the token."""
        self.token = secrets.token_urlsafe(32)

    async def check(self, request: web.Request) -> bool:
        """Return whether a state-changing request is same-site and carries the token."""
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return False
        sent = request.headers.get(HEADER)
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            try:
                form = await request.post()
            except (ValueError, BadHttpMessage):  # bad UTF-8, broken multipart: no token
                return False
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
        return sent is not None and hmac.compare_digest(sent, self.token)
