"""Amazon account constants: the country domains, file names and timings, in one place."""

from __future__ import annotations

from typing import Final

# Amazon country domains an Echo can be registered on, as shown in the panel's list.
DOMAINS: Final[tuple[str, ...]] = (
    "amazon.com",
    "amazon.ca",
    "amazon.com.mx",
    "amazon.com.br",
    "amazon.co.uk",
    "amazon.de",
    "amazon.fr",
    "amazon.it",
    "amazon.es",
    "amazon.nl",
    "amazon.in",
    "amazon.co.jp",
    "amazon.com.au",
)
# alexapy's secure enrollment accepts only its own allow-list (amazon.nl is not on it);
# written out so the panel needs no alexapy to list them (a test compares the two).
ENROLLMENT_DOMAINS: Final[frozenset[str]] = frozenset(DOMAINS) - {"amazon.nl"}

# Locale sent with text commands when the caller names none, by country domain.
DOMAIN_LOCALES: Final[dict[str, str]] = {
    "amazon.com": "en-US",
    "amazon.ca": "en-CA",
    "amazon.com.mx": "es-MX",
    "amazon.com.br": "pt-BR",
    "amazon.co.uk": "en-GB",
    "amazon.de": "de-DE",
    "amazon.fr": "fr-FR",
    "amazon.it": "it-IT",
    "amazon.es": "es-ES",
    "amazon.nl": "nl-NL",
    "amazon.in": "en-IN",
    "amazon.co.jp": "ja-JP",
    "amazon.com.au": "en-AU",
}

METHOD_ENROLLMENT: Final = "enrollment"
METHOD_CLASSIC: Final = "classic"

# Files in the data directory (mode 0600; the classic folder 0700).
FILE_ACCOUNT: Final = "amazon_account.json"
DIR_CLASSIC: Final = "amazon_classic"

# Secure enrollment: Amazon's authorization code lives about five minutes.
ENROLLMENT_VALID_SECONDS: Final = 300.0

# Calls to Amazon: cache, back-off and session upkeep (seconds).
REQUEST_TIMEOUT: Final = 20.0
DEVICES_CACHE_SECONDS: Final = 60.0
BACKOFF_INITIAL: Final = 2.0
BACKOFF_MAX: Final = 900.0
BACKOFF_ATTEMPTS: Final = 3  # tries per call while Amazon answers 429
BACKOFF_MAX_INLINE_WAIT: Final = 5.0  # longer waits fail the call instead of holding it
WEB_SESSION_MAX_AGE: Final = 6 * 3600.0
KEEPALIVE_INTERVAL: Final = 6 * 3600.0
KEEPALIVE_RETRY: Final = 600.0

# The Alexa web API an Echo is driven through (paths as alexapy 1.33 calls them).
PATH_DEVICES: Final = "/api/devices-v2/device"
PATH_BEHAVIORS: Final = "/api/behaviors/preview"
CSRF_PATHS: Final = ("/api/language", "/spa/index.html")
TEXT_COMMAND_SKILL: Final = "amzn1.ask.1p.tellalexa"
MUSIC_CAPABILITY: Final = "MUSIC_SKILL"
USER_AGENT: Final = "AmazonWebView/Amazon Alexa/2.2.556530.0/iOS/16.6/iPhone"
