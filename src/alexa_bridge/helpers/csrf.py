"""Cross-site request protection for the panel's forms and JSON posts."""

from __future__ import annotations

import asyncio
import hmac
from pathlib import Path
import secrets

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from .files import write_private_atomic

FIELD = "csrf"
HEADER = "X-CSRF-Token"
FILE_TOKEN = "panel_form_token"  # noqa: S105 - a file name, not a secret
TOKEN_BYTES = 32


def _load_or_create(path: Path) -> str:
    """Return the stored token, or store a new one (0600) when there is none or it is damaged."""
    try:
        token = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        token = ""
    if len(token) < TOKEN_BYTES:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        write_private_atomic(path, token.encode("ascii"))
    return token


class CsrfGuard:
    """One random token per data directory, embedded in every page and checked on every POST.

    The token is kept in the data directory, so a panel tab left open across an add-on restart
    still submits.
    """

    def __init__(self, data_dir: Path) -> None:
        """Remember where the token is kept; `setup()` loads it."""
        self._path = data_dir / FILE_TOKEN
        self._token: str | None = None

    async def setup(self) -> None:
        """Load the token, creating it on first start."""
        loop = asyncio.get_running_loop()
        self._token = await loop.run_in_executor(None, _load_or_create, self._path)

    @property
    def token(self) -> str:
        """Return the token the panel's pages carry."""
        if self._token is None:
            raise RuntimeError("CsrfGuard used before setup()")
        return self._token

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
