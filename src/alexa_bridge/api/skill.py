"""POST /alexa/skill: the Alexa skill endpoint, verified before anything runs."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ..const import MAX_SKILL_BODY
from ..core import BridgeCore
from ..exceptions import APIError, APIPayloadTooLarge, VerificationError

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
            raise APIError(f"request refused: {err}") from None
        answer = self.core.skill.handle(alexa_request)
        _LOGGER.debug(
            "Answered %s %s in %.1f ms",
            alexa_request.type,
            alexa_request.intent or "",
            (time.perf_counter() - started) * 1000,
        )
        return web.json_response(answer)
