"""The setup page: the wizard's steps in order, each form's action, errors at their field."""

from __future__ import annotations

from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
import voluptuous as vol

from ...amazon import AmazonError, AmazonInputError
from ...core import BridgeCore
from ...exceptions import APIError
from ...panel.wizard import StepId, StepState, checklist
from ...smapi import ProvisioningInputError
from ...smapi.errors import SmapiError
from ..utils import api_process, read_form, read_json
from .amazon import AmazonStep
from .developer import DeveloperStep
from .music_assistant import MusicAssistantStep
from .public import PublicStep
from .render import PanelInputError, StepError, redirect, render, require_csrf, translator
from .skill import SkillStep
from .steps import Action, Fields, TestStep, WizardStep

_LOGGER = logging.getLogger(__name__)

# Never sent back into a page: what was typed there is dropped on purpose.
SECRET_FIELDS = frozenset({"csrf", "password", "client_secret", "ma_token", "action"})
SCHEMA_OTP_CHECK = vol.Schema({vol.Required("key"): str}, extra=vol.REMOVE_EXTRA)


class APISetup:
    """Serve the setup wizard and run the action each of its forms posts."""

    def __init__(self, core: BridgeCore) -> None:
        """Build the steps, in the order the page shows them."""
        self.core = core
        self.steps: tuple[WizardStep, ...] = (
            AmazonStep(core),
            PublicStep(core),
            DeveloperStep(core),
            SkillStep(core),
            TestStep(),
            MusicAssistantStep(core),
        )
        self._actions: dict[str, tuple[StepId, Action]] = {
            name: (group.step, action)
            for group in self.steps
            for name, action in group.actions().items()
        }

    def page(
        self,
        request: web.Request,
        status: int = HTTPStatus.OK,
        error: StepError | None = None,
        typed: Fields | None = None,
    ) -> web.Response:
        """Render the wizard, with an error at its step and what the user typed, if any."""
        context: dict[str, Any] = {}
        for group in self.steps:
            context.update(group.context(request))
        return render(
            request,
            "setup.html",
            "setup",
            status,
            checklist=checklist(self.core),
            step_error=error,
            typed=typed or {},
            **context,
        )

    async def setup_page(self, request: web.Request) -> web.Response:
        """Show the setup wizard."""
        return self.page(request)

    async def setup_action(self, request: web.Request) -> web.Response:
        """Run one wizard action; any failure comes back as a message at its step and field."""
        await require_csrf(request)
        form = await read_form(request)
        # Repeated fields (the locale checkboxes) arrive joined with commas.
        fields = {
            key: ",".join(v for v in form.getall(key) if isinstance(v, str))
            for key in set(form.keys())
        }
        name = fields.get("action", "")
        if name not in self._actions:
            raise APIError(translator(request)("error.unknown_action"))
        step, action = self._actions[name]
        typed = {key: value for key, value in fields.items() if key not in SECRET_FIELDS}
        try:
            return await action(request, fields)
        except web.HTTPSeeOther as done:
            if str(done.location).startswith("setup"):
                raise redirect(self._after(step)) from None
            raise
        except web.HTTPException:
            raise
        except (AmazonInputError, ProvisioningInputError, PanelInputError) as err:
            error, status = StepError(step, name, err.field, str(err)), HTTPStatus.BAD_REQUEST
        except (AmazonError, SmapiError, ConnectionError, TimeoutError) as err:
            # Amazon refused, is down or slow: say so at the step; the user can try again.
            text = str(err) or translator(request)("error.amazon_unreachable")
            error, status = StepError(step, name, None, text), HTTPStatus.OK
        except Exception:
            _LOGGER.exception("Setup action %s failed", name)
            error = StepError(step, name, None, translator(request)("error.internal"))
            status = HTTPStatus.OK
        return self.page(request, status, error, typed)

    def _after(self, step: StepId) -> str:
        """Return where to go after a step's action: the next step once this one is done."""
        steps = checklist(self.core)
        done = any(item.id == step and item.state == StepState.DONE for item in steps.steps)
        if done and steps.next is not None:
            return f"setup#step-{steps.next}"
        return f"setup#step-{step}"

    @api_process
    async def otp_check(self, request: web.Request) -> dict[str, str]:
        """Validate an authenticator key as it is typed and show its current code."""
        await require_csrf(request)
        body = await read_json(request, SCHEMA_OTP_CHECK)
        try:
            code = self.core.amazon.current_otp_code(body["key"])
        except AmazonInputError as err:
            raise APIError(str(err)) from None
        return {"code": code, "text": translator(request)("amazon.otp_current", code=code)}
