"""A fake Skill Management API and Login with Amazon token endpoint over real TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import json
from pathlib import Path
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
import uuid

import aiohttp
from aiohttp import web

from . import alexa
from .pki import Issued, TestPKI
from .tls import serve, server_context, trusting_session

CLIENT_ID = "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef"
CLIENT_SECRET = "amzn1.oa2-cs.v1.secretsecretsecretsecret"
VENDOR = {"id": "M2TESTVENDOR", "name": "Anna Example", "roles": ["ROLE_ADMINISTRATOR"]}
SCOPES = {"alexa::ask:skills:readwrite", "alexa::ask:models:readwrite", "alexa::ask:skills:test"}
CODE_TTL = 300.0
IN_PROGRESS = "IN_PROGRESS"


def _skill_id() -> str:
    """Make a skill id in Amazon's format."""
    return f"amzn1.ask.skill.{uuid.uuid4()}"


def error(status: int, message: str, violations: list[str] | None = None) -> web.Response:
    """Answer with SMAPI's error body shape."""
    body: dict[str, Any] = {"message": message}
    if violations is not None:
        body["violations"] = [{"code": "INVALID_REQUEST", "message": v} for v in violations]
    return web.json_response(body, status=status)


def lwa_error(status: int, code: str, description: str) -> web.Response:
    """Answer with Login with Amazon's error body shape."""
    return web.json_response({"error": code, "error_description": description}, status=status)


@dataclass
class FakeSkill:
    """One skill on the fake: its manifest, models, builds and enablement."""

    skill_id: str
    manifest: dict[str, Any]
    models: dict[str, Any] = field(default_factory=dict)
    builds: dict[str, dict[str, Any]] = field(default_factory=dict)
    manifest_status: dict[str, Any] = field(default_factory=lambda: {"status": "SUCCEEDED"})
    polls_left: dict[str, int] = field(default_factory=dict)
    enabled: bool = False
    ssl_certificate: str | None = None

    def summary(self) -> dict[str, Any]:
        """Return the skill as GET /v1/skills lists it."""
        locales = self.manifest.get("publishingInformation", {}).get("locales", {})
        return {
            "skillId": self.skill_id,
            "stage": "development",
            "apis": ["custom"],
            "publicationStatus": "DEVELOPMENT",
            "lastUpdated": "2025-01-01T00:00:00.000Z",
            "nameByLocale": {code: info.get("name") for code, info in locales.items()},
            "_links": {"self": {"href": f"/v1/skills/{self.skill_id}/stages/development/manifest"}},
        }


@dataclass
class Injected:
    """A failure to answer instead of the real one, a number of times."""

    method: str
    path_part: str
    status: int
    body: dict[str, Any]
    count: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeSmapi:
    """Serve SMAPI (/v1, /v2) and LWA (/auth/o2/token) with Amazon's paths and bodies."""

    def __init__(self, pki: TestPKI, *, leaf: Issued, cert_url: str) -> None:
        """Prepare TLS and the signing certificate used for simulations."""
        self.pki = pki
        self._tls = pki.server_leaf(
            ["api.amazonalexa.com", "api.amazon.com", "localhost"], ip="127.0.0.1"
        )
        self.leaf = leaf
        self.cert_url = cert_url
        self.port = 0
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: set[str] = set()
        self.access_tokens: dict[str, float] = {}
        self.expires_in = 3600
        self.skills: dict[str, FakeSkill] = {}
        self.build_polls = 1  # status answers IN_PROGRESS this often before the result
        self.build_errors: dict[str, list[str]] = {}
        self.injected: list[Injected] = []
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.grants: list[str] = []
        self.simulations: dict[str, dict[str, Any]] = {}
        self.simulation_busy = False
        self.mapping: dict[tuple[str, int], tuple[str, int]] = {}
        self.clock: Callable[[], float] = time.time
        self.delay = 0.0  # seconds every SMAPI answer waits (a slow Amazon)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """Return the base URL for both the SMAPI and the LWA option."""
        return f"https://127.0.0.1:{self.port}"

    # Test helpers ------------------------------------------------------------

    def approve(self, consent_url: str, *, client_id: str = CLIENT_ID) -> str:
        """Play the user on Amazon's consent page; return the address Amazon redirects to."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
        assert urlsplit(consent_url).path == "/ap/oa"
        assert query["client_id"] == client_id
        assert query["response_type"] == "code"
        assert set(query["scope"].split()) == SCOPES
        code = "ANTEST" + secrets.token_hex(10)
        self.codes[code] = {
            "client_id": client_id,
            "redirect_uri": query["redirect_uri"],
            "issued": self.clock(),
            "used": False,
        }
        back = urlencode({"code": code, "scope": query["scope"], "state": query["state"]})
        return f"{query['redirect_uri']}?{back}"

    def inject(
        self,
        method: str,
        path_part: str,
        status: int,
        message: str = "Injected failure",
        *,
        count: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `count` matching requests with an error."""
        self.injected.append(
            Injected(method, path_part, status, {"message": message}, count, headers or {})
        )

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token invalid (the user removed the app's access)."""
        self.refresh_tokens.clear()
        self.access_tokens.clear()

    def expire_access_tokens(self) -> None:
        """Make every access token handed out so far invalid."""
        self.access_tokens.clear()

    def add_skill(self, name: str, locales: tuple[str, ...] = ("en-US",)) -> FakeSkill:
        """Put an existing skill on the vendor account."""
        skill = FakeSkill(
            _skill_id(),
            {
                "publishingInformation": {"locales": {c: {"name": name} for c in locales}},
                "apis": {"custom": {"endpoint": {"uri": "https://old.example.com/alexa/skill"}}},
            },
        )
        self.skills[skill.skill_id] = skill
        return skill

    def count(self, method: str, path_part: str) -> int:
        """Count requests whose path contains `path_part`."""
        return sum(1 for m, p, _ in self.calls if m == method and path_part in p)

    # LWA ----------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        """POST /auth/o2/token: authorization_code and refresh_token grants."""
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret"):
            return lwa_error(401, "invalid_client", "Client authentication failed")
        if grant == "authorization_code":
            entry = self.codes.get(form.get("code", ""))
            if entry is None or entry["used"] or self.clock() - entry["issued"] > CODE_TTL:
                return lwa_error(
                    400, "invalid_grant", "The request has an invalid grant parameter : code"
                )
            if entry["redirect_uri"] != form.get("redirect_uri"):
                return lwa_error(400, "invalid_grant", "redirect_uri does not match")
            entry["used"] = True
            refresh = "Atzr|" + secrets.token_urlsafe(32).replace("-", "x")
            self.refresh_tokens.add(refresh)
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            if refresh not in self.refresh_tokens:
                return lwa_error(
                    400,
                    "invalid_grant",
                    "The request has an invalid grant parameter : refresh_token",
                )
        else:
            return lwa_error(400, "unsupported_grant_type", f"{grant} is not supported")
        access = "Atza|" + secrets.token_urlsafe(32)
        self.access_tokens[access] = self.clock() + self.expires_in
        body = {"access_token": access, "token_type": "bearer", "expires_in": self.expires_in}
        if grant == "authorization_code":
            body["refresh_token"] = refresh
        return web.json_response(body)

    # SMAPI --------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Record calls, check the bearer token, answer injected failures."""
        self.calls.append((request.method, request.path, dict(request.query)))
        if request.path.startswith("/auth/"):
            return await handler(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or self.access_tokens.get(token, 0) < self.clock():
            return error(401, "Token is invalid/expired")
        for injected in list(self.injected):
            if injected.method == request.method and injected.path_part in request.path:
                injected.count -= 1
                if injected.count <= 0:
                    self.injected.remove(injected)
                return web.json_response(
                    injected.body, status=injected.status, headers=injected.headers
                )
        return await handler(request)

    def _skill(self, request: web.Request) -> FakeSkill:
        """Find the skill in the path or answer 404."""
        skill = self.skills.get(request.match_info["skill_id"])
        if skill is None:
            raise web.HTTPNotFound(
                text=json.dumps({"message": "The resource being requested is not found."}),
                content_type="application/json",
            )
        return skill

    async def _vendors(self, _request: web.Request) -> web.Response:
        """GET /v1/vendors."""
        return web.json_response({"vendors": [VENDOR]})

    async def _list_skills(self, request: web.Request) -> web.Response:
        """GET /v1/skills?vendorId&maxResults&nextToken, paginated."""
        if request.query.get("vendorId") != VENDOR["id"]:
            return error(400, "Invalid vendorId", ["vendorId is not valid"])
        size = int(request.query.get("maxResults", "10"))
        if size > 50:
            return error(400, "maxResults must not exceed 50", ["maxResults is out of range"])
        start = int(request.query.get("nextToken", "0") or 0)
        skills = list(self.skills.values())
        page = skills[start : start + size]
        truncated = start + size < len(skills)
        body: dict[str, Any] = {
            "_links": {"self": {"href": "/v1/skills"}},
            "skills": [s.summary() for s in page],
            "isTruncated": truncated,
        }
        if truncated:
            body["nextToken"] = str(start + size)
        return web.json_response(body)

    async def _create_skill(self, request: web.Request) -> web.Response:
        """POST /v1/skills: 202 with the new skill id and a Location to track."""
        body = await request.json()
        if body.get("vendorId") != VENDOR["id"]:
            return error(400, "Invalid vendorId", ["vendorId is not valid"])
        problems = self._check_manifest(body.get("manifest") or {})
        if problems:
            return error(400, "Skill manifest is not valid.", problems)
        skill = FakeSkill(_skill_id(), body["manifest"])
        skill.manifest_status = {"status": IN_PROGRESS}
        skill.polls_left["manifest"] = self.build_polls
        self.skills[skill.skill_id] = skill
        return web.json_response(
            {"skillId": skill.skill_id},
            status=202,
            headers={"Location": f"/v1/skills/{skill.skill_id}/status?resource=manifest"},
        )

    @staticmethod
    def _check_manifest(manifest: dict[str, Any]) -> list[str]:
        """Check the parts of a manifest Amazon insists on for this kind of skill."""
        problems = []
        pub = manifest.get("publishingInformation") or {}
        if pub.get("category") not in ("STREAMING_SERVICE", "MUSIC_AND_AUDIO_ACCESSORIES"):
            problems.append(f"category {pub.get('category')!r} is not a valid value")
        if not pub.get("locales"):
            problems.append("publishingInformation.locales must not be empty")
        endpoint = ((manifest.get("apis") or {}).get("custom") or {}).get("endpoint") or {}
        if not str(endpoint.get("uri", "")).startswith("https://"):
            problems.append("endpoint.uri must be an https URL")
        if endpoint.get("sslCertificateType") not in ("Trusted", "Wildcard", "SelfSigned"):
            problems.append("endpoint.sslCertificateType is not valid")
        return problems

    async def _get_manifest(self, request: web.Request) -> web.Response:
        """GET /v1/skills/{id}/stages/development/manifest."""
        skill = self._skill(request)
        return web.json_response(
            {"manifest": skill.manifest}, headers={"ETag": str(hash(json.dumps(skill.manifest)))}
        )

    async def _put_manifest(self, request: web.Request) -> web.Response:
        """PUT the whole manifest: 202 and a Location to track."""
        skill = self._skill(request)
        body = await request.json()
        problems = self._check_manifest(body.get("manifest") or {})
        if problems:
            return error(400, "Skill manifest is not valid.", problems)
        skill.manifest = body["manifest"]
        skill.manifest_status = {"status": IN_PROGRESS}
        skill.polls_left["manifest"] = self.build_polls
        return web.Response(
            status=202,
            headers={"Location": f"/v1/skills/{skill.skill_id}/status?resource=manifest"},
        )

    async def _put_model(self, request: web.Request) -> web.Response:
        """PUT an interaction model for a locale: 202, and a build starts."""
        skill = self._skill(request)
        locale = request.match_info["locale"]
        locales = skill.manifest.get("publishingInformation", {}).get("locales", {})
        if locale not in locales:
            return error(404, f"The specified locale {locale} does not exist.")
        body = await request.json()
        language = (body.get("interactionModel") or {}).get("languageModel") or {}
        if not language.get("invocationName") or not language.get("intents"):
            return error(400, "Interaction model is not valid.", ["languageModel is incomplete"])
        skill.models[locale] = body
        errors = self.build_errors.get(locale)
        skill.builds[locale] = {
            "status": IN_PROGRESS,
            "final": "FAILED" if errors else "SUCCEEDED",
            "errors": [{"code": "INVALID_INTERACTION_MODEL", "message": m} for m in errors or []],
        }
        skill.polls_left[locale] = self.build_polls
        return web.Response(
            status=202,
            headers={"Location": f"/v1/skills/{skill.skill_id}/status?resource=interactionModel"},
        )

    async def _status(self, request: web.Request) -> web.Response:
        """GET /v1/skills/{id}/status?resource=manifest|interactionModel."""
        skill = self._skill(request)
        resource = request.query.get("resource")
        body: dict[str, Any] = {}
        if resource in (None, "manifest"):
            if skill.manifest_status["status"] == IN_PROGRESS:
                skill.polls_left["manifest"] -= 1
                if skill.polls_left["manifest"] < 0:
                    skill.manifest_status = {"status": "SUCCEEDED"}
            body["manifest"] = {"lastUpdateRequest": dict(skill.manifest_status), "eTag": "m1"}
        if resource in (None, "interactionModel"):
            models = {}
            for locale, build in skill.builds.items():
                if build["status"] == IN_PROGRESS:
                    skill.polls_left[locale] -= 1
                    if skill.polls_left[locale] < 0:
                        build["status"] = build["final"]
                last: dict[str, Any] = {"status": build["status"]}
                if build["status"] == "FAILED":
                    last["errors"] = build["errors"]
                models[locale] = {"lastUpdateRequest": last, "eTag": "i1", "version": "1"}
            body["interactionModel"] = models
        return web.json_response(body)

    async def _get_enablement(self, request: web.Request) -> web.Response:
        """GET enablement: 204 when enabled, 404 when not."""
        skill = self._skill(request)
        if not skill.enabled:
            return error(404, "Enablement resource not found.")
        return web.Response(status=204)

    async def _put_enablement(self, request: web.Request) -> web.Response:
        """PUT enablement: 204."""
        self._skill(request).enabled = True
        return web.Response(status=204)

    async def _put_ssl(self, request: web.Request) -> web.Response:
        """PUT /v1/skills/{id}/sslCertificateSets/~latest: 204."""
        skill = self._skill(request)
        skill.ssl_certificate = (await request.json()).get("sslCertificate")
        return web.Response(status=204)

    # Simulations --------------------------------------------------------------

    async def _simulate(self, request: web.Request) -> web.Response:
        """POST /v2/.../simulations: start one (409 while another runs)."""
        skill = self._skill(request)
        if self.simulation_busy:
            return error(409, "A simulation is already in progress for this customer.")
        body = await request.json()
        content = str((body.get("input") or {}).get("content") or "")
        locale = str((body.get("device") or {}).get("locale") or "")
        if not content or locale not in skill.models:
            return error(400, "Invalid request.", ["input.content and a built locale are required"])
        simulation_id = str(uuid.uuid4())
        self.simulations[simulation_id] = {"id": simulation_id, "status": IN_PROGRESS}
        self.simulation_busy = True
        task = asyncio.get_running_loop().create_task(
            self._run_simulation(skill, simulation_id, content, locale)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"id": simulation_id, "status": IN_PROGRESS, "result": None})

    async def _get_simulation(self, request: web.Request) -> web.Response:
        """GET /v2/.../simulations/{simulationId}."""
        self._skill(request)
        simulation = self.simulations.get(request.match_info["simulation_id"])
        if simulation is None:
            return error(404, "The specified simulation does not exist.")
        return web.json_response(simulation)

    def _envelope(self, skill: FakeSkill, content: str, locale: str) -> dict[str, Any]:
        """Turn the utterance into the request Alexa would send the endpoint."""
        model = skill.models[locale]["interactionModel"]["languageModel"]
        name = model["invocationName"]
        if content.strip().lower() == name:
            return alexa.launch(skill_id=skill.skill_id, locale=locale)
        return alexa.intent("PlayAudio", skill_id=skill.skill_id, locale=locale)

    async def _run_simulation(
        self, skill: FakeSkill, simulation_id: str, content: str, locale: str
    ) -> None:
        """Call the skill endpoint, signed like Alexa's cloud, and record Alexa's reply."""
        endpoint = skill.manifest["apis"]["custom"]["endpoint"]["uri"]
        envelope = self._envelope(skill, content, locale)
        raw, headers = alexa.sign(envelope, self.leaf, self.cert_url)
        assert self._session is not None
        try:
            async with self._session.post(endpoint, data=raw, headers=headers) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as err:
            status, text = 0, str(err)
        finally:
            self.simulation_busy = False
        if status != 200:
            self.simulations[simulation_id] = {
                "id": simulation_id,
                "status": "FAILED",
                "result": {
                    "error": {
                        "message": f"Skill endpoint {endpoint} answered HTTP {status}: {text[:200]}"
                    }
                },
            }
            return
        answer = json.loads(text)
        speech = (answer.get("response") or {}).get("outputSpeech") or {}
        caption = speech.get("text") or ""
        self.simulations[simulation_id] = {
            "id": simulation_id,
            "status": "SUCCESSFUL",
            "result": {
                "alexaExecutionInfo": {
                    "alexaResponses": [{"type": "Speech", "content": {"caption": caption}}],
                    "consideredIntents": [],
                },
                "skillExecutionInfo": {
                    "invocations": [
                        {
                            "invocationRequest": {"endpoint": endpoint, "body": envelope},
                            "invocationResponse": {"body": answer},
                            "metrics": {"skillExecutionTimeInMilliseconds": 12},
                        }
                    ]
                },
            },
        }

    # Server -------------------------------------------------------------------

    async def start(self, tmp_dir: Path) -> None:
        """Listen with TLS on a free loopback port."""
        context = server_context(self.pki, self._tls, tmp_dir, "smapi")
        self._session = trusting_session(self.pki, self.mapping)
        app = web.Application(middlewares=[self._middleware])
        skill = "/v1/skills/{skill_id}"
        dev = f"{skill}/stages/development"
        app.add_routes(
            [
                web.post("/auth/o2/token", self._token),
                web.post("/auth/O2/token", self._token),
                web.get("/v1/vendors", self._vendors),
                web.get("/v1/skills", self._list_skills),
                web.post("/v1/skills", self._create_skill),
                web.get(f"{dev}/manifest", self._get_manifest),
                web.put(f"{dev}/manifest", self._put_manifest),
                web.put(f"{dev}/interactionModel/locales/{{locale}}", self._put_model),
                web.get(f"{skill}/status", self._status),
                web.get(f"{dev}/enablement", self._get_enablement),
                web.put(f"{dev}/enablement", self._put_enablement),
                web.put(f"{skill}/sslCertificateSets/~latest", self._put_ssl),
                web.post("/v2/skills/{skill_id}/stages/development/simulations", self._simulate),
                web.get(
                    "/v2/skills/{skill_id}/stages/development/simulations/{simulation_id}",
                    self._get_simulation,
                ),
            ]
        )
        self._runner, self.port = await serve(app, context)

    async def close(self) -> None:
        """Stop serving and finish running simulations."""
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
