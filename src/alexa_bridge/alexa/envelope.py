"""The parts of an Alexa request envelope the bridge acts on, parsed strictly."""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from typing import Any

from ..const import PlayerActivity
from ..exceptions import VerificationError

INTERFACE_AUDIO_PLAYER = "AudioPlayer"
INTERFACE_APL = "Alexa.Presentation.APL"
APL_USER_EVENT = "Alexa.Presentation.APL.UserEvent"


def _obj(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """Return a nested object, or an empty one when absent."""
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise VerificationError(f"'{key}' is not an object")
    return value


def _opt_str(parent: dict[str, Any], key: str) -> str | None:
    """Return an optional string field."""
    value = parent.get(key)
    if value is None or isinstance(value, str):
        return value
    raise VerificationError(f"'{key}' is not a string")


def _opt_int(parent: dict[str, Any], key: str) -> int | None:
    """Return an optional non-negative integer field."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VerificationError(f"'{key}' is not a non-negative integer")
    return value


def _opt_list(parent: dict[str, Any], key: str) -> tuple[Any, ...]:
    """Return an optional array field as a tuple (empty when absent)."""
    value = parent.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise VerificationError(f"'{key}' is not an array")
    return tuple(value)


def parse_timestamp(value: str | None) -> dt.datetime:
    """Parse Alexa's ISO 8601 request timestamp (always UTC, 'Z' suffix)."""
    if not value:
        raise VerificationError("request.timestamp is missing")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise VerificationError("request.timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise VerificationError("request.timestamp has no timezone")
    return parsed


@dataclass(frozen=True, slots=True)
class AlexaRequest:
    """One verified request from Alexa."""

    type: str
    request_id: str
    timestamp: dt.datetime
    locale: str | None
    application_id: str | None
    device_id: str | None
    interfaces: frozenset[str]
    intent: str | None
    token: str | None
    offset_ms: int | None
    player_token: str | None
    player_offset_ms: int | None
    player_activity: PlayerActivity | None
    error_type: str | None
    error_message: str | None
    arguments: tuple[Any, ...] = ()
    apl_token: str | None = None
    apl_errors: tuple[str, ...] = ()
    slots: dict[str, str] = field(default_factory=dict)

    @property
    def supports_apl(self) -> bool:
        """Return whether the device shows APL documents (Echo Show and other screens)."""
        return INTERFACE_APL in self.interfaces

    @property
    def event_name(self) -> str | None:
        """Return what a page's SendEvent asked for (the first argument), if a string."""
        first = self.arguments[0] if self.arguments else None
        return first if isinstance(first, str) else None

    @property
    def supports_audio(self) -> bool:
        """Return whether the device can play streams (AudioPlayer interface)."""
        return INTERFACE_AUDIO_PLAYER in self.interfaces

    @property
    def known_offset_ms(self) -> int | None:
        """Return the offset Alexa reported, from the request or its context."""
        return self.offset_ms if self.offset_ms is not None else self.player_offset_ms

    @property
    def known_token(self) -> str | None:
        """Return the AudioPlayer token this request is about."""
        return self.token or self.player_token


def _slot_values(intent: dict[str, Any]) -> dict[str, str]:
    """Return the filled slots of an intent by name (what Alexa heard, as text)."""
    values = {}
    for name, slot in _obj(intent, "slots").items():
        if isinstance(slot, dict) and isinstance(slot.get("value"), str) and slot["value"].strip():
            values[str(name)] = slot["value"].strip()
    return values


def parse_envelope(body: Any) -> AlexaRequest:
    """Parse a decoded envelope; raise VerificationError for a malformed one."""
    if not isinstance(body, dict):
        raise VerificationError("body is not a JSON object")
    request = _obj(body, "request")
    context = _obj(body, "context")
    system = _obj(context, "System")
    device = _obj(system, "device")
    player = _obj(context, "AudioPlayer")
    error = _obj(request, "error")
    request_type = _opt_str(request, "type")
    if not request_type:
        raise VerificationError("request.type is missing")
    interfaces = _obj(device, "supportedInterfaces")
    intent = _obj(request, "intent")
    apl_context = _obj(context, INTERFACE_APL)
    # A UserEvent's token names the page, not an AudioPlayer stream.
    is_user_event = request_type == APL_USER_EVENT
    request_token = _opt_str(request, "token")
    errors = _opt_list(request, "errors")
    activity = _opt_str(player, "playerActivity")
    try:
        player_activity = PlayerActivity(activity) if activity else None
    except ValueError:
        raise VerificationError("context.AudioPlayer.playerActivity is unknown") from None
    return AlexaRequest(
        type=request_type,
        request_id=_opt_str(request, "requestId") or "",
        timestamp=parse_timestamp(_opt_str(request, "timestamp")),
        locale=_opt_str(request, "locale"),
        application_id=_opt_str(_obj(system, "application"), "applicationId"),
        device_id=_opt_str(device, "deviceId"),
        interfaces=frozenset(interfaces),
        intent=_opt_str(intent, "name"),
        token=None if is_user_event else request_token,
        offset_ms=_opt_int(request, "offsetInMilliseconds"),
        player_token=_opt_str(player, "token"),
        player_offset_ms=_opt_int(player, "offsetInMilliseconds"),
        player_activity=player_activity,
        error_type=_opt_str(error, "type"),
        error_message=_opt_str(error, "message"),
        arguments=_opt_list(request, "arguments"),
        apl_token=(request_token if is_user_event else None) or _opt_str(apl_context, "token"),
        apl_errors=tuple(
            str(item.get("message") or item.get("type"))
            for item in errors
            if isinstance(item, dict)
        ),
        slots=_slot_values(intent),
    )
