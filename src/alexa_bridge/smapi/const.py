"""Constants of skill provisioning: Amazon's endpoints, scopes, stage and timings."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

SMAPI_URL: Final = "https://api.amazonalexa.com"
LWA_URL: Final = "https://api.amazon.com"
LWA_TOKEN_PATH: Final = "/auth/o2/token"  # noqa: S105 - a path, not a secret
CONSENT_URL: Final = "https://www.amazon.com/ap/oa"
SCOPES: Final = "alexa::ask:skills:readwrite alexa::ask:models:readwrite alexa::ask:skills:test"
DEVELOPER_CONSOLE_URL: Final = (
    "https://developer.amazon.com/loginwithamazon/console/site/lwa/overview.html"
)

# Where Amazon sends the authorization code back.
CALLBACK_PATH: Final = "/oauth/callback"
CALLBACK_DONE_PATH: Final = "/oauth/done"
PASTE_RETURN_URL: Final = "http://127.0.0.1:9090/cb"
STATE_TTL: Final = 600.0  # an authorization started in the panel stays valid this long
MAX_PENDING: Final = 4

STAGE: Final = "development"
SKILL_NAME: Final = "Music Assistant"
LIST_PAGE_SIZE: Final = 50

# Requests: connect/read timeouts of one SMAPI call, and retries of 429 and 5xx answers.
HTTP_TIMEOUT: Final = (5.0, 30.0)
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
RETRY_DELAYS: Final = (1.0, 2.0, 4.0, 8.0)
MAX_RETRY_AFTER: Final = 30.0

# Build polling: first poll within 2 s, backoff doubling to at most every 10 s.
POLL_FIRST: Final = 1.0
POLL_MAX: Final = 10.0
BUILD_TIMEOUT: Final = 600.0
SIMULATION_TIMEOUT: Final = 60.0
SIMULATION_POLL: Final = 1.0

# Status page: cached checks, refreshed in the background.
CHECK_MAX_AGE: Final = 120.0
CHECK_TIMEOUT: Final = 20.0

MAX_PROGRESS: Final = 500
PROGRESS_QUEUE: Final = 200

APL_VIEWPORTS: Final = (
    {
        "mode": "HUB",
        "shape": "ROUND",
        "minWidth": 480,
        "maxWidth": 480,
        "minHeight": 480,
        "maxHeight": 480,
    },
    {
        "mode": "HUB",
        "shape": "RECTANGLE",
        "minWidth": 960,
        "maxWidth": 960,
        "minHeight": 480,
        "maxHeight": 480,
    },
    {
        "mode": "HUB",
        "shape": "RECTANGLE",
        "minWidth": 1024,
        "maxWidth": 1024,
        "minHeight": 600,
        "maxHeight": 600,
    },
    {
        "mode": "HUB",
        "shape": "RECTANGLE",
        "minWidth": 1280,
        "maxWidth": 1280,
        "minHeight": 800,
        "maxHeight": 800,
    },
    {
        "mode": "TV",
        "shape": "RECTANGLE",
        "minWidth": 960,
        "maxWidth": 960,
        "minHeight": 540,
        "maxHeight": 540,
    },
)


class CertificateType(StrEnum):
    """How Alexa checks the endpoint's certificate (the manifest's sslCertificateType)."""

    TRUSTED = "Trusted"
    WILDCARD = "Wildcard"
    SELF_SIGNED = "SelfSigned"


class DeveloperStatus(StrEnum):
    """Where developer authorization stands."""

    MISSING = "missing"
    CONFIGURED = "configured"  # client id and secret saved, no refresh token yet
    AUTHORIZED = "authorized"
    REVOKED = "revoked"  # Amazon refused the refresh token


class BuildStatus(StrEnum):
    """Amazon's status of one update request (a manifest update or a locale's model build)."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class RunState(StrEnum):
    """How the last provisioning run or self-test ended."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
