"""Typed records of provisioning: the last run, read by the panel, status API and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .const import BuildStatus, RunState


@dataclass(frozen=True, slots=True)
class Build:
    """One locale's interaction-model build: Amazon's status and its messages."""

    status: str | None
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Return whether Amazon reported this build as failed."""
        return self.status == BuildStatus.FAILED

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {"status": self.status, "errors": list(self.errors)}


@dataclass(frozen=True, slots=True)
class LastRun:
    """How the last provisioning run went; stored in the skill file, read by every view."""

    state: RunState
    started: float
    finished: float | None = None
    step: str | None = None
    message: str | None = None
    fix: str | None = None
    builds: dict[str, Build] = field(default_factory=dict)

    @property
    def build_failed(self) -> bool:
        """Return whether some locale's build failed."""
        return any(build.failed for build in self.builds.values())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LastRun:
        """Read the stored form (validated by the skill file's schema)."""
        return cls(
            state=RunState(data["state"]),
            started=data["started"],
            finished=data.get("finished"),
            step=data.get("step"),
            message=data.get("message"),
            fix=data.get("fix"),
            builds={
                code: Build(build.get("status"), list(build.get("errors") or []))
                for code, build in (data.get("builds") or {}).items()
            },
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form (the same keys the panel's JSON answers carry)."""
        return {
            "state": self.state.value,
            "started": self.started,
            "finished": self.finished,
            "step": self.step,
            "message": self.message,
            "fix": self.fix,
            "builds": {code: build.as_dict() for code, build in self.builds.items()},
        }
