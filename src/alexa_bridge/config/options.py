"""Read, merge and validate the bridge's options (add-on file, then environment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

import voluptuous as vol

from ..const import (
    ENV_PREFIX,
    LOOPBACK_HOSTS,
    OPT_API_PASSWORD,
    OPT_API_USERNAME,
    OPT_CERTFILE,
    OPT_ENABLE_APL,
    OPT_KEYFILE,
    OPT_LOCALE,
    OPT_LOG_LEVEL,
    OPT_LWA_URL,
    OPT_MA_API_HOST,
    OPT_MA_API_PORT,
    OPT_MA_TOKEN,
    OPT_MA_URL,
    OPT_PANEL_PORT,
    OPT_PUBLIC_PORT,
    OPT_PUBLIC_URL,
    OPT_SKILL_ID,
    OPT_SMAPI_URL,
    OPT_SSL,
    SSL_DIR,
)
from ..exceptions import OptionsError
from .validate import SCHEMA_ALL_OPTIONS

SECRET_OPTIONS = frozenset({OPT_API_PASSWORD, OPT_MA_TOKEN})


@dataclass(frozen=True, slots=True)
class Options:
    """Validated options; `None` means "not set"."""

    public_url: str | None
    skill_id: str | None
    api_username: str | None
    api_password: str | None
    ma_api_host: str | None
    ma_api_port: int
    public_port: int
    panel_port: int
    locale: str
    log_level: str
    ma_url: str = "http://localhost:8095"
    ma_token: str | None = None
    enable_apl: bool = False
    ssl: bool = False
    certfile: str = "fullchain.pem"
    keyfile: str = "privkey.pem"
    smapi_url: str | None = None
    lwa_url: str | None = None

    @property
    def cert_paths(self) -> tuple[Path, Path]:
        """Return the TLS certificate and key files (relative names live under /ssl)."""
        return (Path(SSL_DIR) / self.certfile, Path(SSL_DIR) / self.keyfile)

    @property
    def api_auth_enabled(self) -> bool:
        """Return whether Music Assistant must send Basic credentials."""
        return self.api_username is not None and self.api_password is not None

    @property
    def ma_api_hosts(self) -> tuple[str, ...]:
        """Return the addresses the Music Assistant API binds to."""
        return (self.ma_api_host,) if self.ma_api_host else LOOPBACK_HOSTS

    @property
    def ma_api_is_loopback(self) -> bool:
        """Return whether the Music Assistant API is reachable from this host only."""
        return all(host in LOOPBACK_HOSTS for host in self.ma_api_hosts)


def _describe(value: Any, key: str) -> str:
    """Show a value in an error line, never a secret."""
    if key in SECRET_OPTIONS:
        return "(hidden)"
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def validate_options(raw: Mapping[str, Any]) -> Options:
    """Validate raw options, or raise OptionsError naming the key and the rule."""
    try:
        data = SCHEMA_ALL_OPTIONS(dict(raw))
    except vol.MultipleInvalid as err:
        first = err.errors[0]
        key = str(first.path[0]) if first.path else "?"
        value = raw.get(key)
        raise OptionsError(
            f"Invalid option '{key}': {_describe(value, key)} is not accepted, "
            f"{first.error_message}"
        ) from None
    options = Options(
        public_url=data[OPT_PUBLIC_URL],
        skill_id=data[OPT_SKILL_ID],
        api_username=data[OPT_API_USERNAME],
        api_password=data[OPT_API_PASSWORD],
        ma_api_host=data[OPT_MA_API_HOST],
        ma_api_port=data[OPT_MA_API_PORT],
        public_port=data[OPT_PUBLIC_PORT],
        panel_port=data[OPT_PANEL_PORT],
        locale=data[OPT_LOCALE],
        log_level=data[OPT_LOG_LEVEL],
        ma_url=data[OPT_MA_URL],
        ma_token=data[OPT_MA_TOKEN],
        enable_apl=data[OPT_ENABLE_APL],
        ssl=data[OPT_SSL],
        certfile=data[OPT_CERTFILE],
        keyfile=data[OPT_KEYFILE],
        smapi_url=data[OPT_SMAPI_URL],
        lwa_url=data[OPT_LWA_URL],
    )
    if (options.api_username is None) != (options.api_password is None):
        raise OptionsError(
            f"Invalid option '{OPT_API_PASSWORD}': set both '{OPT_API_USERNAME}' "
            f"and '{OPT_API_PASSWORD}', or neither"
        )
    if not options.ma_api_is_loopback and not options.api_auth_enabled:
        raise OptionsError(
            f"Invalid option '{OPT_MA_API_HOST}': {options.ma_api_host!r} exposes the "
            f"Music Assistant API beyond this host; set '{OPT_API_USERNAME}' and "
            f"'{OPT_API_PASSWORD}' first"
        )
    return options


def read_options_file(path: Path) -> dict[str, Any]:
    """Read an options JSON file; a missing file means no options."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise OptionsError(f"Cannot read options file {path.name}: {err.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise OptionsError(
            f"Options file {path.name} is not valid JSON (line {err.lineno}): {err.msg}"
        ) from None
    if not isinstance(data, dict):
        raise OptionsError(f"Options file {path.name} must hold a JSON object")
    return data


def options_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """Collect ALEXA_BRIDGE_<NAME> variables for the known option names."""
    names = [str(key.schema) for key in SCHEMA_ALL_OPTIONS.schema]
    return {
        name: env[ENV_PREFIX + name.upper()] for name in names if ENV_PREFIX + name.upper() in env
    }


def load_options(path: Path, env: Mapping[str, str], *, use_env: bool = True) -> Options:
    """Merge the options file with environment overrides and validate them."""
    raw = read_options_file(path)
    if use_env:
        raw.update(options_from_env(env))
    return validate_options(raw)
