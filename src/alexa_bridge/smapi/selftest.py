"""The end-to-end self-test: Alexa's cloud simulates the play phrase against the skill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
import time
from typing import TYPE_CHECKING, Any

from ..panel.activity import ActivityKind
from .const import SIMULATION_POLL, SIMULATION_TIMEOUT, STAGE
from .errors import SmapiError
from .sdk_client import Sleep, SmapiClient
from .skill_sync import fix_for

if TYPE_CHECKING:
    from ..core import BridgeCore

CONFLICT_RETRIES = 3
CONFLICT_WAIT = 5.0


@dataclass(frozen=True, slots=True)
class SelfTestResult:
    """The outcome: what Alexa said and whether the bridge received and verified the request."""

    ok: bool
    locale: str
    phrase: str
    reply: str | None
    skill_answer: str | None
    received: bool
    verified: bool
    message: str | None
    time: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy (stored in skill.json)."""
        return asdict(self)


def _skill_answer(result: dict[str, Any]) -> str | None:
    """Describe what the skill endpoint answered inside the simulation."""
    invocations = (result.get("skillExecutionInfo") or {}).get("invocations") or []
    for invocation in invocations:
        body = (invocation.get("invocationResponse") or {}).get("body") or {}
        response = body.get("response") or {}
        parts = [str(d.get("type")) for d in response.get("directives") or []]
        if response.get("outputSpeech"):
            parts.append("speech")
        return ", ".join(parts) or "empty"
    return None


def _reply(result: dict[str, Any]) -> str | None:
    """Return Alexa's spoken reply (the captions of its responses)."""
    responses = (result.get("alexaExecutionInfo") or {}).get("alexaResponses") or []
    captions = [str((r.get("content") or {}).get("caption") or "") for r in responses]
    return " ".join(c for c in captions if c) or None


class SelfTest:
    """Run one simulation and judge it by Alexa's answer and the bridge's own activity."""

    def __init__(
        self,
        core: BridgeCore,
        client: SmapiClient,
        *,
        sleep: Sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Keep what the test needs."""
        self.core = core
        self.client = client
        self._sleep = sleep
        self._clock = clock

    def _bridge_saw(self, since: float) -> tuple[bool, bool]:
        """Return whether a skill request arrived since `since`, and whether one was verified."""
        entries = [
            e
            for e in self.core.activity.entries
            if e.kind == ActivityKind.SKILL and e.time >= since
        ]
        return bool(entries), any(e.ok for e in entries)

    async def run(self, skill_id: str, locale: str) -> SelfTestResult:
        """Simulate the locale's play phrase and wait for the result."""
        phrase = self.core.locales.get(locale).play_phrase
        started = self._clock()
        try:
            simulation_id = await self._start(skill_id, locale, phrase)
            result = await self._wait(skill_id, simulation_id)
        except SmapiError as err:
            return self._finish(locale, phrase, started, None, f"{err.describe()}. {fix_for(err)}")
        return self._finish(locale, phrase, started, result, None)

    async def _start(self, skill_id: str, locale: str, phrase: str) -> str:
        """Start the simulation; wait and retry while another one runs (409)."""
        request = {
            "session": {"mode": "FORCE_NEW_SESSION"},
            "input": {"content": phrase},
            "device": {"locale": locale},
        }
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                answer = await self.client.call("simulate_skill_v2", skill_id, STAGE, request)
            except SmapiError as err:
                if err.status != 409 or attempt == CONFLICT_RETRIES:  # noqa: PLR2004
                    raise
                await self._sleep(CONFLICT_WAIT)
                continue
            return str((answer.body or {})["id"])
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait(self, skill_id: str, simulation_id: str) -> dict[str, Any]:
        """Poll the simulation until it finished (or give up after a minute)."""
        waited = 0.0
        while waited < SIMULATION_TIMEOUT:
            await self._sleep(SIMULATION_POLL)
            waited += SIMULATION_POLL
            answer = await self.client.call(
                "get_skill_simulation_v2", skill_id, STAGE, simulation_id
            )
            body = answer.body or {}
            if body.get("status") != "IN_PROGRESS":
                return body
        return {"status": "TIMEOUT"}

    def _finish(
        self,
        locale: str,
        phrase: str,
        started: float,
        simulation: dict[str, Any] | None,
        error: str | None,
    ) -> SelfTestResult:
        """Combine Amazon's answer with what the bridge itself saw."""
        received, verified = self._bridge_saw(started)
        reply = skill_answer = None
        message = error
        if simulation is not None:
            result = simulation.get("result") or {}
            reply = _reply(result)
            skill_answer = _skill_answer(result)
            status = simulation.get("status")
            if status == "TIMEOUT":
                message = f"Alexa's simulation did not finish within {SIMULATION_TIMEOUT:.0f} s"
            elif status != "SUCCESSFUL":
                message = str((result.get("error") or {}).get("message") or "the simulation failed")
            elif skill_answer is None:
                message = "Alexa did not call the skill: check that the model built for this locale"
        ok = message is None and verified
        if message is None and not verified:
            message = (
                "Alexa answered, but no verified request reached this bridge: check the public "
                "address and the certificate type"
            )
        return SelfTestResult(
            ok, locale, phrase, reply, skill_answer, received, verified, message, self._clock()
        )
