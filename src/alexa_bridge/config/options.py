"""Read, merge and validate the bridge's options (add-on file, then environment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

import voluptuous as vol

from ..const import (
    DEFAULT_CERTFILE,
    DEFAULT_KEYFILE,
    DEFAULT_LOCALE,
    DEFAULT_MA_API_PORT,
    DEFAULT_MA_URL,
    DEFAULT_PANEL_PORT,
    DEFAULT_PUBLIC_PORT,
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
    SKILL_LOCALES,
    SSL_DIR,
    LogLevel,
)
from ..exceptions import OptionsError
from .validate import (
    OPTIONAL_STR,
    PORT,
    bind_host,
    blank_to_none,
    http_url,
    https_base_url,
    optional,
    public_url,
    skill_id,
)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option, declared once: its key, its rule, its default and how it is shown."""

    key: str
    validator: Any
    default: Any = None
    secret: bool = False  # never shown in logs, errors or diagnostics
    hidden: bool = False  # not in the add-on's Configuration tab (testing endpoints)

    @property
    def env_name(self) -> str:
        """Return the environment variable that sets this option standalone."""
        return ENV_PREFIX + self.key.upper()


def _ma_url(value: Any) -> str:
    """Accept MA's websocket API address; blank means the default."""
    value = blank_to_none(value)
    return DEFAULT_MA_URL if value is None else http_url(value)


_LEVELS = [level.value for level in LogLevel]

# Every option the bridge reads, in the order the add-on's Configuration tab shows them.
OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec(OPT_PUBLIC_URL, optional(public_url)),
    OptionSpec(OPT_SKILL_ID, optional(skill_id)),
    OptionSpec(OPT_API_USERNAME, OPTIONAL_STR),
    OptionSpec(OPT_API_PASSWORD, OPTIONAL_STR, secret=True),
    OptionSpec(OPT_MA_API_HOST, optional(bind_host)),
    OptionSpec(OPT_MA_API_PORT, PORT, DEFAULT_MA_API_PORT),
    OptionSpec(OPT_PUBLIC_PORT, PORT, DEFAULT_PUBLIC_PORT),
    OptionSpec(OPT_PANEL_PORT, PORT, DEFAULT_PANEL_PORT),
    OptionSpec(OPT_MA_URL, _ma_url, DEFAULT_MA_URL),
    OptionSpec(OPT_MA_TOKEN, OPTIONAL_STR, secret=True),
    OptionSpec(OPT_ENABLE_APL, vol.Boolean(), default=False),
    OptionSpec(OPT_SSL, vol.Boolean(), default=False),
    OptionSpec(OPT_CERTFILE, vol.All(str, vol.Length(min=1)), DEFAULT_CERTFILE),
    OptionSpec(OPT_KEYFILE, vol.All(str, vol.Length(min=1)), DEFAULT_KEYFILE),
    OptionSpec(
        OPT_LOCALE,
        vol.In(SKILL_LOCALES, msg=f"expected one of {', '.join(SKILL_LOCALES)}"),
        DEFAULT_LOCALE,
    ),
    OptionSpec(
        OPT_LOG_LEVEL,
        vol.All(vol.Lower, vol.In(_LEVELS, msg="expected one of " + ", ".join(_LEVELS))),
        LogLevel.INFO.value,
    ),
    # Testing against a staging SMAPI / Login with Amazon; not in the Configuration tab.
    OptionSpec(OPT_SMAPI_URL, optional(https_base_url), hidden=True),
    OptionSpec(OPT_LWA_URL, optional(https_base_url), hidden=True),
)
SPECS_BY_KEY = {spec.key: spec for spec in OPTION_SPECS}
SECRET_OPTIONS = frozenset(spec.key for spec in OPTION_SPECS if spec.secret)


def _schema(specs: tuple[OptionSpec, ...]) -> vol.Schema:
    """Build the voluptuous schema of these options (unknown keys are dropped)."""
    return vol.Schema(
        {vol.Optional(spec.key, default=spec.default): spec.validator for spec in specs},
        extra=vol.REMOVE_EXTRA,
    )


# What the add-on's Configuration tab offers, and everything the bridge accepts.
SCHEMA_OPTIONS = _schema(tuple(spec for spec in OPTION_SPECS if not spec.hidden))
SCHEMA_ALL_OPTIONS = _schema(OPTION_SPECS)


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
    ma_url: str
    ma_token: str | None
    enable_apl: bool
    ssl: bool
    certfile: str
    keyfile: str
    smapi_url: str | None
    lwa_url: str | None

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
    options = Options(**{spec.key: data[spec.key] for spec in OPTION_SPECS})
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
    return {spec.key: env[spec.env_name] for spec in OPTION_SPECS if spec.env_name in env}


def load_options(path: Path, env: Mapping[str, str], *, use_env: bool = True) -> Options:
    """Merge the options file with environment overrides and validate them."""
    raw = read_options_file(path)
    if use_env:
        raw.update(options_from_env(env))
    return validate_options(raw)
