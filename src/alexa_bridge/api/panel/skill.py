"""The wizard's skill step: choices, provisioning with live progress, the self-test."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...const import SKILL_LOCALES
from ...core import BridgeCore
from ...panel.strings import suggest_locale
from ...panel.wizard import StepId
from ...smapi.const import CertificateType, DeveloperStatus
from ..sse import stream_events
from ..utils import api_process
from .render import redirect
from .steps import Action, Fields

ANCHOR = "setup#step-skill"


class SkillStep:
    """Create, update and test the bridge's own skill."""

    step = StepId.SKILL

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    def actions(self) -> dict[str, Action]:
        """Return the actions of this step's forms."""
        return {
            "skill_choices": self._save_choices,
            "provision": self._provision,
            "self_test": self._self_test,
        }

    def context(self, request: web.Request) -> dict[str, Any]:
        """Return what the step shows."""
        prov = self.core.provisioning
        # Until the user has chosen, suggest the language of the person at the panel.
        locales = prov.locales
        if not prov.skill.data["locales"]:
            accept = request.headers.get("Accept-Language")
            locales = (suggest_locale(accept, SKILL_LOCALES, locales[0]),)
        return {
            "skill_id": self.core.skill_id,
            "skill_from_option": self.core.options.skill_id is not None,
            "skill_locales": locales,
            "all_locales": SKILL_LOCALES,
            "certificate_types": [kind.value for kind in CertificateType],
            "certificate_type": prov.certificate_type.value,
            "self_signed": CertificateType.SELF_SIGNED.value,
            "display": prov.display,
            "display_from_option": self.core.options.enable_apl,
            "has_certificate": bool(prov.skill.data["ssl_certificate"]),
            "running": prov.running,
            "last_run": None if prov.last_run is None else prov.last_run.as_dict(),
            "self_test": prov.self_test,
            "progress": prov.progress.lines,
            "skill_check": prov.checks.last,
            "wizard_state": wizard_state(self.core),
        }

    async def _store_choices(self, fields: Fields) -> None:
        """Store locales, certificate type, display support and certificate from the form."""
        locales = [code for code in fields.get("locales", "").split(",") if code]
        await self.core.provisioning.save_choices(
            locales,
            fields.get("certificate_type", ""),
            display=fields.get("display") == "on",
            certificate=fields.get("certificate"),
        )

    async def _save_choices(self, _request: web.Request, fields: Fields) -> web.Response:
        """Store the choices without provisioning."""
        await self._store_choices(fields)
        raise redirect(ANCHOR)

    async def _provision(self, _request: web.Request, fields: Fields) -> web.Response:
        """Store the choices on the form, then provision in the background."""
        if "certificate_type" in fields:
            await self._store_choices(fields)
        self.core.provisioning.start_provisioning()
        raise redirect(ANCHOR)

    async def _self_test(self, _request: web.Request, fields: Fields) -> web.Response:
        """Start the end-to-end self-test in the background."""
        self.core.provisioning.start_self_test(fields.get("locale") or None)
        raise redirect(ANCHOR)


class APIProvisioningProgress:
    """Follow a provisioning run from the page: live lines, the log, the state."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

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

    @api_process
    async def state(self, _request: web.Request) -> dict[str, Any]:
        """Report where the sign-in, the developer step and a run stand (the page polls it)."""
        return wizard_state(self.core)


def wizard_state(core: BridgeCore) -> dict[str, Any]:
    """Return where the sign-in, the developer step and a run stand, for the page to follow."""
    prov = core.provisioning
    pending = prov.authorization.latest
    return {
        "amazon": core.amazon.state.status.value,
        "enrollment": core.amazon.enrollment_url,
        "developer": prov.developer.status.value,
        "authorized": prov.developer.status == DeveloperStatus.AUTHORIZED,
        "pending": None if pending is None else pending.consent_url,
        "running": prov.running,
    }
