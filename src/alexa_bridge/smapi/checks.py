"""The Status page's view of the skill on Amazon: checked in the background, then cached."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import logging
import time

from .const import CHECK_MAX_AGE, CHECK_TIMEOUT, STAGE
from .errors import DeveloperAuthError, SmapiError
from .sdk_client import SmapiClient

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SkillCheck:
    """What Amazon said about the skill at `checked_at` (None: could not tell)."""

    checked_at: float
    skill_id: str
    exists: bool | None = None
    endpoint: str | None = None
    builds: dict[str, str] = field(default_factory=dict)
    enabled: bool | None = None
    error: str | None = None


async def check_skill(client: SmapiClient, skill_id: str) -> SkillCheck:
    """Ask Amazon for the manifest, the builds and the enablement (a few calls)."""
    try:
        manifest = await client.call("get_skill_manifest_v1", skill_id, STAGE)
    except SmapiError as err:
        if err.status == 404:  # noqa: PLR2004
            return SkillCheck(time.time(), skill_id, exists=False)
        raise
    custom = (((manifest.body or {}).get("manifest") or {}).get("apis") or {}).get("custom") or {}
    status = await client.call("get_skill_status_v1", skill_id, resource="interactionModel")
    models = (status.body or {}).get("interactionModel") or {}
    builds = {
        code: str(((entry or {}).get("lastUpdateRequest") or {}).get("status"))
        for code, entry in models.items()
    }
    try:
        await client.call("get_skill_enablement_status_v1", skill_id, STAGE)
        enabled = True
    except SmapiError as err:
        if err.status != 404:  # noqa: PLR2004
            raise
        enabled = False
    return SkillCheck(
        time.time(),
        skill_id,
        exists=True,
        endpoint=(custom.get("endpoint") or {}).get("uri"),
        builds=builds,
        enabled=enabled,
    )


class SkillChecks:
    """Keep the last check; start a new one in the background when it is old."""

    def __init__(
        self,
        start_task: Callable[[Awaitable[None]], object],
        on_auth_error: Callable[[str], Awaitable[None]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Start with no result."""
        self._start_task = start_task
        self._on_auth_error = on_auth_error
        self._clock = clock
        self._running = False
        self.last: SkillCheck | None = None

    @property
    def running(self) -> bool:
        """Return whether a check is under way."""
        return self._running

    def invalidate(self) -> None:
        """Forget the last result (after provisioning changed the skill)."""
        self.last = None

    def refresh_if_old(self, client: SmapiClient | None, skill_id: str | None) -> None:
        """Start a background check when the last one is missing, stale or of another skill."""
        if client is None or skill_id is None or self._running:
            return
        last = self.last
        fresh = last is not None and self._clock() - last.checked_at < CHECK_MAX_AGE
        if fresh and last is not None and last.skill_id == skill_id:
            return
        self._running = True
        self._start_task(self._refresh(client, skill_id))

    async def _refresh(self, client: SmapiClient, skill_id: str) -> None:
        """Run one check with a time limit; keep the error as the result on failure."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                self.last = await check_skill(client, skill_id)
        except (SmapiError, TimeoutError) as err:
            message = err.describe() if isinstance(err, SmapiError) else "Amazon did not answer"
            _LOGGER.info("Skill check failed: %s", message)
            self.last = SkillCheck(self._clock(), skill_id, error=message)
            if isinstance(err, DeveloperAuthError):
                await self._on_auth_error(message)
        finally:
            self._running = False
