"""The Devices page: the account's Echos, their pairings, and Test play."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web

from ...amazon import AccountStatus, AmazonError
from ...core import BridgeCore
from ...exceptions import APINotFound
from ...playback.test_play import TestResult, TestStage
from ..utils import api_process, read_form
from .render import redirect, render, require_csrf, translator

TEST_TONES = {
    TestStage.PLAYING: "ok",
    TestStage.FAILED: "error",
    TestStage.TIMEOUT: "error",
}


class APIDevices:
    """List the Echos, change pairings, start and follow a test play."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def devices_page(self, request: web.Request) -> web.Response:
        """List the account's Echos with their pairing and a Test play button."""
        return await self._page(request)

    async def _page(
        self,
        request: web.Request,
        status: int = HTTPStatus.OK,
        error: str | None = None,
        pairing_error: str | None = None,
    ) -> web.Response:
        """Render the page, with a message where an action failed."""
        signed_in = self.core.amazon.state.status == AccountStatus.SIGNED_IN
        devices: list[Any] = []
        devices_error = None
        if signed_in:
            try:
                devices = await self.core.amazon.devices()
            except Exception as err:  # noqa: BLE001 - shown to the user, logged by the account
                devices_error = str(err) or type(err).__name__
        pairings = {player: device for device, player in self.core.slots.devices.items()}
        players = sorted(
            {key for key in self.core.slots.slots if key}
            | {d.name for d in devices}
            | set(self.core.slots.devices.values())
        )
        test = self.core.test_plays.last
        return render(
            request,
            "devices.html",
            "devices",
            status,
            signed_in=signed_in,
            account=self.core.amazon.state,
            devices=devices,
            devices_error=devices_error,
            action_error=error,
            pairing_error=pairing_error,
            skill_devices=pairings,
            pairings=sorted(self.core.slots.devices.items()),
            players=players,
            test=test,
            test_text=self._test_text(request, test) if test else None,
        )

    async def devices_action(self, request: web.Request) -> web.Response:
        """Start a test play, or change a pairing; a failure is shown on the page."""
        await require_csrf(request)
        form = await read_form(request)
        t = translator(request)
        action = form.get("action")
        if action in ("pair_set", "pair_clear"):
            return await self._pairing_action(request, form)
        if action == "pair_all":
            try:
                await self.core.test_plays.pair_all()
            except AmazonError as err:
                return await self._page(request, HTTPStatus.OK, t("test.failed", reason=str(err)))
            raise redirect("devices")
        serial = form.get("serial")
        if action != "test_play" or not isinstance(serial, str):
            return await self._page(request, HTTPStatus.BAD_REQUEST, t("devices.bad_action"))
        try:
            started = await self.core.test_plays.start_on_serial(serial)
        except AmazonError as err:
            return await self._page(request, HTTPStatus.OK, t("test.failed", reason=str(err)))
        if started is None:
            return await self._page(request, HTTPStatus.NOT_FOUND, t("devices.unknown_echo"))
        raise redirect("devices")

    async def _pairing_action(self, request: web.Request, form: Any) -> web.Response:
        """Change or clear one Echo's pairing, as the user chose on the Devices page."""
        t = translator(request)
        device_id = form.get("device_id")
        if not isinstance(device_id, str) or device_id not in self.core.slots.devices:
            return await self._page(
                request, HTTPStatus.NOT_FOUND, pairing_error=t("pairings.unknown")
            )
        player = form.get("player") if form.get("action") == "pair_set" else None
        if player is not None and (not isinstance(player, str) or not player.strip()):
            return await self._page(
                request, HTTPStatus.BAD_REQUEST, pairing_error=t("pairings.choose")
            )
        self.core.slots.set_pairing(device_id, player)
        raise redirect("devices#pairings")

    def _test_text(self, request: web.Request, test: TestResult) -> str:
        """Describe a test play's progress."""
        t = translator(request)
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

    @api_process
    async def test_play_state(self, request: web.Request) -> dict[str, Any]:
        """Report a test play's progress for the Devices page."""
        result = self.core.test_plays.result(request.query.get("serial", ""))
        if result is None:
            raise APINotFound("no test play on this Echo")
        return {
            "stage": result.stage.value,
            "finished": result.finished,
            "text": self._test_text(request, result),
            "tone": TEST_TONES.get(result.stage, "warn"),
        }
