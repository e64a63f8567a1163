"""Provisioning errors: each names the step, Amazon's own message and the fix."""

from __future__ import annotations

from ..exceptions import BridgeError


class ProvisioningInputError(BridgeError):
    """Something the user entered in the panel is not usable; the message says why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Keep the message and which input it is about (a form field name), if one."""
        super().__init__(message)
        self.field = field


class SmapiError(BridgeError):
    """Amazon's Skill Management API refused a call."""

    def __init__(
        self, message: str, *, status: int | None = None, violations: tuple[str, ...] = ()
    ) -> None:
        """Keep Amazon's message, the HTTP status and any listed violations."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.violations = violations

    def describe(self) -> str:
        """Return Amazon's message with its violations, for the panel."""
        if not self.violations:
            return self.message
        return f"{self.message} ({'; '.join(self.violations)})"


class DeveloperAuthError(SmapiError):
    """Login with Amazon refused the client or the refresh token (revoked, expired, wrong)."""


class ProvisioningError(BridgeError):
    """A provisioning step failed; carries the step, Amazon's message and what to do."""

    def __init__(self, step: str, message: str, fix: str) -> None:
        """Keep the three parts the panel shows."""
        super().__init__(f"{step}: {message}. {fix}")
        self.step = step
        self.message = message
        self.fix = fix
