"""The ingress panel: setup wizard, status, devices, activity; HTML forms and small JSON calls."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from importlib import resources
import json
import logging
import platform
from typing import Any

from aiohttp import web
import aiohttp_jinja2
import voluptuous as vol

from ..amazon import DOMAINS, ENROLLMENT_DOMAINS, AccountStatus, AmazonInputError
from ..config.validate import public_url
from ..const import PACKAGE, VERSION
from ..core import BridgeCore
from ..exceptions import APIError, APIForbidden, APINotFound
from ..panel.activity import ActivityEntry
from ..panel.diagnostics import build_diagnostics
from ..panel.ma_connection import ma_connection_view
from ..panel.public_address import check_public_address
from ..panel.strings import Translator
from ..panel.wizard import checklist
from ..playback.test_play import TestResult, TestStage
from ..smapi import ProvisioningInputError
from .skill_setup import APIProvisioning
from .sse import stream_events
from .status_page import status_rows
from .utils import read_form, read_json

_LOGGER = logging.getLogger(__name__)

HEADER_USER = "X-Remote-User-Display-Name"
STATIC_TYPES = {
    "panel.css": "text/css",
    "panel.js": "text/javascript",
    "icon.svg": "image/svg+xml",
}
SCHEMA_OTP_CHECK = vol.Schema({vol.Required("key"): str}, extra=vol.REMOVE_EXTRA)
TEST_TONES = {
    TestStage.PLAYING: "ok",
    TestStage.FAILED: "error",
    TestStage.TIMEOUT: "error",
}


def _static_file(name: str) -> bytes:
    """Read one of the panel's static files from the package."""
    return (resources.files(PACKAGE) / "static" / name).read_bytes()


def _redirect(location: str) -> web.HTTPSeeOther:
    """Redirect relative to the current page, so the ingress prefix is kept."""
    return web.HTTPSeeOther(location=location)


class APIPanel:
    """Serve the panel pages and their actions."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core and the panel's in-progress sign-in state."""
        self.core = core
        self._enrollment_url: str | None = None
        self._classic_step: Any = None
        self.provisioning = APIProvisioning(core)

    def _t(self, request: web.Request) -> Translator:
        """Pick the panel language from the browser's preferences."""
        return self.core.panel_strings.pick(request.headers.get("Accept-Language"))

    def _render(
        self, request: web.Request, template: str, page: str, status: int = 200, **extra: Any
    ) -> web.Response:
        """Render a page with what every page needs."""
        t = self._t(request)
        context = {
            "t": t,
            "csrf": self.core.csrf.token,
            "user": request.headers.get(HEADER_USER),
            "version": VERSION,
            "current": page,
            "title": t(f"nav.{page}"),
            "error": None,
            "notice": None,
            "classic_open": False,
            "otp_code": None,
            **extra,
        }
        response = aiohttp_jinja2.render_template(template, request, context, status=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    async def _require_csrf(self, request: web.Request) -> None:
        """Refuse a state-changing request without the page's token."""
        if not await self.core.csrf.check(request):
            raise APIForbidden(self._t(request)("error.csrf"))

    # Setup -----------------------------------------------------------------

    def _setup_page(self, request: web.Request, status: int = 200, **extra: Any) -> web.Response:
        """Render the setup wizard."""
        account = self.core.amazon.state
        return self._render(
            request,
            "setup.html",
            "setup",
            status,
            checklist=checklist(self.core, self.core.public_check),
            account=account,
            domains=DOMAINS,
            enroll_domains=[domain for domain in DOMAINS if domain in ENROLLMENT_DOMAINS],
            domain=account.domain or DOMAINS[0],
            enrollment_url=self._enrollment_url,
            classic_step=self._classic_step,
            public_url=self.core.public_url,
            public_from_option=self.core.options.public_url is not None,
            public_check=self.core.public_check,
            public_port=self.core.options.public_port,
            skill_id=self.core.skill_id,
            skill_from_option=self.core.options.skill_id is not None,
            home_assistant=self._home_assistant_offer(),
            ma=ma_connection_view(self.core),
            **self.provisioning.context(request.headers.get("Accept-Language")),
            **extra,
        )

    async def setup_page(self, request: web.Request) -> web.Response:
        """Show the setup wizard."""
        return self._setup_page(request)

    async def setup_action(self, request: web.Request) -> web.Response:
        """Run one wizard action posted from a form."""
        await self._require_csrf(request)
        form = await read_form(request)
        # Repeated fields (the locale checkboxes) arrive joined with commas.
        fields = {
            key: ",".join(v for v in form.getall(key) if isinstance(v, str))
            for key in set(form.keys())
        }
        action = fields.get("action", "")
        handler = {
            "enroll_start": self._enroll_start,
            "enroll_finish": self._enroll_finish,
            "classic_start": self._classic_start,
            "classic_continue": self._classic_continue,
            "sign_out": self._sign_out,
            "public_url": self._public_url,
            "public_check": self._public_check,
            "public_home_assistant": self._public_home_assistant,
            **self.provisioning.actions(),
        }.get(action)
        if handler is None:
            raise APIError(f"unknown action {action!r}")
        try:
            return await handler(request, fields)
        except (AmazonInputError, ProvisioningInputError, vol.Invalid) as err:
            message = err.msg if isinstance(err, vol.Invalid) else str(err)
            return self._setup_page(
                request, 400, error=message, classic_open=action.startswith("classic")
            )

    async def _enroll_start(self, _request: web.Request, fields: dict[str, str]) -> web.Response:
        """Create an Amazon enrollment and show its sign-in link."""
        domain = fields.get("domain", "")
        if domain not in ENROLLMENT_DOMAINS:
            raise AmazonInputError(
                f"Amazon's own sign-in page is not available for {domain!r}; "
                "use the classic sign-in"
            )
        self._enrollment_url = await self.core.amazon.start_enrollment(domain)
        raise _redirect("setup#step-amazon")

    async def _enroll_finish(self, _request: web.Request, fields: dict[str, str]) -> web.Response:
        """Check the pasted address and finish the enrollment."""
        await self.core.amazon.finish_enrollment(fields.get("url", ""))
        self._enrollment_url = None
        raise _redirect("setup#step-amazon")

    async def _classic_start(self, request: web.Request, fields: dict[str, str]) -> web.Response:
        """Validate the key, then start the classic sign-in."""
        domain = fields.get("domain", "")
        if domain not in DOMAINS:
            raise AmazonInputError(f"Unknown Amazon site {domain!r}")
        key = self.core.amazon.validate_otp_key(fields.get("otp_key", ""))
        self._classic_step = await self.core.amazon.classic_login(
            domain, fields.get("email", ""), fields.get("password", ""), key
        )
        return self._after_classic(request)

    async def _classic_continue(self, request: web.Request, fields: dict[str, str]) -> web.Response:
        """Pass the user's answer (CAPTCHA, code, approval) to Amazon."""
        self._classic_step = await self.core.amazon.classic_continue(
            {"answer": fields.get("answer", "")}
        )
        return self._after_classic(request)

    def _after_classic(self, request: web.Request) -> web.Response:
        """Finish, or show what Amazon asks for next."""
        step = self._classic_step
        if step.kind == "done":
            self._classic_step = None
            raise _redirect("setup#step-amazon")
        if step.kind == "failed":
            self._classic_step = None
            return self._setup_page(request, 400, error=step.message, classic_open=True)
        return self._setup_page(request, classic_open=True)

    async def _sign_out(self, _request: web.Request, _fields: dict[str, str]) -> web.Response:
        """Forget every Amazon credential."""
        await self.core.amazon.sign_out()
        self._enrollment_url = None
        self._classic_step = None
        raise _redirect("setup#step-amazon")

    async def _public_url(self, request: web.Request, fields: dict[str, str]) -> web.Response:
        """Store the public address entered in the panel and check it."""
        if self.core.options.public_url is not None:
            raise APIError(self._t(request)("public.option"))
        await self.core.settings.set_public_url(public_url(fields.get("public_url", "")))
        return await self._public_check(request, fields)

    async def _public_check(self, _request: web.Request, _fields: dict[str, str]) -> web.Response:
        """Check that the public address reaches this bridge."""
        url = self.core.public_url
        if url is not None:
            self.core.public_check = await check_public_address(
                self.core.session, url, self.core.settings.instance_id
            )
        raise _redirect("setup#step-public")

    # Home Assistant's address (offered once the Home Assistant integration reported it) -----

    def _home_assistant_offer(self) -> dict[str, str | None] | None:
        """Return Home Assistant's public address for the bridge, or why there is none."""
        link = self.core.home_assistant
        if link is None or self.core.options.public_url is not None:
            return None
        url, reason = link.public_url()
        return {"url": url, "reason": reason}

    async def _public_home_assistant(
        self, request: web.Request, fields: dict[str, str]
    ) -> web.Response:
        """Use Home Assistant's external URL (its forwarding views) as the public address."""
        offer = self._home_assistant_offer()
        if offer is None or offer["url"] is None:
            raise APIError(self._t(request)("public.ha.none"))
        await self.core.settings.set_public_url(offer["url"])
        return await self._public_check(request, fields)

    async def otp_check(self, request: web.Request) -> web.Response:
        """Validate an authenticator key as it is typed and show its current code."""
        await self._require_csrf(request)
        body = await read_json(request, SCHEMA_OTP_CHECK)
        try:
            key = self.core.amazon.validate_otp_key(body["key"])
        except AmazonInputError as err:
            raise APIError(str(err)) from None
        code = self.core.amazon.current_otp_code(key)
        text = self._t(request)("amazon.otp_current", code=code)
        return web.json_response({"result": "ok", "data": {"code": code, "text": text}})

    # Status, devices, activity ---------------------------------------------

    async def status_page(self, request: web.Request) -> web.Response:
        """Show one line per component and the players."""
        self.core.provisioning.refresh_checks()  # in the background: the page never waits
        slots = sorted(self.core.slots.slots.values(), key=lambda s: s.key)
        return self._render(
            request,
            "status.html",
            "status",
            rows=status_rows(self.core, self._t(request)),
            players=slots,
        )

    async def devices_page(self, request: web.Request) -> web.Response:
        """List the account's Echos with their pairing and a Test play button."""
        signed_in = self.core.amazon.state.status == AccountStatus.SIGNED_IN
        devices: list[Any] = []
        error = None
        if signed_in:
            try:
                devices = await self.core.amazon.devices()
            except Exception as err:  # noqa: BLE001 - shown to the user, logged by the account
                error = str(err) or type(err).__name__
        pairings = {player: device for device, player in self.core.slots.devices.items()}
        players = sorted(
            {key for key in self.core.slots.slots if key}
            | {d.name for d in devices}
            | set(self.core.slots.devices.values())
        )
        test = self.core.test_plays.last
        return self._render(
            request,
            "devices.html",
            "devices",
            signed_in=signed_in,
            devices=devices,
            devices_error=error,
            skill_devices=pairings,
            pairings=sorted(self.core.slots.devices.items()),
            players=players,
            test=test,
            test_text=self._test_text(request, test) if test else None,
        )

    async def devices_action(self, request: web.Request) -> web.Response:
        """Start a test play on one Echo."""
        await self._require_csrf(request)
        form = await read_form(request)
        serial = form.get("serial")
        action = form.get("action")
        if action in ("pair_set", "pair_clear"):
            return self._pairing_action(form)
        if action != "test_play" or not isinstance(serial, str):
            raise APIError("expected action=test_play and a serial")
        if await self.core.test_plays.start_on_serial(serial) is None:
            raise APINotFound("no such Echo on this account")
        raise _redirect("devices")

    def _pairing_action(self, form: Mapping[str, object]) -> web.Response:
        """Change or clear one Echo's pairing, as the user chose on the Devices page."""
        device_id = form.get("device_id")
        if not isinstance(device_id, str) or device_id not in self.core.slots.devices:
            raise APINotFound("no such pairing")
        player = form.get("player") if form.get("action") == "pair_set" else None
        if player is not None and (not isinstance(player, str) or not player.strip()):
            raise APIError("choose a Music Assistant player")
        self.core.slots.set_pairing(device_id, player)
        raise _redirect("devices#pairings")

    def _test_text(self, request: web.Request, test: TestResult) -> str:
        """Describe a test play's progress."""
        t = self._t(request)
        match test.stage:
            case TestStage.SENT:
                return t("test.sent", phrase=test.phrase, name=test.name)
            case TestStage.VERIFIED:
                return t("test.verified")
            case TestStage.PLAYING:
                return t("test.playing", name=test.name)
            case TestStage.TIMEOUT:
                return t("test.timeout", seconds=30)
            case TestStage.FAILED:
                return t("test.failed", reason=test.reason or "")

    async def test_play_state(self, request: web.Request) -> web.Response:
        """Report a test play's progress for the Devices page."""
        result = self.core.test_plays.result(request.query.get("serial", ""))
        if result is None:
            raise APINotFound("no test play on this Echo")
        data = {
            "stage": result.stage.value,
            "finished": result.finished,
            "text": self._test_text(request, result),
            "tone": TEST_TONES.get(result.stage, "warn"),
        }
        return web.json_response({"result": "ok", "data": data})

    async def activity_page(self, request: web.Request) -> web.Response:
        """Show recent activity, newest first."""
        entries = list(reversed(self.core.activity.entries))
        return self._render(request, "activity.html", "activity", entries=entries)

    async def activity_events(self, request: web.Request) -> web.StreamResponse:
        """Stream new activity as server-sent events until the browser leaves."""
        return await stream_events(request, self.core.activity, "activity", ActivityEntry.to_dict)

    async def diagnostics(self, _request: web.Request) -> web.Response:
        """Download a redacted bundle for bug reports."""
        bundle = build_diagnostics(self.core)
        bundle["python"] = platform.python_version()
        return web.json_response(
            bundle,
            headers={"Content-Disposition": 'attachment; filename="alexa-bridge-diagnostics.json"'},
            dumps=lambda data: json.dumps(data, indent=2, sort_keys=True),
        )

    async def static(self, request: web.Request) -> web.Response:
        """Serve the panel's stylesheet and script."""
        name = request.match_info["name"]
        if name not in STATIC_TYPES:
            raise APINotFound("no such file")
        body = await asyncio.get_running_loop().run_in_executor(None, _static_file, name)
        return web.Response(
            body=body, content_type=STATIC_TYPES[name], headers={"Cache-Control": "no-cache"}
        )
