"""Check that the skill endpoint refuses every request Alexa did not sign, and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
import datetime as dt
import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any

import pytest

from alexa_bridge.alexa.certificates import (
    FAILURE_TTL,
    NEW_URL_BUDGET,
    NEW_URL_WINDOW,
    TRANSIENT_FAILURE_TTL,
    CertificateChains,
)
from alexa_bridge.const import MAX_SKILL_BODY, PlayerActivity
from alexa_bridge.exceptions import VerificationError

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.cert_host import FakeCertHost
from ..fakes.pki import ALEXA_SAN, Issued, make_ca, make_leaf
from ..harness import RunningBridge

if TYPE_CHECKING:
    from ..fakes.pki import TestPKI

CHAIN_NAME = "echo-api-cert-12.pem"
KITCHEN = "amzn1.ask.device.KITCHEN"
NEW_DEVICE = "amzn1.ask.device.NEWCOMER"
PLAYED_OFFSET = 5_000
FORGED_OFFSET = 77_000


@dataclass
class Ctx:
    """What a forgery may use: the test PKI, the certificate host and the genuine chain."""

    pki: TestPKI
    cert_host: FakeCertHost
    leaf: Issued
    cert_url: str

    def sign(
        self, body: dict[str, Any] | bytes, leaf: Issued | None = None, cert_url: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Sign a body as Alexa would, with the genuine chain unless told otherwise."""
        return alexa.sign(body, leaf or self.leaf, cert_url or self.cert_url)

    def publish(self, name: str, leaf: Issued) -> str:
        """Serve a leaf with the trusted intermediate; return its certificate URL."""
        return self.cert_host.publish_leaf(name, leaf)


Forge = Callable[[Ctx, dict[str, Any]], tuple[bytes, dict[str, str]]]


@dataclass
class Scene:
    """A bridge with one paired, paused player and one push waiting for its Echo."""

    bridge: RunningBridge
    ctx: Ctx
    kitchen_token: str

    def attacks(self) -> list[dict[str, Any]]:
        """Return requests that change state when accepted: pair a new Echo, and pause."""
        return [
            alexa.launch(device_id=NEW_DEVICE),
            alexa.intent(
                "AMAZON.PauseIntent",
                device_id=KITCHEN,
                player=alexa.player_context(self.kitchen_token, FORGED_OFFSET),
            ),
        ]


def snapshot(bridge: RunningBridge) -> dict[str, Any]:
    """Return everything an accepted request could change: slot state and pairings."""
    slots = bridge.core.slots
    return {
        "slots": {
            key: (slot.audio_token, slot.activity, slot.offset_ms, slot.answered_by)
            for key, slot in slots.slots.items()
        },
        "devices": dict(slots.devices),
    }


def timestamp_at(offset_s: float, *, at_least: bool) -> str:
    """Return a whole-second timestamp about `offset_s` from now, rounded past or short of it."""
    moment = time.time() + offset_s
    whole = math.ceil(moment) if (offset_s > 0) == at_least else math.floor(moment)
    return dt.datetime.fromtimestamp(whole, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the reasons the skill endpoint logged for refused requests."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "alexa_bridge.api.alexa" and "Refused" in record.getMessage()
    ]


@pytest.fixture(name="scene")
async def scene_fixture(bridge: RunningBridge, pki: TestPKI, cert_host: FakeCertHost) -> Scene:
    """Pair the kitchen Echo with its player, pause it, and leave a second push pending."""
    assert (await bridge.push({"streamUrl": "http://ma:8097/k.mp3", "playerId": "Kitchen"}))[
        0
    ] == 200
    status, answer = await bridge.skill(alexa.launch(device_id=KITCHEN))
    assert status == 200, answer
    token = answer["response"]["directives"][0]["audioItem"]["stream"]["token"]
    stopped = alexa.audio_event("PlaybackStopped", token, PLAYED_OFFSET, device_id=KITCHEN)
    assert (await bridge.skill(stopped))[0] == 200
    assert (await bridge.push({"streamUrl": "http://ma:8097/l.mp3", "playerId": "Living"}))[
        0
    ] == 200
    return Scene(bridge, Ctx(pki, cert_host, bridge.leaf, bridge.cert_url), token)


# ---- forgeries -------------------------------------------------------------------------


def _without(*names: str) -> Forge:
    """Sign correctly, then drop headers."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Send the body without the named headers."""
        raw, headers = ctx.sign(body)
        return raw, {k: v for k, v in headers.items() if k not in names}

    return forge


def _blank_signature(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Send an empty Signature-256 header."""
    raw, headers = ctx.sign(body)
    return raw, {**headers, "Signature-256": ""}


def _cert_url(url: str) -> Forge:
    """Sign correctly but name another certificate URL (the genuine chain is served there)."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Point SignatureCertChainUrl at `url`."""
        return ctx.sign(body, cert_url=url.format(name=CHAIN_NAME))

    return forge


def _leaf(name: str, make: Callable[[TestPKI], Issued], *, bare: bool = False) -> Forge:
    """Sign with a leaf the test PKI makes, served at its own URL (alone when `bare`)."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Publish the leaf and sign with it."""
        leaf = make(ctx.pki)
        url = ctx.cert_host.publish(name, leaf.pem) if bare else ctx.publish(name, leaf)
        return ctx.sign(body, leaf=leaf, cert_url=url)

    return forge


def _now_plus(days: float) -> dt.datetime:
    """Return now shifted by some days."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def _untrusted(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a leaf whose chain ends at a root nobody trusts."""
    leaf = make_leaf(ctx.pki.untrusted_intermediate, [ALEXA_SAN], key=ctx.pki.shared_key)
    url = ctx.cert_host.publish_leaf("impostor.pem", leaf, untrusted=True)
    return ctx.sign(body, leaf=leaf, cert_url=url)


def _issued_by_leaf(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a certificate issued by a trusted non-CA leaf (someone's own web cert)."""
    own_site = make_leaf(ctx.pki.intermediate, ["attacker.example.com"], key=ctx.pki.shared_key)
    forged = make_leaf(own_site, [ALEXA_SAN], key=ctx.pki.shared_key)
    pem = forged.pem + own_site.pem + ctx.pki.intermediate.pem
    return ctx.sign(body, leaf=forged, cert_url=ctx.cert_host.publish("leaf-as-ca.pem", pem))


def _not_found(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Name a certificate URL the host answers 404 for."""
    return ctx.sign(body, cert_url="https://s3.amazonaws.com/echo.api/missing.pem")


def _garbage_pem(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Serve something that holds no certificate."""
    pem = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    return ctx.sign(body, cert_url=ctx.cert_host.publish("garbage.pem", pem))


def _other_key(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a key that is not the genuine certificate's, naming the genuine chain."""
    raw, headers = ctx.sign(body)
    impostor = make_leaf(ctx.pki.untrusted_intermediate, [ALEXA_SAN])
    return raw, {**headers, "Signature-256": impostor.sign(raw)}


def _other_body(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Send a genuine signature of a different request."""
    _, headers = ctx.sign(alexa.intent("AMAZON.HelpIntent"))
    return json.dumps(body).encode(), headers


def _modified(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign, then change the body the way a proxy that reformats JSON would."""
    raw, headers = ctx.sign(body)
    return json.dumps(json.loads(raw), indent=1).encode(), headers


def _not_base64(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Send a Signature-256 that is not base64."""
    raw, headers = ctx.sign(body)
    return raw, {**headers, "Signature-256": "not*base64!"}


def _edit(change: Callable[[dict[str, Any]], None]) -> Forge:
    """Change the request, then sign it correctly."""

    def forge(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Apply the change and sign."""
        change(body)
        return ctx.sign(body)

    return forge


def _set_timestamp(offset_s: float) -> Callable[[dict[str, Any]], None]:
    """Move the request timestamp at least `offset_s` away from now."""

    def change(body: dict[str, Any]) -> None:
        """Rewrite request.timestamp."""
        body["request"]["timestamp"] = timestamp_at(offset_s, at_least=True)

    return change


def _drop_timestamp(body: dict[str, Any]) -> None:
    """Remove request.timestamp."""
    del body["request"]["timestamp"]


def _other_skill(body: dict[str, Any]) -> None:
    """Address the request to another skill in context and session."""
    other = "amzn1.ask.skill.99999999-0000-0000-0000-000000000000"
    body["context"]["System"]["application"]["applicationId"] = other
    body.get("session", {}).get("application", {})["applicationId"] = other


def _other_skill_in_context(body: dict[str, Any]) -> None:
    """Keep this skill's id in the session only; context names another skill."""
    other = "amzn1.ask.skill.99999999-0000-0000-0000-000000000000"
    body["context"]["System"]["application"]["applicationId"] = other
    body["session"] = {"application": {"applicationId": alexa.TEST_SKILL_ID}}


def _raw(data: bytes) -> Forge:
    """Sign and send bytes instead of the request."""

    def forge(ctx: Ctx, _body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Sign the given bytes correctly."""
        return ctx.sign(data)

    return forge


HEADERS_MISSING = "signature headers are missing"
URL_PATH = "path does not start with /echo.api/"
CHAIN_REJECTED = "certificate chain rejected"
LEAF_DATES = "expired or not yet valid"
BAD_SIGNATURE = "signature does not match the body"
STALE = "timestamp is"

FORGERIES = [
    pytest.param(_without("SignatureCertChainUrl"), HEADERS_MISSING, id="no-cert-url-header"),
    pytest.param(_without("Signature-256"), HEADERS_MISSING, id="no-signature-header"),
    pytest.param(
        _without("SignatureCertChainUrl", "Signature-256"), HEADERS_MISSING, id="no-headers"
    ),
    pytest.param(_blank_signature, HEADERS_MISSING, id="empty-signature-header"),
    pytest.param(_cert_url("http://s3.amazonaws.com/echo.api/{name}"), "not https", id="url-http"),
    pytest.param(
        _cert_url("https://s3.amazonaws.com/EcHo.aPi/{name}"), URL_PATH, id="url-path-case"
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com/invalid.path/{name}"), URL_PATH, id="url-path-other"
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com:563/echo.api/{name}"), "port", id="url-port-563"
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com:99999/echo.api/{name}"),
        "malformed",
        id="url-port-invalid",
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com/echo.api/../x/{name}"), URL_PATH, id="url-dot-dot"
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com/echo.api/%2e%2e/x/{name}"),
        URL_PATH,
        id="url-encoded-dot-dot",
    ),
    pytest.param(
        _cert_url("https://certs.example.com/echo.api/{name}"), "host", id="url-other-host"
    ),
    pytest.param(
        _cert_url("https://s3.amazonaws.com.evil.com/echo.api/{name}"),
        "host",
        id="url-host-suffix",
    ),
    pytest.param(
        _cert_url("https://user:secret@s3.amazonaws.com/echo.api/{name}"),
        "credentials",
        id="url-credentials",
    ),
    pytest.param(
        _leaf(
            "expired.pem",
            lambda pki: pki.alexa_leaf(
                not_before=_now_plus(-30), not_after=_now_plus(-1), key=pki.shared_key
            ),
        ),
        LEAF_DATES,
        id="leaf-expired",
    ),
    pytest.param(
        _leaf(
            "future.pem",
            lambda pki: pki.alexa_leaf(
                not_before=_now_plus(1), not_after=_now_plus(30), key=pki.shared_key
            ),
        ),
        LEAF_DATES,
        id="leaf-not-yet-valid",
    ),
    pytest.param(
        _leaf("wrong-san.pem", lambda pki: pki.server_leaf(["echo-api.example.com"])),
        CHAIN_REJECTED,
        id="leaf-wrong-san",
    ),
    pytest.param(_untrusted, CHAIN_REJECTED, id="chain-untrusted-root"),
    pytest.param(
        _leaf("bare.pem", lambda pki: pki.alexa, bare=True),
        CHAIN_REJECTED,
        id="chain-without-intermediate",
    ),
    pytest.param(_issued_by_leaf, CHAIN_REJECTED, id="chain-issued-by-non-ca"),
    pytest.param(_not_found, "answered 404", id="chain-404"),
    pytest.param(_garbage_pem, "holds no certificate", id="chain-garbage-pem"),
    pytest.param(_other_key, BAD_SIGNATURE, id="signature-other-key"),
    pytest.param(_other_body, BAD_SIGNATURE, id="signature-of-other-body"),
    pytest.param(_modified, BAD_SIGNATURE, id="body-modified-after-signing"),
    pytest.param(_not_base64, "not base64", id="signature-not-base64"),
    pytest.param(_edit(_set_timestamp(-151)), STALE, id="timestamp-151s-old"),
    pytest.param(_edit(_set_timestamp(151)), STALE, id="timestamp-151s-ahead"),
    pytest.param(_edit(_drop_timestamp), "timestamp is missing", id="timestamp-missing"),
    pytest.param(_edit(_other_skill), "another skill id", id="skill-id-wrong"),
    pytest.param(_edit(_other_skill_in_context), "another skill id", id="skill-id-only-in-session"),
    pytest.param(_raw(b'{"version": "1.0", "request": {'), "not valid JSON", id="json-malformed"),
    pytest.param(_raw(b"[1, 2, 3]"), "not a JSON object", id="json-not-object"),
]


async def test_genuine_attacks_change_state(scene: Scene) -> None:
    """Prove the attack requests matter: genuinely signed, they pair an Echo and pause."""
    before = snapshot(scene.bridge)
    for body in scene.attacks():
        status, answer = await scene.bridge.skill(body)
        assert status == 200, answer
    after = snapshot(scene.bridge)
    assert after["devices"] == {**before["devices"], NEW_DEVICE: "Living"}
    kitchen = scene.bridge.core.slots.slots["Kitchen"]
    assert (kitchen.activity, kitchen.offset_ms) == (PlayerActivity.STOPPED, FORGED_OFFSET)
    assert after["slots"]["Living"][0] is not None


@pytest.mark.parametrize(("forge", "reason"), FORGERIES)
async def test_forged_request_is_refused(
    scene: Scene, forge: Forge, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Answer 400, run no handler, change nothing, and log why."""
    caplog.set_level(logging.WARNING, logger="alexa_bridge")
    before = snapshot(scene.bridge)
    for body in scene.attacks():
        raw, headers = forge(scene.ctx, body)
        status, answer = await scene.bridge.skill(raw, headers=headers)
        assert status == 400, answer
        assert "response" not in answer
    assert snapshot(scene.bridge) == before
    logged = refusals(caplog)
    assert len(logged) == 2
    assert all(reason in line for line in logged), logged


# ---- accepted forms --------------------------------------------------------------------


def _direct_from_root(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign with a leaf the trusted root issued itself (no intermediate needed)."""
    leaf = make_leaf(ctx.pki.root, [ALEXA_SAN], key=ctx.pki.shared_key)
    return ctx.sign(body, leaf=leaf, cert_url=ctx.cert_host.publish("direct.pem", leaf.pem))


def _lowercase_headers(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Send the signature headers with lower-case names."""
    raw, headers = ctx.sign(body)
    return raw, {name.lower(): value for name, value in headers.items()}


def _pretty_json(ctx: Ctx, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Sign an indented, unusually ordered body (the signature covers the raw bytes)."""
    return ctx.sign(json.dumps(body, indent=3, sort_keys=True).encode())


def _set_timestamp_within(offset_s: float) -> Callable[[dict[str, Any]], None]:
    """Move the request timestamp at most `offset_s` away from now."""

    def change(body: dict[str, Any]) -> None:
        """Rewrite request.timestamp."""
        body["request"]["timestamp"] = timestamp_at(offset_s, at_least=False)

    return change


ACCEPTED = [
    pytest.param(_cert_url("HTTPS://s3.amazonaws.com/echo.api/{name}"), id="url-scheme-case"),
    pytest.param(_cert_url("https://S3.AMAZONAWS.COM/echo.api/{name}"), id="url-host-case"),
    pytest.param(_cert_url("https://s3.amazonaws.com:443/echo.api/{name}"), id="url-port-443"),
    pytest.param(
        _cert_url("https://s3.amazonaws.com/echo.api/../echo.api/{name}"), id="url-dot-dot-back"
    ),
    pytest.param(_lowercase_headers, id="headers-lower-case"),
    pytest.param(_pretty_json, id="body-formatted"),
    pytest.param(_direct_from_root, id="leaf-issued-by-root"),
    pytest.param(_edit(_set_timestamp_within(-149)), id="timestamp-149s-old"),
    pytest.param(_edit(_set_timestamp_within(149)), id="timestamp-149s-ahead"),
]


@pytest.mark.parametrize("forge", ACCEPTED)
async def test_genuine_variant_is_accepted(scene: Scene, forge: Forge) -> None:
    """Accept what Amazon's rules allow and answer the LaunchRequest with Play."""
    raw, headers = forge(scene.ctx, alexa.launch(device_id=NEW_DEVICE))
    status, answer = await scene.bridge.skill(raw, headers=headers)
    assert status == 200, answer
    assert answer["response"]["directives"][0]["type"] == "AudioPlayer.Play"
    assert scene.bridge.core.slots.devices[NEW_DEVICE] == "Living"


# ---- skill id and body size -------------------------------------------------------------


async def test_no_skill_id_refuses_and_says_how_to_fix(
    bridge_factory: BridgeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Refuse every request while no skill id is known, and log how to provide one."""
    caplog.set_level(logging.WARNING, logger="alexa_bridge")
    bridge = await bridge_factory(skill_id=None)
    await bridge.push({"streamUrl": "http://ma:8097/a.mp3"})
    status, answer = await bridge.skill(alexa.launch())
    assert status == 400, answer
    assert bridge.core.slots.slots[""].audio_token is None
    (line,) = refusals(caplog)
    assert "no skill id" in line
    assert "skill_id option" in line
    assert "panel" in line
    await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    status, answer = await bridge.skill(alexa.launch())
    assert status == 200, answer


def _padded_launch(size: int) -> bytes:
    """Return a LaunchRequest padded to exactly `size` bytes."""
    body = alexa.launch(device_id=NEW_DEVICE)
    body["padding"] = ""
    base = len(json.dumps(body).encode())
    body["padding"] = "x" * (size - base)
    raw = json.dumps(body).encode()
    assert len(raw) == size
    return raw


async def test_body_at_the_limit_is_accepted(scene: Scene) -> None:
    """Accept a signed body of exactly 128 KiB."""
    status, answer = await scene.bridge.skill(_padded_launch(MAX_SKILL_BODY))
    assert status == 200, answer
    assert answer["response"]["directives"][0]["type"] == "AudioPlayer.Play"


async def test_body_over_the_limit_is_413(scene: Scene) -> None:
    """Answer 413 to a signed body over 128 KiB and change nothing."""
    before = snapshot(scene.bridge)
    status, answer = await scene.bridge.skill(_padded_launch(MAX_SKILL_BODY + 1))
    assert status == 413, answer
    assert snapshot(scene.bridge) == before


async def test_chunked_body_over_the_limit_is_413(scene: Scene) -> None:
    """Answer 413 to an oversized body sent without Content-Length."""
    before = snapshot(scene.bridge)
    raw, headers = scene.ctx.sign(_padded_launch(MAX_SKILL_BODY + 1))

    async def chunks() -> AsyncIterator[bytes]:
        """Yield the body in pieces so aiohttp sends it chunked."""
        for start in range(0, len(raw), 16 * 1024):
            yield raw[start : start + 16 * 1024]

    url = f"{scene.bridge.public}/alexa/skill"
    async with scene.bridge.client.post(url, data=chunks(), headers=headers) as resp:
        assert resp.status == 413
    assert snapshot(scene.bridge) == before


# ---- the certificate cache ---------------------------------------------------------------


async def test_chain_is_fetched_once_for_many_requests(scene: Scene) -> None:
    """Download the signing chain once, however many requests it signs."""
    for _ in range(10):
        status, _answer = await scene.bridge.skill(alexa.intent("AMAZON.HelpIntent"))
        assert status == 200
    assert scene.ctx.cert_host.fetches[CHAIN_NAME] == 1


async def test_concurrent_first_requests_share_one_download(
    bridge: RunningBridge, cert_host: FakeCertHost
) -> None:
    """Let requests arriving while the chain downloads wait for that one download."""
    cert_host.delay = 0.3
    results = await asyncio.gather(
        *(bridge.skill(alexa.intent("AMAZON.HelpIntent")) for _ in range(8))
    )
    assert [status for status, _ in results] == [200] * 8
    assert cert_host.fetches[CHAIN_NAME] == 1


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at the real now."""
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        """Return the current test time."""
        return self.now


@pytest.fixture(name="chains")
async def chains_fixture(
    pki: TestPKI, cert_host: FakeCertHost
) -> AsyncIterator[tuple[CertificateChains, Clock]]:
    """Return a chain cache that trusts the test root, on a hand-moved clock."""
    clock = Clock()
    async with cert_host.client_session() as session:
        yield CertificateChains(session, [pki.root.cert], clock), clock


async def test_concurrent_lookups_share_one_download(
    chains: tuple[CertificateChains, Clock], pki: TestPKI, cert_host: FakeCertHost
) -> None:
    """Start twenty lookups of an unseen URL in one go; the host sees one download."""
    cache, _ = chains
    leaf = pki.alexa_leaf()
    url = cert_host.publish_leaf("shared.pem", leaf)
    keys = await asyncio.gather(*(cache.signing_key(url) for _ in range(20)))
    assert cert_host.fetches["shared.pem"] == 1
    assert {key.public_numbers() for key in keys} == {leaf.key.public_key().public_numbers()}


async def test_cache_expires_with_the_intermediate(
    chains: tuple[CertificateChains, Clock], pki: TestPKI, cert_host: FakeCertHost
) -> None:
    """Keep a chain until its earliest expiry (here the intermediate's), then re-check it."""
    cache, clock = chains
    short = make_ca("Short Intermediate", pki.root, path_length=0, not_after=_now_plus(2))
    leaf = make_leaf(short, [ALEXA_SAN])
    url = cert_host.publish("short.pem", leaf.pem + short.pem)
    normal = cert_host.publish_leaf("normal.pem", pki.alexa_leaf())
    await cache.signing_key(url)
    await cache.signing_key(normal)
    clock.now += dt.timedelta(days=1)
    await cache.signing_key(url)
    assert cert_host.fetches["short.pem"] == 1
    clock.now += dt.timedelta(days=2)
    with pytest.raises(VerificationError, match="chain rejected"):
        await cache.signing_key(url)
    assert cert_host.fetches["short.pem"] == 2
    await cache.signing_key(normal)
    assert cert_host.fetches["normal.pem"] == 1


async def test_refused_chain_is_retried_after_a_while(
    chains: tuple[CertificateChains, Clock], pki: TestPKI, cert_host: FakeCertHost
) -> None:
    """Remember a failed download briefly, then fetch again once it may have been fixed."""
    cache, clock = chains
    url = "https://s3.amazonaws.com/echo.api/late.pem"
    with pytest.raises(VerificationError, match="404"):
        await cache.signing_key(url)
    cert_host.publish_leaf("late.pem", pki.alexa_leaf())
    with pytest.raises(VerificationError, match="404"):
        await cache.signing_key(url)
    assert cert_host.fetches["late.pem"] == 1
    clock.now += FAILURE_TTL + dt.timedelta(seconds=1)
    await cache.signing_key(url)
    assert cert_host.fetches["late.pem"] == 2


async def test_outage_is_retried_within_seconds(
    chains: tuple[CertificateChains, Clock], pki: TestPKI, cert_host: FakeCertHost
) -> None:
    """A 5xx from the certificate host is a passing outage: retry after seconds, not a minute."""
    cache, clock = chains
    url = cert_host.publish_leaf("flaky.pem", pki.alexa_leaf())
    cert_host.errors["flaky.pem"] = [503]
    with pytest.raises(VerificationError, match="503"):
        await cache.signing_key(url)
    clock.now += TRANSIENT_FAILURE_TTL + dt.timedelta(seconds=1)
    assert clock.now - dt.datetime.now(dt.UTC) < FAILURE_TTL
    await cache.signing_key(url)
    assert cert_host.fetches["flaky.pem"] == 2


async def test_unknown_urls_cannot_flood_or_evict(
    chains: tuple[CertificateChains, Clock], pki: TestPKI, cert_host: FakeCertHost
) -> None:
    """Many unknown chain URLs are downloaded at most a few a minute; Amazon's chain stays."""
    cache, clock = chains
    good = cert_host.publish_leaf("good.pem", pki.alexa_leaf())
    await cache.signing_key(good)
    refused = 0
    for index in range(40):
        try:
            await cache.signing_key(f"https://s3.amazonaws.com/echo.api/junk-{index}.pem")
        except VerificationError as err:
            refused += "too many" in str(err)
    junk_fetches = sum(n for name, n in cert_host.fetches.items() if name.startswith("junk-"))
    assert junk_fetches <= NEW_URL_BUDGET
    assert refused >= 40 - NEW_URL_BUDGET
    await cache.signing_key(good)
    assert cert_host.fetches["good.pem"] == 1
    clock.now += NEW_URL_WINDOW + dt.timedelta(seconds=1)
    with pytest.raises(VerificationError, match="404"):
        await cache.signing_key("https://s3.amazonaws.com/echo.api/junk-after.pem")


async def test_refusal_body_does_not_say_why(bridge: RunningBridge, pki: TestPKI) -> None:
    """The caller learns only that it was refused; the reason stays in the log."""
    body = alexa.launch()
    raw, headers = alexa.sign(body, pki.alexa_leaf(), bridge.cert_url)
    status, answer = await bridge.skill(raw, headers=headers)
    assert status == 400
    assert answer == {"error": "request refused"}
