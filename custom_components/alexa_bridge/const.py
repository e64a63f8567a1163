"""Constants of the Alexa Bridge integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "alexa_bridge"
LOGGER = logging.getLogger(__package__)

# Config entry data (the MA API, where the status API lives) and options.
CONF_ADDON_SLUG: Final = "addon_slug"
CONF_PUBLIC_LISTENER: Final = "public_listener"
CONF_OFFER_ADDRESS: Final = "offer_home_assistant_address"

DEFAULT_MA_API_PORT: Final = 5000
DEFAULT_PUBLIC_PORT: Final = 5001
SCAN_INTERVAL: Final = timedelta(seconds=30)
REQUEST_TIMEOUT: Final = 10

# The forwarding views: Home Assistant's public address carries Alexa to the add-on.
VIEW_PREFIX: Final = "/api/alexa_bridge"
MAX_SKILL_BODY: Final = 128 * 1024
RELAY_CHUNK: Final = 64 * 1024

# Repairs the bridge reports in its status document ("repairs"), by issue id.
REPAIRS: Final = (
    "amazon_session_expired",
    "skill_build_failed",
    "public_address_unreachable",
)
