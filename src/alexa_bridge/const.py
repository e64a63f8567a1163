"""Constants shared across the bridge: option keys, file names, limits."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

VERSION: Final = "0.1.0"
# The package whose data files (templates, static, sounds, translations) ship inside it.
PACKAGE: Final = __name__.rpartition(".")[0]

# Add-on options (also ALEXA_BRIDGE_<NAME> environment variables standalone).
OPT_PUBLIC_URL: Final = "public_url"
OPT_SKILL_ID: Final = "skill_id"
OPT_API_USERNAME: Final = "api_username"
OPT_API_PASSWORD: Final = "api_password"  # noqa: S105 - a key name, not a secret
OPT_MA_API_HOST: Final = "ma_api_host"
OPT_MA_API_PORT: Final = "ma_api_port"
OPT_PUBLIC_PORT: Final = "public_port"
OPT_PANEL_PORT: Final = "panel_port"
OPT_LOCALE: Final = "locale"
OPT_LOG_LEVEL: Final = "log_level"
OPT_MA_URL: Final = "ma_url"
OPT_MA_TOKEN: Final = "ma_token"  # noqa: S105 - a key name, not a secret
OPT_ENABLE_APL: Final = "enable_apl"
OPT_SSL: Final = "ssl"
OPT_CERTFILE: Final = "certfile"
OPT_KEYFILE: Final = "keyfile"
DEFAULT_MA_URL: Final = "http://localhost:8095"
SSL_DIR: Final = "/ssl"
DEFAULT_CERTFILE: Final = "fullchain.pem"
DEFAULT_KEYFILE: Final = "privkey.pem"
# Hidden options (not in the add-on's schema): other Amazon endpoints, e.g. a staging SMAPI.
OPT_SMAPI_URL: Final = "smapi_url"
OPT_LWA_URL: Final = "lwa_url"

ENV_PREFIX: Final = "ALEXA_BRIDGE_"
ENV_SUPERVISOR_TOKEN: Final = "SUPERVISOR_TOKEN"  # noqa: S105 - a variable name

# Files in the data directory.
SUPERVISOR_DATA_DIR: Final = "/data"
FILE_OPTIONS: Final = "options.json"
FILE_BRIDGE: Final = "bridge.json"
FILE_SLOTS: Final = "slots.json"
FILE_DEVELOPER: Final = "developer.json"
FILE_SKILL: Final = "skill.json"
FILE_MA_LINK: Final = "music_assistant.json"

# Listeners.
LOOPBACK_HOSTS: Final = ("127.0.0.1", "::1")
SUPERVISOR_INGRESS_PEER: Final = "172.30.32.2"
DEFAULT_MA_API_PORT: Final = 5000
DEFAULT_PUBLIC_PORT: Final = 5001
DEFAULT_PANEL_PORT: Final = 8099
DEFAULT_LOCALE: Final = "en-US"
SHUTDOWN_TIMEOUT: Final = 4.0

# Alexa skill endpoint.
SKILL_PATH: Final = "/alexa/skill"
MAX_SKILL_BODY: Final = 128 * 1024
MAX_MA_BODY: Final = 64 * 1024
TIMESTAMP_TOLERANCE: Final = 150.0
CERT_URL_HOST: Final = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX: Final = "/echo.api/"
CERT_SAN: Final = "echo-api.amazon.com"
CERT_FETCH_TIMEOUT: Final = 5.0
MAX_CERT_CHAIN_BYTES: Final = 64 * 1024
ALEXA_TOKEN_MAX: Final = 1024
# Skill events (AlexaSkillEvent.*) are retried by Amazon for up to an hour.
SKILL_EVENT_TIMESTAMP_TOLERANCE: Final = 3600.0
MAX_ANSWER_BYTES: Final = 24 * 1024  # Alexa refuses larger skill answers
# Title, artist and album are cut to this many characters (see MAX_ANSWER_BYTES).
MAX_METADATA_CHARS: Final = 200

# Relay.
RELAY_CHUNK: Final = 64 * 1024
RELAY_CONNECT_TIMEOUT: Final = 4.0
RELAY_READ_TIMEOUT: Final = 30.0
MAX_IMAGE_BYTES: Final = 10 * 1024 * 1024
RELAY_TOKEN_BYTES: Final = 16  # 128 bits

# Announcements: Supervisor discovery and mDNS.
ENV_SUPERVISOR_API: Final = "SUPERVISOR_API"
SUPERVISOR_API_URL: Final = "http://supervisor"
DISCOVERY_SERVICE: Final = "alexa_bridge"
DISCOVERY_RETRY_MIN: Final = 5.0
DISCOVERY_RETRY_MAX: Final = 300.0
MDNS_SERVICE_TYPE: Final = "_alexa-bridge._tcp.local."
MA_API_PATH: Final = "/"


class LogLevel(StrEnum):
    """Log levels the `log_level` option accepts."""

    TRACE = "trace"
    DEBUG = "debug"
    INFO = "info"
    NOTICE = "notice"
    WARNING = "warning"
    ERROR = "error"
    FATAL = "fatal"


class PlayerActivity(StrEnum):
    """What Alexa reports its AudioPlayer is doing."""

    IDLE = "IDLE"
    PLAYING = "PLAYING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"
    FINISHED = "FINISHED"
    BUFFER_UNDERRUN = "BUFFER_UNDERRUN"


# Locales with a skill interaction model (translations/skill/<locale>.json).
SKILL_LOCALES: Final = (
    "de-DE",
    "en-AU",
    "en-CA",
    "en-GB",
    "en-IN",
    "en-US",
    "es-ES",
    "es-MX",
    "fr-CA",
    "fr-FR",
    "it-IT",
    "nl-NL",
    "pt-BR",
)

# How long after a push an unpaired Echo's request is taken as its answer.
PAIRING_WINDOW: Final = 60.0
SAVE_DELAY: Final = 0.5
