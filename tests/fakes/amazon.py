"""A fake Amazon over real TLS: device registration, tokens, cookies, devices and behaviors."""

from __future__ import annotations

import base64
from collections import defaultdict, deque
from dataclasses import dataclass, field
import hashlib
import json
from pathlib import Path
import secrets
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from .pki import TestPKI
from .tls import serve, server_context, trusting_session

DOMAINS = ("amazon.com", "amazon.de", "amazon.co.uk", "amazon.fr")
HOSTS = tuple(f"{prefix}.{domain}" for domain in DOMAINS for prefix in ("www", "api", "alexa"))
CUSTOMER_ID = "A1CUSTOMER0TEST"
# Which host each path lives on, as alexapy 1.33 calls them; other hosts answer 404.
PATH_HOSTS = {
    "/auth/register": "api.",
    "/auth/token": "api.",
    "/auth/deregister": "api.",
    "/ap/exchangetoken/cookies": "www.",
    "/api/language": "alexa.",
    "/api/devices-v2/device": "alexa.",
    "/api/behaviors/preview": "alexa.",
}

DEVICES: list[dict[str, Any]] = [
    {
        "accountName": "Kitchen Echo",
        "serialNumber": "G090LF1234567890",
        "deviceType": "A3S5BH2HU6VAYF",
        "deviceFamily": "ECHO",
        "online": True,
        "capabilities": ["MUSIC_SKILL", "VOLUME_SETTING", "TUNE_IN"],
        "deviceOwnerCustomerId": CUSTOMER_ID,
        "softwareVersion": "8289072900",
    },
    {
        "accountName": "Living Room",
        "serialNumber": "G0922H0987654321",
        "deviceType": "A4ZXE0RM7LQ7A",
        "deviceFamily": "KNIGHT",
        "online": False,
        "capabilities": ["MUSIC_SKILL", "VOLUME_SETTING"],
        "deviceOwnerCustomerId": CUSTOMER_ID,
    },
    {
        "accountName": "This Phone",
        "serialNumber": "B0F00712345",
        "deviceType": "A2TF17PFR55MTB",
        "deviceFamily": "VOX",
        "online": True,
        "capabilities": ["VOICE_TRAINING"],
        "deviceOwnerCustomerId": CUSTOMER_ID,
    },
]


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    host: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """Return the body parsed as a URL-encoded form."""
        return dict(URL(f"?{self.body.decode()}").query)


@dataclass
class _Code:
    """An authorization code Amazon's sign-in page handed out."""

    client_id: str
    challenge: str
    domain: str
    expired: bool = False


@dataclass
class FakeAmazon:
    """Serve the Amazon endpoints alexapy 1.33 calls, on every host in HOSTS, over TLS."""

    pki: TestPKI
    requests: list[Recorded] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=lambda: [dict(d) for d in DEVICES])
    codes: dict[str, _Code] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)
    csrf: str = field(default_factory=lambda: secrets.token_hex(8))
    failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    port: int = 0
    _runner: web.AppRunner | None = None

    # Test controls.

    def sign_in(self, oauth_url: str) -> str:
        """Play the user on Amazon's page: return the maplanding address the browser ends on."""
        url = URL(oauth_url)
        assert url.host is not None
        assert url.path == "/ap/register"
        query = url.query
        domain = url.host.removeprefix("www.")
        code = "ANcode" + secrets.token_urlsafe(12)
        self.codes[code] = _Code(
            client_id=query["openid.oa2.client_id"].removeprefix("device:"),
            challenge=query["openid.oa2.code_challenge"],
            domain=domain,
        )
        landing = URL(query["openid.return_to"]).with_query(
            {
                "openid.assoc_handle": "amzn_dp_project_dee_ios",
                "openid.mode": "id_res",
                "openid.oa2.authorization_code": code,
                "openid.claimed_id": f"https://www.{domain}/ap/id/amzn1.account.TEST",
                "serial": "",
            }
        )
        return str(landing)

    def expire_codes(self) -> None:
        """Make every handed-out code one Amazon no longer accepts."""
        for code in self.codes.values():
            code.expired = True

    def revoke_all(self) -> None:
        """Revoke every refresh token and session, as when the user removes the device."""
        self.revoked |= self.refresh_tokens
        self.sessions.clear()

    def fail(self, path: str, status: int, times: int = 1) -> None:
        """Answer the next `times` requests to `path` with `status`."""
        self.failures[path].extend([status] * times)

    def calls(self, path: str) -> list[Recorded]:
        """Return the recorded requests to `path`."""
        return [request for request in self.requests if request.path == path]

    # Endpoints.

    async def _register(self, request: web.Request) -> web.Response:
        """POST https://api.<domain>/auth/register: exchange a code for device credentials."""
        body = await request.json()
        auth = body.get("auth_data", {})
        code = self.codes.get(auth.get("authorization_code", ""))
        verifier = auth.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            code is None
            or code.expired
            or code.client_id != auth.get("client_id")
            or code.challenge != challenge.rstrip(b"=").decode()
            or request.host != f"api.{code.domain}"
        ):
            return web.json_response(
                {
                    "response": {
                        "error": {
                            "code": "InvalidValue",
                            "message": "The authorization code is invalid or has expired",
                            "index": "0",
                        }
                    },
                    "request_id": secrets.token_hex(8),
                },
                status=400,
            )
        del self.codes[auth["authorization_code"]]  # codes work once
        refresh = "Atnr|" + secrets.token_urlsafe(24)
        self.refresh_tokens.add(refresh)
        serial = body["registration_data"]["device_serial"]
        return web.json_response(
            {
                "response": {
                    "success": {
                        "tokens": {
                            "bearer": {
                                "access_token": "Atna|" + secrets.token_urlsafe(24),
                                "refresh_token": refresh,
                                "expires_in": "3600",
                            },
                            "mac_dms": {
                                "device_private_key": "MIIE" + secrets.token_hex(16),
                                "adp_token": "{enc:" + secrets.token_hex(16) + "}",
                            },
                            "website_cookies": [],
                        },
                        "extensions": {
                            "device_info": {
                                "device_name": "Test's Amazon Alexa",
                                "device_serial_number": serial,
                                "device_type": "A2IVLV5VM2W81",
                            },
                            "customer_info": {"user_id": CUSTOMER_ID, "home_region": "NA"},
                        },
                        "customer_id": CUSTOMER_ID,
                    }
                },
                "request_id": secrets.token_hex(8),
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        """POST https://api.<domain>/auth/token: a fresh access token for a refresh token."""
        form = await request.post()
        token = str(form.get("source_token", ""))
        if token in self.revoked or token not in self.refresh_tokens:
            return web.json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter",
                },
                status=400,
            )
        return web.json_response(
            {
                "access_token": "Atna|" + secrets.token_urlsafe(24),
                "token_type": "bearer",
                "expires_in": 3600,
            }
        )

    async def _cookies(self, request: web.Request) -> web.Response:
        """POST https://www.<domain>/ap/exchangetoken/cookies: website cookies for the token."""
        form = await request.post()
        token = str(form.get("source_token", ""))
        if token in self.revoked or token not in self.refresh_tokens:
            return web.json_response({"response": {"error": {"code": "InvalidToken"}}}, status=400)
        session = secrets.token_hex(12)
        self.sessions.add(session)
        domain = str(form.get("domain", ""))

        def cookie(name: str, value: str) -> dict[str, str]:
            """Return one cookie as Amazon lists it."""
            return {
                "Name": name,
                "Value": value,
                "Path": "/",
                "Secure": "true",
                "HttpOnly": "true",
                "Expires": "11 Jun 2046 08:00:00 GMT",
            }

        return web.json_response(
            {
                "response": {
                    "tokens": {
                        "cookies": {
                            domain: [
                                cookie("session-id", "131-" + secrets.token_hex(4)),
                                cookie("at-main", f'"Atza|{session}"'),
                                cookie("ubid-main", "132-" + secrets.token_hex(4)),
                            ]
                        }
                    }
                },
                "request_id": secrets.token_hex(8),
            }
        )

    def _session_of(self, request: web.Request) -> str | None:
        """Return the live session the request's cookies carry."""
        value = request.cookies.get("at-main", "").removeprefix("Atza|")
        return value if value in self.sessions else None

    async def _language(self, request: web.Request) -> web.Response:
        """GET https://alexa.<domain>/api/language: where the web app gets its CSRF cookie."""
        if self._session_of(request) is None:
            return web.Response(status=401)
        response = web.json_response({"marketPlaceLocale": "en-US"})
        response.set_cookie("csrf", self.csrf, path="/", secure=True)
        return response

    async def _devices(self, request: web.Request) -> web.Response:
        """GET https://alexa.<domain>/api/devices-v2/device: the account's devices."""
        if self._session_of(request) is None:
            return web.Response(status=401)
        return web.json_response({"devices": self.devices})

    async def _behaviors(self, request: web.Request) -> web.Response:
        """POST https://alexa.<domain>/api/behaviors/preview: run a sequence now."""
        if self._session_of(request) is None:
            return web.Response(status=401)
        if request.headers.get("csrf") != self.csrf or request.cookies.get("csrf") != self.csrf:
            return web.Response(status=403, text="csrf")
        body = await request.json()
        json.loads(body["sequenceJson"])  # must be a JSON document in a string
        return web.Response(status=200)

    async def _deregister(self, request: web.Request) -> web.Response:
        """POST https://api.<domain>/auth/deregister: forget the device registration."""
        if not request.headers.get("Authorization", "").startswith("Bearer Atna|"):
            return web.Response(status=401)
        return web.json_response({"response": {"success": {}}})

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Record every request, then answer injected failures before the real handler."""
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.host, request.path, dict(request.headers), body)
        )
        if not request.host.startswith(PATH_HOSTS.get(request.path, "-")):
            return web.Response(status=404, text=f"no {request.path} on {request.host}")
        pending = self.failures.get(request.path)
        if pending:
            return web.json_response({"message": "Rate exceeded"}, status=pending.popleft())
        result: web.StreamResponse = await handler(request)
        return result

    # Lifecycle.

    async def start(self, tmp_dir: Path) -> None:
        """Listen with TLS for every Amazon host name on one loopback port."""
        tls = self.pki.server_leaf(list(HOSTS), ip="127.0.0.1")
        context = server_context(self.pki, tls, tmp_dir, "fake-amazon")
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/auth/register", self._register)
        app.router.add_post("/auth/token", self._token)
        app.router.add_post("/auth/deregister", self._deregister)
        app.router.add_post("/ap/exchangetoken/cookies", self._cookies)
        app.router.add_get("/api/language", self._language)
        app.router.add_get("/api/devices-v2/device", self._devices)
        app.router.add_post("/api/behaviors/preview", self._behaviors)
        self._runner, self.port = await serve(app, context)

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def route(self, mapping: dict[tuple[str, int], tuple[str, int]]) -> None:
        """Point Amazon's host names in a client's name mapping at this fake."""
        mapping.update({(host, 443): ("127.0.0.1", self.port) for host in HOSTS})

    def client_session(self) -> aiohttp.ClientSession:
        """Return a session whose connector reaches this fake for Amazon's host names."""
        mapping: dict[tuple[str, int], tuple[str, int]] = {}
        self.route(mapping)
        return trusting_session(self.pki, mapping)
