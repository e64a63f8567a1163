"""The three listeners' applications; every route of the bridge is listed here."""

from __future__ import annotations

from aiohttp import web
import aiohttp_jinja2
import jinja2

from ..const import (
    LOOPBACK_HOSTS,
    MAX_MA_BODY,
    MAX_SKILL_BODY,
    PACKAGE,
    SKILL_PATH,
    SUPERVISOR_INGRESS_PEER,
)
from ..core import BridgeCore
from ..playback.test_play import TEST_SOUND_PATH
from ..smapi.const import CALLBACK_DONE_PATH, CALLBACK_PATH
from .alexa import APISkill
from .health import APIHealth
from .integration import APIStatus
from .ma import APIMusicAssistant
from .oauth import APIOAuth
from .panel import (
    APIActivity,
    APIDevices,
    APIProvisioningProgress,
    APISetup,
    APIStatusPage,
    html_error_middleware,
    static,
)
from .relay import APIRelay
from .security import basic_auth_middleware, peer_middleware
from .utils import KEY_CORE, contract_error, error_middleware


def _register_health(app: web.Application, core: BridgeCore) -> None:
    """Add /health (every listener has it)."""
    api = APIHealth(core)
    app.add_routes([web.get("/health", api.health)])


def _register_public_health(app: web.Application, core: BridgeCore) -> None:
    """Add the public /health (says only "ok") and the public-address probe."""
    api = APIHealth(core)
    app.add_routes(
        [
            web.get("/health", api.public_health),
            web.get("/health/{name:[A-Za-z0-9_-]{32}}", api.probe),
        ]
    )


def _register_music_assistant(app: web.Application, core: BridgeCore) -> None:
    """Add the routes Music Assistant's alexa provider calls."""
    api = APIMusicAssistant(core)
    app.add_routes(
        [
            web.post("/ma/push-url", api.push_url),
            web.get("/ma/latest-url", api.latest_url),
            web.post("/ma/control", api.control),
            web.get("/alexa/intents", api.intents),
            # Last: only paths no route above matched, such as //ma/push-url.
            web.route("*", "/{extra:/.*}", api.merged_slashes),
        ]
    )


def _register_status_api(app: web.Application, core: BridgeCore) -> None:
    """Add the status API the Home Assistant integration polls (same protection as MA's)."""
    api = APIStatus(core)
    app.add_routes(
        [
            web.get("/api/status", api.status),
            web.post("/api/test-play", api.test_play),
            web.post("/api/home-assistant", api.home_assistant),
        ]
    )


def _register_skill(app: web.Application, core: BridgeCore) -> None:
    """Add the Alexa skill endpoint."""
    api = APISkill(core)
    app.add_routes([web.post(SKILL_PATH, api.skill)])


def _register_relay(app: web.Application, core: BridgeCore) -> None:
    """Add the stream and image relay (GET also answers HEAD)."""
    api = APIRelay(core)
    app.add_routes(
        [
            web.get(TEST_SOUND_PATH, api.sound),
            web.get("/stream/{token:[A-Za-z0-9_-]{16,64}}.mp3", api.stream),
            web.get("/image/{token:[A-Za-z0-9_-]{16,64}}", api.image),
        ]
    )


def _register_oauth(app: web.Application, core: BridgeCore) -> None:
    """Add the developer authorization callback (state-checked) and its done page."""
    api = APIOAuth(core)
    app.add_routes([web.get(CALLBACK_PATH, api.callback), web.get(CALLBACK_DONE_PATH, api.done)])


def _register_panel(app: web.Application, core: BridgeCore) -> None:
    """Add the ingress panel: one class per page, the setup page's steps behind APISetup."""
    setup = APISetup(core)
    progress = APIProvisioningProgress(core)
    status = APIStatusPage(core)
    devices = APIDevices(core)
    activity = APIActivity(core)
    app.add_routes(
        [
            web.get("/", setup.setup_page),
            web.get("/setup", setup.setup_page),
            web.post("/setup", setup.setup_action),
            web.post("/otp-check", setup.otp_check),
            web.get("/status", status.status_page),
            web.get("/devices", devices.devices_page),
            web.post("/devices", devices.devices_action),
            web.get("/test-play", devices.test_play_state),
            web.get("/activity", activity.activity_page),
            web.get("/activity/events", activity.activity_events),
            web.get("/diagnostics", activity.diagnostics),
            web.get("/provision/events", progress.events),
            web.get("/provision/log", progress.log),
            web.get("/provision/state", progress.state),
            web.get("/static/{name}", static),
        ]
    )
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )


def _new_app(core: BridgeCore, max_body: int, *middlewares: object) -> web.Application:
    """Create an application that knows the core."""
    app = web.Application(client_max_size=max_body, middlewares=list(middlewares))  # type: ignore[arg-type]
    app[KEY_CORE] = core
    return app


def build_ma_app(core: BridgeCore) -> web.Application:
    """Build the Music Assistant API (loopback, or Basic credentials)."""
    app = _new_app(core, MAX_MA_BODY, error_middleware(contract_error), basic_auth_middleware)
    _register_health(app, core)
    _register_music_assistant(app, core)
    _register_status_api(app, core)
    return app


def build_public_app(core: BridgeCore) -> web.Application:
    """Build the internet-facing app: skill endpoint and relay."""
    app = _new_app(core, MAX_SKILL_BODY, error_middleware(contract_error))
    _register_public_health(app, core)
    _register_skill(app, core)
    _register_relay(app, core)
    _register_oauth(app, core)
    return app


def build_panel_app(core: BridgeCore) -> web.Application:
    """Build the ingress panel app, reachable only from the Supervisor (or loopback)."""
    allowed = frozenset({SUPERVISOR_INGRESS_PEER}) if core.supervised else frozenset(LOOPBACK_HOSTS)
    app = _new_app(core, MAX_MA_BODY, html_error_middleware, peer_middleware(allowed))
    _register_health(app, core)
    _register_panel(app, core)
    return app
