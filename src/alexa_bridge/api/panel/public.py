"""The wizard's public address step: the address, its check, Home Assistant's offer."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...core import BridgeCore
from ...panel.wizard import StepId
from .render import PanelInputError, at_field, redirect, translator
from .steps import Action, Fields

ANCHOR = "setup#step-public"


class PublicStep:
    """Let the user give the https address that reaches the bridge's public port."""

    step = StepId.PUBLIC

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core; the address and its check live in the PublicAddress component."""
        self.core = core

    def actions(self) -> dict[str, Action]:
        """Return the actions of this step's forms."""
        return {
            "public_url": self._save,
            "public_check": self._check,
            "public_home_assistant": self._use_home_assistant,
        }

    def context(self, _request: web.Request) -> dict[str, Any]:
        """Return what the step shows."""
        address = self.core.public_address
        return {
            "public_url": address.url,
            "public_from_option": address.from_option,
            "public_check": address.check,
            "public_port": self.core.options.public_port,
            "home_assistant": self._home_assistant_offer(),
        }

    def _home_assistant_offer(self) -> dict[str, str | None] | None:
        """Return Home Assistant's public address for the bridge, or why there is none."""
        link = self.core.home_assistant.link
        if link is None or self.core.public_address.from_option:
            return None
        url, reason = link.public_url()
        return {"url": url, "reason": reason}

    async def _save(self, request: web.Request, fields: Fields) -> web.Response:
        """Store the address typed in the panel and check it."""
        if self.core.public_address.from_option:
            raise PanelInputError(translator(request)("public.option"), "public_url")
        with at_field("public_url"):
            await self.core.public_address.save(fields.get("public_url", ""))
        raise redirect(ANCHOR)

    async def _check(self, _request: web.Request, _fields: Fields) -> web.Response:
        """Check again that the public address reaches this bridge."""
        if self.core.public_address.url is not None:
            await self.core.public_address.recheck()
        raise redirect(ANCHOR)

    async def _use_home_assistant(self, request: web.Request, _fields: Fields) -> web.Response:
        """Use Home Assistant's external URL (its forwarding views) as the public address."""
        offer = self._home_assistant_offer()
        if offer is None or offer["url"] is None:
            raise PanelInputError(translator(request)("public.ha.none"))
        await self.core.public_address.save(offer["url"])
        raise redirect(ANCHOR)
