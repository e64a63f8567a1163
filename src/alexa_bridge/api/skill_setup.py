"""The panel's developer-authorization and skill steps: actions, live progress, the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..const import SKILL_LOCALES
from ..core import BridgeCore
from ..panel.strings import suggest_locale
from ..smapi.const import DEVELOPER_CONSOLE_URL, PASTE_RETURN_URL, CertificateType, DeveloperStatus
from .sse import stream_events

Action = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]


def _redirect(location: str) -> web.HTTPSeeOther:
    """Redirect relative to the current page, so the ingress prefix is kept."""
    return web.HTTPSeeOther(location=location)


class APIProvisioning:
    """Run the developer and skill steps of the wizard for the panel."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    @property
    def _prov(self) -> Any:
        """Return the provisioning component."""
        return self.core.provisioning

    def actions(self) -> dict[str, Action]:
        """Return the setup form's actions this step group handles."""
        return {
            "developer_client": self._developer_client,
            "developer_authorize": self._developer_authorize,
            "developer_paste": self._developer_paste,
            "developer_forget": self._developer_forget,
            "skill_choices": self._skill_choices,
            "provision": self._provision,
            "self_test": self._self_test,
        }

    def context(self, accept_language: str | None) -> dict[str, Any]:
        """Return what the setup page shows for the developer and skill steps."""
        prov = self.core.provisioning
        # Until the user has chosen, suggest the language of the person at the panel.
        locales = prov.locales
        if not prov.skill.data["locales"]:
            locales = (suggest_locale(accept_language, SKILL_LOCALES, locales[0]),)
        dev = prov.developer
        check = prov.checks.last
        return {
            "dev_status": dev.status.value,
            "dev_client_id": dev.client_id,
            "dev_message": dev.message,
            "dev_pending": prov.authorization.latest,
            "dev_callback_url": prov.callback_url,
            "dev_paste_url": PASTE_RETURN_URL,
            "dev_console_url": DEVELOPER_CONSOLE_URL,
            "skill_locales": locales,
            "all_locales": SKILL_LOCALES,
            "certificate_types": [kind.value for kind in CertificateType],
            "certificate_type": prov.certificate_type.value,
            "display": prov.display,
            "display_from_option": self.core.options.enable_apl,
            "has_certificate": bool(prov.skill.data["ssl_certificate"]),
            "running": prov.running,
            "last_run": None if prov.last_run is None else prov.last_run.as_dict(),
            "self_test": prov.self_test,
            "progress": prov.progress.lines,
            "skill_check": check,
        }

    async def _developer_client(
        self, _request: web.Request, fields: dict[str, str]
    ) -> web.Response:
        """Save the security profile's client id and secret."""
        await self._prov.save_client(fields.get("client_id", ""), fields.get("client_secret", ""))
        raise _redirect("setup#step-developer")

    async def _developer_authorize(
        self, _request: web.Request, fields: dict[str, str]
    ) -> web.Response:
        """Start an authorization; the page then shows the link to Amazon's consent page."""
        self._prov.start_authorization(via_callback=fields.get("via") == "callback")
        raise _redirect("setup#step-developer")

    async def _developer_paste(self, _request: web.Request, fields: dict[str, str]) -> web.Response:
        """Finish an authorization from the pasted return address or code."""
        await self._prov.finish_pasted(fields.get("answer", ""))
        raise _redirect("setup#step-developer")

    async def _developer_forget(
        self, _request: web.Request, _fields: dict[str, str]
    ) -> web.Response:
        """Remove the refresh token and the security profile."""
        await self._prov.forget()
        raise _redirect("setup#step-developer")

    async def _skill_choices(self, _request: web.Request, fields: dict[str, str]) -> web.Response:
        """Store locales, certificate type, display support and certificate."""
        locales = [code for code in fields.get("locales", "").split(",") if code]
        await self._prov.save_choices(
            locales,
            fields.get("certificate_type", ""),
            display=fields.get("display") == "on",
            certificate=fields.get("certificate"),
        )
        raise _redirect("setup#step-skill")

    async def _provision(self, _request: web.Request, _fields: dict[str, str]) -> web.Response:
        """Start provisioning in the background; progress streams to the page."""
        self._prov.start_provisioning()
        raise _redirect("setup#step-skill")

    async def _self_test(self, _request: web.Request, fields: dict[str, str]) -> web.Response:
        """Start the end-to-end self-test in the background."""
        self._prov.start_self_test(fields.get("locale") or None)
        raise _redirect("setup#step-skill")

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Stream provisioning progress as server-sent events until the browser leaves."""
        return await stream_events(
            request,
            self.core.provisioning.progress,
            "progress",
            lambda line: {**line.to_dict(), "line": line.render()},
        )

    async def log(self, _request: web.Request) -> web.Response:
        """Download the last run's progress log as text."""
        text = self.core.provisioning.progress.text() or "No provisioning has run yet.\n"
        return web.Response(
            text=text,
            content_type="text/plain",
            headers={
                "Content-Disposition": 'attachment; filename="alexa-bridge-provisioning.log"',
                "Cache-Control": "no-store",
            },
        )

    async def state(self, _request: web.Request) -> web.Response:
        """Report the developer step and whether a run is under way (the page polls it)."""
        prov = self.core.provisioning
        data = {
            "developer": prov.developer.status.value,
            "authorized": prov.developer.status == DeveloperStatus.AUTHORIZED,
            "running": prov.running,
        }
        return web.json_response({"result": "ok", "data": data})
