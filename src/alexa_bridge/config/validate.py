"""Voluptuous schemas for options and request bodies, in one place."""

from __future__ import annotations

from collections.abc import Callable
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

SKILL_ID_PREFIX = "amzn1.ask.skill."


def blank_to_none(value: Any) -> Any:
    """Treat an empty option like an unset one (the Supervisor stores "")."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def optional(validator: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Allow None (or a blank string) and keep the validator's own message otherwise."""

    def validate(value: Any) -> Any:
        """Pass None through; validate anything else."""
        value = blank_to_none(value)
        return None if value is None else validator(value)

    return validate


def public_url(value: Any) -> str:
    """Accept only an https origin (optionally with a path) for the public address."""
    if not isinstance(value, str):
        raise vol.Invalid("expected an https:// address")
    parts = urlsplit(value.strip())
    if parts.scheme.lower() != "https":
        raise vol.Invalid("must start with https:// (Alexa only calls HTTPS addresses)")
    if not parts.hostname:
        raise vol.Invalid("has no host name")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise vol.Invalid("must not carry a query, fragment or credentials")
    try:
        _ = parts.port
    except ValueError as err:
        raise vol.Invalid("has an invalid port") from err
    return value.strip().rstrip("/")


def skill_id(value: Any) -> str:
    """Accept an Alexa skill id such as amzn1.ask.skill.<uuid>."""
    if not isinstance(value, str) or not value.startswith(SKILL_ID_PREFIX):
        raise vol.Invalid(f"expected an id starting with {SKILL_ID_PREFIX}")
    rest = value[len(SKILL_ID_PREFIX) :]
    if not rest or not all(ch.isalnum() or ch == "-" for ch in rest):
        raise vol.Invalid("expected letters, digits and dashes after the prefix")
    return value


def https_base_url(value: Any) -> str:
    """Accept an https base URL without a path (another Amazon API endpoint)."""
    if not isinstance(value, str):
        raise vol.Invalid("expected an https:// address")
    parts = urlsplit(value.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise vol.Invalid("expected an https:// address with a host name")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise vol.Invalid("must be a bare https://host[:port] address")
    return value.strip().rstrip("/")


def bind_host(value: Any) -> str:
    """Accept an IP address to bind the Music Assistant API to."""
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError as err:
        raise vol.Invalid("expected an IP address such as 127.0.0.1 or 0.0.0.0") from err


def http_url(value: Any) -> str:
    """Accept an absolute http(s) URL, as Music Assistant pushes them."""
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid("expected a non-empty http(s) URL")
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise vol.Invalid("expected an absolute http:// or https:// URL")
    return value.strip()


PORT = vol.All(vol.Coerce(int), vol.Range(min=0, max=65535, msg="expected a port 0-65535"))
OPTIONAL_STR = optional(vol.All(vol.Any(str, int, msg="expected text"), vol.Coerce(str)))

NULLABLE_STR = vol.Any(None, str)

# POST /ma/push-url: every Music Assistant version's shape (extra keys dropped).
SCHEMA_PUSH = vol.Schema(
    {
        # null or missing: a metadata refresh before anything played (answered, not stored).
        vol.Optional("streamUrl"): vol.Any(None, http_url, msg="streamUrl must be an http(s) URL"),
        vol.Optional("title"): NULLABLE_STR,
        vol.Optional("artist"): NULLABLE_STR,
        vol.Optional("album"): NULLABLE_STR,
        vol.Optional("imageUrl"): vol.Any(None, optional(http_url)),
        vol.Optional("playerId"): NULLABLE_STR,
        vol.Optional("canSkipSpeech"): vol.Any(None, bool),
    },
    extra=vol.REMOVE_EXTRA,
)

# POST /ma/control (newer Music Assistant, while a screen page is live).
SCHEMA_CONTROL = vol.Schema(
    {
        vol.Optional("playerId"): NULLABLE_STR,
        vol.Required("command"): vol.In(["pause", "resume"]),
        vol.Optional("canSkipSpeech"): vol.Any(None, bool),
    },
    extra=vol.REMOVE_EXTRA,
)
