"""What every panel page shares: the language, rendering, the form token and HTML errors."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
import aiohttp_jinja2
import voluptuous as vol

from ...const import PANEL_LANGUAGE_COOKIE, VERSION
from ...exceptions import APIError, APIForbidden
from ...panel.strings import Translator
from ..utils import KEY_CORE, Handler

_LOGGER = logging.getLogger(__name__)

HEADER_USER = "X-Remote-User-Display-Name"
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"}


class CsrfError(APIForbidden):
    """The form's token is missing or not this bridge's: the page is stale or from elsewhere."""


@dataclass(frozen=True, slots=True)
class StepError:
    """A message shown at its step, and at its field when it concerns one."""

    step: str
    action: str
    field: str | None
    message: str


def translator(request: web.Request) -> Translator:
    """Pick the panel language: Home Assistant's (when known), else the browser's."""
    core = request.app[KEY_CORE]
    return core.panel_strings.pick(
        request.headers.get("Accept-Language"), request.cookies.get(PANEL_LANGUAGE_COOKIE)
    )


def render(
    request: web.Request, template: str, page: str, status: int = 200, **extra: Any
) -> web.Response:
    """Render a page with what every page needs."""
    core = request.app[KEY_CORE]
    t = translator(request)
    context = {
        "t": t,
        "csrf": core.csrf.token,
        "language_cookie": PANEL_LANGUAGE_COOKIE,
        "user": request.headers.get(HEADER_USER),
        "version": VERSION,
        "current": page,
        # Relative way back to the panel's root, so a page at an unknown deep path still works.
        "root": "../" * max(0, request.path.count("/") - 1) or "./",
        "title": t(f"nav.{page}") if page in ("setup", "status", "devices", "activity") else "",
        "error": None,
        "notice": None,
        **extra,
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.update(PAGE_HEADERS)
    return response


async def require_csrf(request: web.Request) -> None:
    """Refuse a state-changing request without the page's token."""
    if not await request.app[KEY_CORE].csrf.check(request):
        raise CsrfError(translator(request)("error.csrf"))


def redirect(location: str) -> web.HTTPSeeOther:
    """Redirect relative to the current page, so the ingress prefix is kept."""
    return web.HTTPSeeOther(location=location)


def _message_page(request: web.Request, status: int, heading: str, text: str) -> web.Response:
    """Render an error as a panel page with a way back."""
    # No form token on an error page: it may answer a peer the panel refuses.
    return render(
        request,
        "message.html",
        "message",
        status,
        heading=heading,
        text=text,
        title=heading,
        csrf="",
    )


@web.middleware
async def html_error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every panel error with an HTML page that says what to do, never raw JSON."""
    t = translator(request)
    try:
        return await handler(request)
    except CsrfError:
        return _message_page(request, HTTPStatus.FORBIDDEN, t("error.stale"), t("error.csrf"))
    except APIError as err:
        if err.status == HTTPStatus.NOT_FOUND:
            return _message_page(request, err.status, t("error.not_found"), str(err))
        return _message_page(request, err.status, t("error.heading"), str(err))
    except web.HTTPException as exc:
        if exc.status < HTTPStatus.BAD_REQUEST:
            raise
        if exc.status == HTTPStatus.NOT_FOUND:
            return _message_page(
                request, exc.status, t("error.not_found"), t("error.not_found.help")
            )
        return _message_page(request, exc.status, t("error.heading"), exc.reason)
    except Exception:
        # A bug: the log gets the details, the user a page that says what to do.
        _LOGGER.exception("The panel failed on %s %s", request.method, request.path)
        return _message_page(
            request, HTTPStatus.INTERNAL_SERVER_ERROR, t("error.heading"), t("error.internal")
        )


class PanelInputError(Exception):
    """A step's input can not be used: the message is shown at its field, if it names one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        """Keep the message and the form field it concerns."""
        super().__init__(message)
        self.field = field


@contextlib.contextmanager
def at_field(field: str) -> Iterator[None]:
    """Show a validator's message at `field`."""
    try:
        yield
    except vol.Invalid as err:
        raise PanelInputError(err.msg, field) from None
