"""Send every route on every listener bad input: each answered 4xx, nothing changed, still up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
import copy
from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import re
import signal
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from alexa_bridge.const import MAX_MA_BODY, MAX_SKILL_BODY

from ..alexa.test_verification import CHAIN_NAME, FORGERIES, Ctx, Forge
from ..bridge_process import start_process
from ..fakes import alexa
from ..fakes.cert_host import FakeCertHost
from ..fakes.pki import ALEXA_SAN, TestPKI
from ..harness import RunningBridge, start_bridge, stop_bridge
from .rawhttp import build_request, send

pytestmark = pytest.mark.asyncio(loop_scope="module")

KITCHEN = "amzn1.ask.device.KITCHEN"
NEWCOMER = "amzn1.ask.device.NEWCOMER"
LISTENERS = ("ma", "public", "panel")
# A token of the right shape that the bridge never issued.
UNKNOWN_TOKEN = "A" * 22
HUGE_HEADER = b"x" * 9000  # over aiohttp's 8190-byte field limit
BAD_UTF8 = b"\xff\xfe\xc3\x28"

# ---- the routes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One route as its listener registers it, and how to reach and break it."""

    listener: str
    method: str
    template: str  # the router's canonical path
    path: str  # a concrete path that matches it
    kind: str = "none"  # none | json | form | signed
    wrong_types: tuple[bytes, ...] = ()  # JSON bodies with the right keys, wrong types
    queries: tuple[bytes, ...] = ()  # bad query strings or path parameters, each a target

    @property
    def key(self) -> str:
        """Return "listener METHOD template", as the enumeration names it."""
        return f"{self.listener} {self.method} {self.template}"


ROUTES = [
    Route("ma", "GET", "/health", "/health"),
    Route(
        "ma",
        "POST",
        "/ma/push-url",
        "/ma/push-url",
        "json",
        (
            b'{"streamUrl": 5}',
            b'{"streamUrl": ["http://ma/x.mp3"]}',
            b'{"streamUrl": "http://ma/x.mp3", "playerId": {"a": 1}}',
            b'{"streamUrl": "http://ma/x.mp3", "title": 7}',
            b'{"streamUrl": "http://ma/x.mp3", "imageUrl": true}',
            b'{"streamUrl": "ftp://ma/x.mp3"}',
            b'{"streamUrl": NaN}',
            b'{"streamUrl": ""}',
        ),
    ),
    Route("ma", "GET", "/ma/latest-url", "/ma/latest-url", queries=(b"?playerId=%ff%fe",)),
    Route(
        "ma",
        "POST",
        "/ma/control",
        "/ma/control",
        "json",
        (b'{"command": 7}', b'{"command": "explode"}', b'{"command": "pause", "playerId": []}'),
    ),
    Route("ma", "GET", "/alexa/intents", "/alexa/intents"),
    Route("ma", "*", "/{extra}", "//ma/nothing"),
    Route("ma", "GET", "/api/status", "/api/status"),
    Route(
        "ma",
        "POST",
        "/api/test-play",
        "/api/test-play",
        "json",
        (b'{"serial": 5}', b'{"serial": ""}', b'{"serial": "' + b"S" * 65 + b'"}', b"{}"),
    ),
    Route(
        "ma",
        "POST",
        "/api/home-assistant",
        "/api/home-assistant",
        "json",
        (
            b'{"external_url": 5}',
            b'{"external_url": "https://ha.example", "path_prefix": "no-slash"}',
            b'{"path_prefix": "/api/alexa_bridge"}',
        ),
    ),
    Route("public", "GET", "/health", "/health"),
    Route("public", "GET", "/health/{name}", "/health/" + "A" * 32),
    Route("public", "POST", "/alexa/skill", "/alexa/skill", "signed"),
    Route("public", "GET", "/sounds/test-sound.mp3", "/sounds/test-sound.mp3"),
    Route(
        "public",
        "GET",
        "/stream/{token}.mp3",
        f"/stream/{UNKNOWN_TOKEN}.mp3",
        queries=(
            f"/stream/{UNKNOWN_TOKEN}.mp3".encode(),
            b"/stream/short.mp3",
            b"/stream/..%2f..%2fetc%2fpasswd.mp3",
            b"/stream/" + b"A" * 65 + b".mp3",
        ),
    ),
    Route(
        "public",
        "GET",
        "/image/{token}",
        f"/image/{UNKNOWN_TOKEN}",
        queries=(f"/image/{UNKNOWN_TOKEN}".encode(), b"/image/%2e%2e%2f%2e%2e%2fslots.json"),
    ),
    Route(
        "public",
        "GET",
        "/oauth/callback",
        "/oauth/callback",
        queries=(
            b"/oauth/callback",
            b"/oauth/callback?code=abc",
            b"/oauth/callback?code=abc&state=forged-state",
            b"/oauth/callback?code=abc&state=%ff%fe",
            b"/oauth/callback?error=access_denied&error_description=%3Cscript%3E",
        ),
    ),
    Route("public", "GET", "/oauth/done", "/oauth/done"),
    Route("panel", "GET", "/health", "/health"),
    Route("panel", "GET", "/", "/"),
    Route("panel", "GET", "/setup", "/setup"),
    Route("panel", "POST", "/setup", "/setup", "form"),
    Route(
        "panel",
        "POST",
        "/otp-check",
        "/otp-check",
        "json",
        (b'{"key": 123456}', b'{"key": ["AAAA"]}', b'{"key": "not base32 !!"}', b'{"code": 1}'),
    ),
    Route("panel", "GET", "/status", "/status"),
    Route("panel", "GET", "/devices", "/devices"),
    Route("panel", "POST", "/devices", "/devices", "form"),
    Route(
        "panel",
        "GET",
        "/test-play",
        "/test-play",
        queries=(b"/test-play", b"/test-play?serial=%ff%fe", b"/test-play?serial=" + b"9" * 4000),
    ),
    Route("panel", "GET", "/activity", "/activity"),
    Route("panel", "GET", "/activity/events", "/activity/events"),
    Route("panel", "GET", "/diagnostics", "/diagnostics"),
    Route("panel", "GET", "/provision/events", "/provision/events"),
    Route("panel", "GET", "/provision/log", "/provision/log"),
    Route("panel", "GET", "/provision/state", "/provision/state"),
    Route(
        "panel",
        "GET",
        "/static/{name}",
        "/static/panel.css",
        queries=(
            b"/static/..%2f..%2fpyproject.toml",
            b"/static/%2e%2e",
            b"/static/..%5c__init__.py",
            b"/static/panel.css%00.py",
            b"/static/templates%2fbase.html",
        ),
    ),
]
ROUTE_PATHS: dict[str, set[str]] = {
    name: {route.path for route in ROUTES if route.listener == name} for name in LISTENERS
}
METHODS: dict[tuple[str, str], set[str]] = {}
for _route in ROUTES:
    METHODS.setdefault((_route.listener, _route.path), set()).add(_route.method)
BODY_LIMIT = {"ma": MAX_MA_BODY, "public": MAX_SKILL_BODY, "panel": MAX_MA_BODY}

# ---- the cases --------------------------------------------------------------------------

Attack = Callable[["Scene"], list[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    """One bad request and the statuses that count as refusing it."""

    route: Route
    target: bytes
    method: str = ""
    headers: dict[str, bytes] = field(default_factory=dict)
    body: bytes | None = None
    chunked: bool = False
    csrf: bool = True  # send the panel's token, so the bad part is what gets refused
    listener: str = ""  # another listener than the route's, when set
    forge: Forge | None = None
    expect: tuple[int, ...] = ()  # empty: any 4xx

    def request(self, csrf_token: str) -> bytes:
        """Return the bytes to send."""
        headers = dict(self.headers)
        if self.csrf and self.route.listener == "panel":
            headers.setdefault("X-CSRF-Token", csrf_token.encode())
        return build_request(
            self.method or self.route.method,
            self.target,
            headers,
            self.body,
            chunked=self.chunked,
        )


def _wrong_method(route: Route) -> str:
    """Return a method the route's path does not answer."""
    taken = METHODS[(route.listener, route.path)]
    return next(m for m in ("PATCH", "PUT", "DELETE", "POST", "GET") if m not in taken)


JSON = {"Content-Type": b"application/json"}
FORM = {"Content-Type": b"application/x-www-form-urlencoded"}


def _body_cases(route: Route) -> Iterator[tuple[str, Case]]:
    """Yield the body attacks for a route that reads a JSON or form body."""
    path = route.path.encode()
    limit = BODY_LIMIT[route.listener]
    kind = FORM if route.kind == "form" else JSON
    huge = (b"action=" if route.kind == "form" else b'{"pad": "') + b"x" * limit + b'"}'
    yield "huge-body", Case(route, path, headers=kind, body=huge, expect=(413,))
    yield (
        "huge-body-chunked",
        Case(route, path, headers=kind, body=huge, chunked=True, expect=(413,)),
    )
    if route.kind == "json":
        yield "json-malformed", Case(route, path, headers=JSON, body=b'{"streamUrl": ')
        yield "json-not-object", Case(route, path, headers=JSON, body=b"[1, 2, 3]")
        yield "json-string", Case(route, path, headers=JSON, body=b'"pause"')
        yield "json-empty", Case(route, path, headers=JSON, body=b"")
        yield "json-deep", Case(route, path, headers=JSON, body=b"[" * 60_000)
        yield "utf8-invalid", Case(route, path, headers=JSON, body=b'{"a": "' + BAD_UTF8 + b'"}')
        yield "utf16", Case(route, path, headers=JSON, body='{"a": 1}'.encode("utf-16"))
        yield "form-instead", Case(route, path, headers=FORM, body=b"command=pause")
        for index, body in enumerate(route.wrong_types):
            yield f"wrong-type-{index}", Case(route, path, headers=JSON, body=body)
    if route.kind == "form":
        yield "form-no-action", Case(route, path, headers=FORM, body=b"x=1")
        yield "form-unknown-action", Case(route, path, headers=FORM, body=b"action=self_destruct")
        yield "form-action-utf8", Case(route, path, headers=FORM, body=b"action=%ff%fe")
        yield "form-raw-utf8", Case(route, path, headers=FORM, body=b"action=" + BAD_UTF8)
        yield "form-json-instead", Case(route, path, headers=JSON, body=b'{"action": "sign_out"}')
        yield (
            "form-multipart-garbage",
            Case(
                route,
                path,
                headers={"Content-Type": b"multipart/form-data; boundary=zz"},
                body=b"--zz\r\nnot a part\r\n",
            ),
        )
    if route.listener == "panel":
        body = b"action=sign_out" if route.kind == "form" else b'{"key": "AAAA"}'
        yield "csrf-missing", Case(route, path, headers=kind, body=body, csrf=False, expect=(403,))
        yield (
            "csrf-wrong",
            Case(route, path, headers={**kind, "X-CSRF-Token": b"guess"}, body=body, expect=(403,)),
        )
        yield (
            "csrf-in-broken-form",
            Case(route, path, headers=FORM, body=b"csrf=" + BAD_UTF8, csrf=False, expect=(403,)),
        )
        yield (
            "csrf-cross-site",
            Case(route, path, headers={**kind, "Sec-Fetch-Site": b"cross-site"}, body=body),
        )


def _universal_cases(route: Route) -> Iterator[tuple[str, Case]]:
    """Yield what every route must refuse: wrong method, huge headers, path tricks."""
    path = route.path.encode()
    if route.method == "*":  # the MA listener's "//path" fallback: any method, unknown path
        yield "unknown-path", Case(route, path, method="GET", expect=(404,))
        yield "unknown-path-post", Case(route, path, method="POST", expect=(404,))
        yield "wrong-method-merged", Case(route, b"//ma/push-url", method="GET", expect=(405,))
        return
    yield "wrong-method", Case(route, path, method=_wrong_method(route), expect=(405,))
    yield "header-huge", Case(route, path, headers={"X-Pad": HUGE_HEADER}, expect=(400, 431))
    yield "header-line-huge", Case(route, path + b"?q=" + HUGE_HEADER, expect=(400, 414, 431))
    yield "header-nul", Case(route, path, headers={"X-Test": b"a\x00b"}, expect=(400,))
    if route.listener != "ma":  # MA's listener serves //ma/push-url on purpose (test_ma_api)
        yield "path-double-slash", Case(route, b"/" + path, expect=(404,))
    yield "path-dot-dot", Case(route, b"/x/.." + path, expect=(404,))
    yield "path-encoded-dot-dot", Case(route, b"/x/%2e%2e" + path, expect=(404,))
    yield "path-nul-encoded", Case(route, path + b"%00", expect=(404,))
    yield "path-nul-raw", Case(route, path + b"\x00", expect=(400,))
    yield "path-utf8-invalid", Case(route, path + BAD_UTF8, expect=(400,))
    for other in LISTENERS:
        if other != route.listener and route.path not in ROUTE_PATHS[other]:
            yield f"on-{other}", Case(route, path, listener=other, expect=(404,))


# -- forged and replayed Alexa requests (the verification suite's table plus replays) --


def _replay_new_timestamp(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Replay a genuinely signed body with a fresh timestamp put in."""
    body["request"]["timestamp"] = alexa.timestamp(-100)
    raw, headers = ctx.sign(body)
    return raw.replace(body["request"]["timestamp"].encode(), alexa.timestamp().encode()), headers


def _replay_stale(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Replay a genuine request captured ten minutes ago, byte for byte."""
    body["request"]["timestamp"] = alexa.timestamp(-600)
    return ctx.sign(body)


def _replay_other_device(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Replay a genuine request with another device id written in."""
    raw, headers = ctx.sign(body)
    return raw.replace(b"amzn1.ask.device.", b"amzn1.ask.device.X"), headers


def _replay_other_skill(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Replay a genuine request made for another skill, skill id rewritten to ours."""
    other = "amzn1.ask.skill.99999999-0000-0000-0000-000000000000"
    text = json.dumps(body).replace(alexa.TEST_SKILL_ID, other)
    raw, headers = ctx.sign(text.encode())
    return raw.replace(other.encode(), alexa.TEST_SKILL_ID.encode()), headers


def _url(url: str) -> Forge:
    """Sign correctly but name a malformed certificate URL."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Point SignatureCertChainUrl at `url`."""
        return ctx.sign(body, cert_url=url.format(name=CHAIN_NAME))

    return forge


def _empty_url(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign correctly but send an empty certificate URL."""
    raw, headers = ctx.sign(body)
    return raw, {**headers, "SignatureCertChainUrl": ""}


def _wrong_san_other_host(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a certificate for the certificate host's own name, not Alexa's."""
    leaf = ctx.pki.server_leaf(["s3.amazonaws.com"])
    return ctx.sign(body, leaf=leaf, cert_url=ctx.publish("s3-san.pem", leaf))


def _san_as_common_name(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a certificate that names Alexa only in a look-alike SAN."""
    leaf = ctx.pki.server_leaf([ALEXA_SAN + ".evil.com"])
    return ctx.sign(body, leaf=leaf, cert_url=ctx.publish("lookalike.pem", leaf))


def _mutate(change: Callable[[dict[str, Any]], None]) -> Forge:
    """Change the request's shape, then sign it correctly (wrong types, genuinely signed)."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Apply the change and sign."""
        change(body)
        return ctx.sign(body)

    return forge


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Return a change that sets a dotted path in the envelope."""

    def change(body: dict[str, Any]) -> None:
        """Set the value."""
        *parents, last = path.split(".")
        node = body
        for name in parents:
            node = node[name]
        node[last] = value

    return change


EXTRA_FORGERIES: list[tuple[str, Forge]] = [
    ("replay-new-timestamp", _replay_new_timestamp),
    ("replay-10-minutes-old", _replay_stale),
    ("replay-other-device", _replay_other_device),
    ("replay-other-skill", _replay_other_skill),
    ("url-empty", _empty_url),
    ("url-relative", _url("/echo.api/{name}")),
    ("url-scheme-relative", _url("//s3.amazonaws.com/echo.api/{name}")),
    ("url-ftp", _url("ftp://s3.amazonaws.com/echo.api/{name}")),
    ("url-double-slash", _url("https://s3.amazonaws.com//echo.api/{name}")),
    ("url-backslash-host", _url("https://s3.amazonaws.com\\@evil.com/echo.api/{name}")),
    ("url-nul", _url("https://s3.amazonaws.com/echo.api/{name}%00.txt")),
    ("url-ip", _url("https://127.0.0.1/echo.api/{name}")),
    ("leaf-san-s3", _wrong_san_other_host),
    ("leaf-san-lookalike", _san_as_common_name),
    ("type-request-not-object", _mutate(_set("request", "LaunchRequest"))),
    ("type-request-type-number", _mutate(_set("request.type", 5))),
    ("type-timestamp-number", _mutate(_set("request.timestamp", 1_700_000_000))),
    ("type-timestamp-garbage", _mutate(_set("request.timestamp", "yesterday"))),
    ("type-context-not-object", _mutate(_set("context", []))),
    ("type-system-missing", _mutate(_set("context", {}))),
    ("type-skill-id-number", _mutate(_set("context.System.application.applicationId", 5))),
]


def _alexa_cases(route: Route) -> Iterator[tuple[str, Case]]:
    """Yield forged, replayed and unsigned requests to the skill endpoint."""
    path = route.path.encode()
    for param in FORGERIES:
        forge = param.values[0]
        assert callable(forge)
        yield f"forged-{param.id}", Case(route, path, forge=forge, expect=(400,))
    for name, forge in EXTRA_FORGERIES:
        yield f"forged-{name}", Case(route, path, forge=forge, expect=(400,))
    launch = json.dumps(alexa.launch(device_id=NEWCOMER)).encode()
    yield "unsigned", Case(route, path, headers=JSON, body=launch, expect=(400,))
    yield "unsigned-malformed", Case(route, path, headers=JSON, body=b"{", expect=(400,))
    yield "unsigned-utf8", Case(route, path, headers=JSON, body=BAD_UTF8, expect=(400,))
    yield (
        "signature-header-huge",
        Case(
            route,
            path,
            headers={**JSON, "Signature-256": b"A" * 8000, "SignatureCertChainUrl": b"x"},
            body=launch,
            expect=(400,),
        ),
    )


def _cases() -> Iterator[Any]:
    """Yield every case of every route as a pytest param."""
    for route in ROUTES:
        generators = [_universal_cases(route)]
        if route.kind in ("json", "form", "signed"):
            generators.append(_body_cases(route))
        if route.kind == "signed":
            generators.append(_alexa_cases(route))
        for name, case in (item for gen in generators for item in gen):
            yield pytest.param(case, id=f"{route.key}:{name}")
        for index, target in enumerate(route.queries):
            yield pytest.param(Case(route, target), id=f"{route.key}:param-{index}")


CASES = list(_cases())

# ---- the bridge under attack ----------------------------------------------------------------


@dataclass
class Scene:
    """One bridge for the whole table: a paired, paused player and a pending push."""

    running: RunningBridge
    ctx: Ctx
    kitchen_token: str

    def attacks(self) -> list[dict[str, Any]]:
        """Return requests that change state when accepted: pair a new Echo, and pause."""
        return [
            alexa.launch(device_id=NEWCOMER),
            alexa.intent(
                "AMAZON.PauseIntent",
                device_id=KITCHEN,
                player=alexa.player_context(self.kitchen_token, 77_000),
            ),
        ]

    def port(self, listener: str) -> int:
        """Return a listener's port."""
        return self.running.bridge.listeners.port(listener)


def snapshot(running: RunningBridge) -> dict[str, Any]:
    """Return everything a request could change that a user would notice."""
    core = running.core
    return {
        "slots": {key: asdict(slot) for key, slot in core.slots.slots.items()},
        "devices": dict(core.slots.devices),
        "settings": copy.deepcopy(core.settings.data),
        # Refused Alexa requests are listed (ok=False) on purpose; nothing else may appear.
        "activity": [e.to_dict() for e in core.activity.entries if e.ok],
        "amazon": core.amazon.state.status,
        "developer": copy.deepcopy(core.provisioning.developer.data),
        "skill": copy.deepcopy(core.provisioning.skill.data),
        "home_assistant": core.home_assistant.link,
        "test_play": core.test_plays.last,
        "csrf": core.csrf.token,
    }


@pytest_asyncio.fixture(name="scene", scope="module", loop_scope="module")
async def scene_fixture(
    pki: TestPKI, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    """Start one bridge for every case: cases must not change it, so sharing is the test."""
    tmp = tmp_path_factory.mktemp("bad-input")
    (tmp / "ca.pem").write_bytes(pki.root.pem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(tmp / "ca.pem"))
        host = FakeCertHost(pki)
        await host.start(tmp)
        leaf = pki.alexa
        cert_url = host.publish_leaf(CHAIN_NAME, leaf)
        async with aiohttp.ClientSession() as client:
            running = await start_bridge(tmp / "data", host, leaf, cert_url, client)
            try:
                yield await _prepare(running, Ctx(pki, host, leaf, cert_url))
            finally:
                await stop_bridge(running)
                await host.close()


async def _prepare(running: RunningBridge, ctx: Ctx) -> Scene:
    """Pair the kitchen Echo, pause it, leave a push pending, and tell of Home Assistant."""
    assert (await running.push({"streamUrl": "http://ma:8097/k.mp3", "playerId": "Kitchen"}))[
        0
    ] == 200
    status, answer = await running.skill(alexa.launch(device_id=KITCHEN))
    assert status == 200, answer
    token = answer["response"]["directives"][0]["audioItem"]["stream"]["token"]
    stopped = alexa.audio_event("PlaybackStopped", token, 5_000, device_id=KITCHEN)
    assert (await running.skill(stopped))[0] == 200
    assert (await running.push({"streamUrl": "http://ma:8097/l.mp3", "playerId": "Living"}))[
        0
    ] == 200
    link = {"external_url": "https://ha.example.com", "path_prefix": "/api/alexa_bridge"}
    async with running.client.post(f"{running.ma}/api/home-assistant", json=link) as resp:
        assert resp.status == 200
    return Scene(running, ctx, token)


async def _refused(scene: Scene, case: Case) -> list[int]:
    """Send a case (a forged case signs each attack) and return the statuses."""
    port = scene.port(case.listener or case.route.listener)
    csrf = scene.running.core.csrf.token
    if case.forge is None:
        return [(await send(port, case.request(csrf))).status]
    statuses = []
    for body in scene.attacks():
        raw, headers = case.forge(scene.ctx, body)
        request = build_request(
            "POST", case.target, {k: v.encode() for k, v in headers.items()}, raw
        )
        statuses.append((await send(port, request)).status)
    return statuses


# ---- the tests --------------------------------------------------------------------------------


async def test_every_route_has_cases(scene: Scene) -> None:
    """Enumerate the real routers: a route added without a row in ROUTES fails here."""
    registered = set()
    for name in LISTENERS:
        app = scene.running.bridge.listeners._listeners[name].runner.app
        for route in app.router.routes():
            if route.method == "HEAD":  # aiohttp adds HEAD to every GET
                continue
            canonical = re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", route.resource.canonical)
            registered.add(f"{name} {route.method} {canonical}")
    assert registered == {route.key for route in ROUTES}
    covered = {param.values[0].route.key for param in CASES}
    assert covered == registered


async def test_at_least_thirty_forged_alexa_requests() -> None:
    """Hold the table to the issue's count of forged or replayed Alexa requests."""
    forged = [param for param in CASES if param.values[0].forge is not None]
    assert len(forged) >= 30


@pytest.mark.parametrize("case", CASES)
async def test_bad_input_is_refused(scene: Scene, case: Case) -> None:
    """Answer 4xx, run no handler, change nothing, and keep serving."""
    before = snapshot(scene.running)
    statuses = await _refused(scene, case)
    for status in statuses:
        if case.expect:
            assert status in case.expect, statuses
        assert 400 <= status < 500, statuses
    assert snapshot(scene.running) == before
    for name in LISTENERS:
        assert (await send(scene.port(name), build_request("GET", b"/health"))).status == 200


# ---- unknown fields are not an error ------------------------------------------------------


async def test_unknown_fields_are_accepted_and_dropped(scene: Scene) -> None:
    """Newer callers may send more: valid bodies with unknown fields work, extras are dropped."""
    running = scene.running
    push = {"streamUrl": "http://ma:8097/u.mp3", "playerId": "Unknown", "futureField": {"x": 1}}
    status, answer = await running.push(push)
    assert status == 200, answer
    slot = running.core.slots.slots["Unknown"]
    assert not hasattr(slot, "futureField")
    assert "futureField" not in json.dumps(asdict(slot))
    control = {"command": "pause", "playerId": "Unknown", "futureField": 1}
    async with running.client.post(f"{running.ma}/ma/control", json=control) as resp:
        assert resp.status == 200, await resp.text()
    link = {"external_url": "https://ha.example.com", "path_prefix": "/api/x", "newer": True}
    async with running.client.post(f"{running.ma}/api/home-assistant", json=link) as resp:
        assert resp.status == 200, await resp.text()
    assert running.core.home_assistant.link is not None
    assert running.core.home_assistant.link.path_prefix == "/api/x"
    # Not signed in to Amazon: the body passes, the account state answers.
    play = {"serial": "G090LF1234567890", "newer": True}
    async with running.client.post(f"{running.ma}/api/test-play", json=play) as resp:
        assert resp.status == 503, await resp.text()
    headers = {"X-CSRF-Token": running.core.csrf.token}
    otp = {"key": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "newer": True}
    async with running.client.post(f"{running.panel}/otp-check", json=otp, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
    body = alexa.intent("AMAZON.HelpIntent", device_id=KITCHEN)
    body["futureField"] = {"nested": [1, 2]}
    body["request"]["futureField"] = "x"
    status, answer = await running.skill(body)
    assert status == 200, answer
    assert "outputSpeech" in answer["response"]


# ---- the same table against the real program -------------------------------------------------


def _unsigned(case: Case) -> bool:
    """Return whether a case needs no certificate host (the real program cannot reach ours)."""
    return case.forge is None


async def test_real_process_survives_the_table(tmp_path: Path) -> None:
    """Send the unsigned part of the table to `python -m alexa_bridge`: 4xx, state kept, up."""
    process = await start_process(
        tmp_path / "data", ALEXA_BRIDGE_PUBLIC_URL="https://bridge.example.com"
    )
    try:
        async with aiohttp.ClientSession() as client:
            push = {"streamUrl": "http://ma:8097/k.mp3", "playerId": "Kitchen"}
            async with client.post(f"{process.url('ma')}/ma/push-url", json=push) as resp:
                assert resp.status == 200
            async with client.get(f"{process.url('panel')}/setup") as resp:
                match = re.search(r'name="csrf-token" content="([^"]+)"', await resp.text())
            assert match is not None
            csrf = match.group(1)

            async def latest() -> Any:
                """Return what the bridge says was pushed last."""
                async with client.get(f"{process.url('ma')}/ma/latest-url") as resp:
                    return await resp.json()

            before = await latest()
            failures = []
            for param in CASES:
                case = param.values[0]
                if not _unsigned(case):
                    continue
                port = process.ports[case.listener or case.route.listener]
                status = (await send(port, case.request(csrf))).status
                if not 400 <= status < 500 or (case.expect and status not in case.expect):
                    failures.append((param.id, status))
            assert failures == []
            assert process.proc.returncode is None
            for name in LISTENERS:
                async with client.get(f"{process.url(name)}/health") as resp:
                    assert resp.status == 200
            assert await latest() == before
    finally:
        process.proc.send_signal(signal.SIGTERM)
        assert await process.proc.wait() == 0
