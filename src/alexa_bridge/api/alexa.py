"""POST /alexa/skill: the Alexa skill endpoint, verified before anything runs."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web

from ..const import MAX_SKILL_BODY
from ..core import BridgeCore
from ..exceptions import APIError, APIPayloadTooLarge, VerificationError
from ..panel.activity import ActivityKind, short_device

_LOGGER = logging.getLogger(__name__)


class APISkill:
    """Verify and answer requests from Amazon's Alexa service."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def skill(self, request: web.Request) -> web.Response:
        """Verify the signed request, then answer it within Alexa's deadline."""
        started = time.perf_counter()
        if (request.content_length or 0) > MAX_SKILL_BODY:
            raise APIPayloadTooLarge("request body is too large")
        body = await request.read()
        try:
            alexa_request = await self.core.verifier.verify(request.headers, body)
        except VerificationError as err:
            _LOGGER.warning("Refused an Alexa request: %s", err)
            self.core.activity.record(
                ActivityKind.SKILL,
                "refused",
                str(err),
                latency_ms=(time.perf_counter() - started) * 1000,
                ok=False,
            )
            # The reason is logged; the caller only learns that it was refused.
            raise APIError("request refused") from None
        answer = await self.core.skill.handle(alexa_request)
        latency_ms = (time.perf_counter() - started) * 1000
        kind = alexa_request.type
        if alexa_request.intent:
            kind = f"{kind} {alexa_request.intent}"
        self.core.activity.record(
            ActivityKind.SKILL,
            kind,
            summarize(answer),
            device=short_device(alexa_request.device_id),
            latency_ms=latency_ms,
        )
        _LOGGER.debug("Answered %s in %.1f ms", kind, latency_ms)
        return web.json_response(answer)


def summarize(answer: dict[str, Any]) -> str:
    """Describe an answer in a few words for the Activity page."""
    response = answer.get("response", {})
    parts = [directive["type"] for directive in response.get("directives", [])]
    if "outputSpeech" in response:
        parts.append("speech")
    return ", ".join(parts) or "empty"
