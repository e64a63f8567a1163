"""Alexa request envelopes in the shapes of Amazon's documentation, signed for real."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
import uuid

from .pki import Issued

TEST_SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
AUDIO_INTERFACES: dict[str, Any] = {"AudioPlayer": {}}
# An Echo Show: audio plus APL, as supportedInterfaces lists them.
APL_INTERFACES: dict[str, Any] = {
    "AudioPlayer": {},
    "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.3"}},
}
SHOW_VIEWPORT: dict[str, Any] = {
    "experiences": [{"arcMinuteWidth": 221, "arcMinuteHeight": 162, "canRotate": False}],
    "mode": "HUB",
    "shape": "RECTANGLE",
    "pixelWidth": 1280,
    "pixelHeight": 800,
    "dpi": 160,
    "currentPixelWidth": 1280,
    "currentPixelHeight": 800,
    "touch": ["SINGLE"],
    "video": {"codecs": ["H_264_42", "H_264_41"]},
}


def timestamp(offset_s: float = 0.0) -> str:
    """Return an Alexa request timestamp, optionally shifted from now."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict[str, Any],
    *,
    device_id: str = "amzn1.ask.device.KITCHEN",
    skill_id: str = TEST_SKILL_ID,
    interfaces: dict[str, Any] | None = None,
    player: dict[str, Any] | None = None,
    session: bool = False,
    locale: str = "en-US",
    age_s: float = 0.0,
) -> dict[str, Any]:
    """Wrap a request object in a full envelope with context (and a session for voice)."""
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": timestamp(-age_s),
        "locale": locale,
        **request,
    }
    system = {
        "application": {"applicationId": skill_id},
        "user": {"userId": "amzn1.ask.account.SECRETUSER"},
        "device": {
            "deviceId": device_id,
            "supportedInterfaces": AUDIO_INTERFACES if interfaces is None else interfaces,
        },
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "SECRET-ACCESS-TOKEN",
    }
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {"System": system},
        "request": request,
    }
    if player is not None:
        body["context"]["AudioPlayer"] = player
    if session:
        body["session"] = {
            "new": True,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": skill_id},
            "user": {"userId": "amzn1.ask.account.SECRETUSER"},
        }
    return body


def launch(**kwargs: Any) -> dict[str, Any]:
    """Build a LaunchRequest ("Alexa, open music assistant")."""
    return envelope({"type": "LaunchRequest"}, session=True, **kwargs)


def intent(name: str, **kwargs: Any) -> dict[str, Any]:
    """Build an IntentRequest for a custom or built-in intent."""
    return envelope(
        {
            "type": "IntentRequest",
            "intent": {"name": name, "confirmationStatus": "NONE"},
        },
        session=True,
        **kwargs,
    )


def voice(name: str, slots: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Build an IntentRequest whose slots Alexa filled from what the person said."""
    body = intent(name, **kwargs)
    body["request"]["intent"]["slots"] = {
        slot: {"name": slot, "value": value, "confirmationStatus": "NONE", "source": "USER"}
        for slot, value in (slots or {}).items()
    }
    return body


def audio_event(kind: str, token: str, offset_ms: int = 0, **kwargs: Any) -> dict[str, Any]:
    """Build an AudioPlayer.<kind> request (no session, as Alexa sends them)."""
    request: dict[str, Any] = {
        "type": f"AudioPlayer.{kind}",
        "token": token,
        "offsetInMilliseconds": offset_ms,
    }
    if kind == "PlaybackFailed":
        request["error"] = {"type": "MEDIA_ERROR_UNKNOWN", "message": "Test failure"}
        request["currentPlaybackState"] = {
            "token": token,
            "offsetInMilliseconds": offset_ms,
            "playerActivity": "PLAYING",
        }
    return envelope(request, **kwargs)


def controller(kind: str, **kwargs: Any) -> dict[str, Any]:
    """Build a PlaybackController.<kind> request (the Echo's buttons)."""
    return envelope({"type": f"PlaybackController.{kind}"}, **kwargs)


def player_context(token: str, offset_ms: int, activity: str = "PLAYING") -> dict[str, Any]:
    """Build context.AudioPlayer as Alexa reports it."""
    return {
        "token": token,
        "offsetInMilliseconds": offset_ms,
        "playerActivity": activity,
    }


def user_event(
    *arguments: Any,
    token: str,
    handler: str = "Press",
    source_id: str = "next",
    player: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Build the UserEvent a page's SendEvent makes (a button press or a refresh tick)."""
    body = envelope(
        {
            "type": "Alexa.Presentation.APL.UserEvent",
            "token": token,
            "arguments": list(arguments),
            "source": {
                "type": "TouchWrapper" if handler == "Press" else "Container",
                "handler": handler,
                "id": source_id,
            },
            "components": {},
        },
        interfaces=kwargs.pop("interfaces", APL_INTERFACES),
        player=player,
        **kwargs,
    )
    body["context"]["Viewport"] = SHOW_VIEWPORT
    body["context"]["Alexa.Presentation.APL"] = {
        "token": token,
        "version": "APL_WEB_RENDERER_GANDALF",
        "componentsVisibleOnScreen": [],
    }
    return body


def tick(revision: str, *, token: str, **kwargs: Any) -> dict[str, Any]:
    """Build the refresh UserEvent the page's tick handler sends with what it shows."""
    return user_event(
        "refresh", revision, token=token, handler="Tick", source_id="nowPlaying", **kwargs
    )


def sign(body: dict[str, Any] | bytes, leaf: Issued, cert_url: str) -> tuple[bytes, dict[str, str]]:
    """Serialise and sign a body; return the bytes and the headers Alexa sends."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "SignatureCertChainUrl": cert_url,
        "Signature-256": leaf.sign(raw),
        "Content-Type": "application/json; charset=utf-8",
    }
    return raw, headers
