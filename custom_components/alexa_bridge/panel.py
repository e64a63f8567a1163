"""Links to the add-on's panel, in the form the running Home Assistant understands."""

from __future__ import annotations

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

# Home Assistant 2026.2 renamed add-ons "apps" and moved their panels from /hassio/ingress/<slug>
# to /app/<slug>.
APP_PANELS_SINCE = (2026, 2)


def panel_path(slug: str) -> str:
    """Return the frontend path of the add-on's panel."""
    if (MAJOR_VERSION, MINOR_VERSION) >= APP_PANELS_SINCE:
        return f"/app/{slug}"
    return f"/hassio/ingress/{slug}"


def panel_link(slug: str) -> str:
    """Return the device page's configuration link to the add-on's panel."""
    return f"homeassistant:/{panel_path(slug)}"
