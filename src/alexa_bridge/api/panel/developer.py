"""The wizard's developer step: the security profile, Amazon's consent, the stored token."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...core import BridgeCore
from ...panel.wizard import StepId
from ...smapi.const import DEVELOPER_CONSOLE_URL, PASTE_RETURN_URL
from .render import redirect
from .steps import Action, Fields

ANCHOR = "setup#step-developer"
DEVELOPER_SIGNUP_URL = "https://developer.amazon.com/"


class DeveloperStep:
    """Authorize the bridge to manage its own skill through Amazon's Skill Management API."""

    step = StepId.DEVELOPER

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    def actions(self) -> dict[str, Action]:
        """Return the actions of this step's forms."""
        return {
            "developer_start": self._start,
            "developer_paste": self._paste,
            "developer_forget": self._forget,
        }

    def context(self, _request: web.Request) -> dict[str, Any]:
        """Return what the step shows, with the values to paste into Amazon's console."""
        prov = self.core.provisioning
        dev = prov.developer
        return {
            "dev_status": dev.status.value,
            "dev_client_id": dev.client_id,
            "dev_message": dev.message,
            "dev_pending": prov.authorization.latest,
            "dev_callback_url": prov.callback_url,
            "dev_paste_url": PASTE_RETURN_URL,
            "dev_console_url": DEVELOPER_CONSOLE_URL,
            "dev_signup_url": DEVELOPER_SIGNUP_URL,
        }

    async def _start(self, _request: web.Request, fields: Fields) -> web.Response:
        """Save the client (when typed) and go to Amazon's consent page in the form's new tab."""
        prov = self.core.provisioning
        client_id = fields.get("client_id", "").strip()
        secret = fields.get("client_secret", "")
        if secret or client_id != (prov.developer.client_id or ""):
            await prov.save_client(client_id, secret)
        # Amazon returns to the public address when there is one; a pasted address works too.
        pending = prov.start_authorization(via_callback=prov.callback_url is not None)
        raise redirect(pending.consent_url)

    async def _paste(self, _request: web.Request, fields: Fields) -> web.Response:
        """Finish an authorization from the pasted return address or code."""
        await self.core.provisioning.finish_pasted(fields.get("answer", ""))
        raise redirect(ANCHOR)

    async def _forget(self, _request: web.Request, _fields: Fields) -> web.Response:
        """Remove the refresh token and the security profile."""
        await self.core.provisioning.forget()
        raise redirect(ANCHOR)
