"""What a wizard step offers the setup page: its form actions and what it shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from ...panel.wizard import StepId

Fields = dict[str, str]
Action = Callable[[web.Request, Fields], Awaitable[web.Response]]


class WizardStep(Protocol):
    """One step of the setup page."""

    step: StepId

    def actions(self) -> dict[str, Action]:
        """Return the step's form actions by name."""

    def context(self, request: web.Request) -> dict[str, Any]:
        """Return what the step's part of the page shows."""


class TestStep:
    """The Test play step: it only leads to the Devices page, where the test runs."""

    __test__ = False  # not a pytest class, despite the name
    step = StepId.TEST

    def actions(self) -> dict[str, Action]:
        """Return no actions: Test play runs on the Devices page."""
        return {}

    def context(self, _request: web.Request) -> dict[str, Any]:
        """Return nothing more to show."""
        return {}
