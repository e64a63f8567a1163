"""Shared pieces of the HTTP layer: the core key, error shapes, body validation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from multidict import MultiDictProxy
import voluptuous as vol
from voluptuous.humanize import humanize_error

from ..exceptions import APIError, APIUnauthorized

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ErrorShape = Callable[[str], dict[str, Any]]

KEY_CORE: web.AppKey[BridgeCore] = web.AppKey("core")


def contract_error(message: str) -> dict[str, Any]:
    """Shape an error as Music Assistant's contract and the public routes expect."""
    return {"error": message}


def panel_error(message: str) -> dict[str, Any]:
    """Shape an error in the panel API's envelope."""
    return {"result": "error", "message": message}


def error_middleware(shape: ErrorShape) -> Any:
    """Answer every error of a listener as JSON in that listener's shape."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Turn raised errors into JSON answers with the right status."""
        try:
            return await handler(request)
        except APIError as err:
            headers = (
                {"WWW-Authenticate": 'Basic realm="Alexa Bridge"'}
                if isinstance(err, APIUnauthorized)
                else None
            )
            return web.json_response(shape(str(err)), status=err.status, headers=headers)
        except web.HTTPException as exc:
            if exc.status < HTTPStatus.BAD_REQUEST:
                raise
            return web.json_response(shape(exc.reason), status=exc.status)

    return middleware


async def read_form(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """Read a form body; one that does not parse (bad UTF-8, broken multipart) is a 400."""
    try:
        return await request.post()
    except (ValueError, BadHttpMessage):
        raise APIError("request body is not a valid form") from None


async def read_json(request: web.Request, schema: vol.Schema) -> dict[str, Any]:
    """Read a JSON object body and validate it; errors become a 400 naming the field."""
    body = await request.read()
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads would also guess UTF-16/32.
        data = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, RecursionError):
        raise APIError("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise APIError("request body must be a JSON object")
    try:
        result: dict[str, Any] = schema(data)
    except vol.Invalid as err:
        raise APIError(humanize_error(data, err)) from None
    return result
