"""The Echo screen page: an APL document with cover art, titles and transport buttons."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
from typing import Any, Final

APL_VERSION: Final = "1.6"  # tick handlers need 1.4; 1.6 runs on every current Echo Show
TOKEN_PREFIX: Final = "ma-bridge-page-"  # noqa: S105 - a presentation name, not a secret
DATASOURCE: Final = "nowPlaying"
ROOT_ID: Final = "nowPlaying"
TICK_DELAY_MS: Final = 5000
# What the page sends back with SendEvent (request.arguments[0] of the UserEvent).
EVENT_REFRESH: Final = "refresh"
EVENT_PREVIOUS: Final = "previous"
EVENT_PLAYPAUSE: Final = "playpause"
EVENT_NEXT: Final = "next"
# Bound variables on the root container; an update changes them with SetValue.
BOUND: Final = ("title", "artist", "album", "art", "revision")
# Plain geometric glyphs, which the Echo's fonts carry (emoji media symbols may not render).
BUTTONS: Final = (
    (EVENT_PREVIOUS, "\u25c0\u25c0", "Previous"),
    (EVENT_PLAYPAUSE, "\u25b6\u275a\u275a", "Play or pause"),
    (EVENT_NEXT, "\u25b6\u25b6", "Next"),
)


@dataclass(frozen=True, slots=True)
class NowPlaying:
    """What the page shows: the slot's metadata and the relay URL of its cover art."""

    title: str
    artist: str
    album: str
    art: str

    @property
    def revision(self) -> str:
        """Return a short fingerprint of what is shown, so a page can say what it displays."""
        raw = json.dumps([self.title, self.artist, self.album, self.art]).encode()
        return hashlib.sha256(raw).hexdigest()[:12]

    def values(self) -> dict[str, str]:
        """Return the bound values, fingerprint included."""
        return {
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "art": self.art,
            "revision": self.revision,
        }


def page_token(device_id: str) -> str:
    """Return the presentation token of a device's page (stable, without the device id)."""
    digest = hashlib.sha256(device_id.encode()).hexdigest()[:16]
    return f"{TOKEN_PREFIX}{digest}"


def _send(*arguments: str) -> dict[str, Any]:
    """Return a SendEvent command carrying the given arguments to the skill."""
    return {"type": "SendEvent", "arguments": list(arguments)}


def _button(event: str, glyph: str, label: str) -> dict[str, Any]:
    """Return one touch button that sends its event to the skill."""
    return {
        "type": "TouchWrapper",
        "id": event,
        "accessibilityLabel": label,
        "role": "button",
        "paddingLeft": "16dp",
        "paddingRight": "16dp",
        "onPress": [_send(event)],
        "item": {"type": "Text", "text": glyph, "fontSize": "40dp", "color": "#FFFFFF"},
    }


def _text(component_id: str, bound: str, size: str, color: str) -> dict[str, Any]:
    """Return a one-line text bound to a variable of the root container."""
    return {
        "type": "Text",
        "id": component_id,
        "text": f"${{{bound}}}",
        "fontSize": size,
        "color": color,
        "maxLines": 1,
        "paddingBottom": "8dp",
    }


def document() -> dict[str, Any]:
    """Return the page: cover left, titles and buttons right, a refresh tick every 5 s."""
    binds = [{"name": name, "value": f"${{{DATASOURCE}.{name}}}"} for name in BOUND]
    cover = {
        "type": "Image",
        "id": "cover",
        "source": "${art}",
        "display": "${art ? 'normal' : 'none'}",
        "width": "60vh",
        "height": "60vh",
        "scale": "best-fit",
    }
    details = {
        "type": "Container",
        "id": "details",
        "grow": 1,
        "shrink": 1,
        "paddingLeft": "32dp",
        "items": [
            _text("titleText", "title", "36dp", "#FFFFFF"),
            _text("artistText", "artist", "26dp", "#D0D0D0"),
            _text("albumText", "album", "22dp", "#A0A0A0"),
            {
                "type": "Container",
                "id": "buttons",
                "direction": "row",
                "paddingTop": "24dp",
                "items": [_button(*button) for button in BUTTONS],
            },
        ],
    }
    return {
        "type": "APL",
        "version": APL_VERSION,
        "theme": "dark",
        "description": "Music Assistant: now playing, with transport buttons",
        "mainTemplate": {
            "parameters": [DATASOURCE],
            "items": [
                {
                    "type": "Container",
                    "id": ROOT_ID,
                    "width": "100vw",
                    "height": "100vh",
                    "direction": "row",
                    "alignItems": "center",
                    "justifyContent": "center",
                    "paddingLeft": "5vw",
                    "paddingRight": "5vw",
                    "bind": binds,
                    # The page asks for news itself; the device stops ticking when it is gone.
                    "handleTick": [
                        {
                            "minimumDelay": TICK_DELAY_MS,
                            "commands": [_send(EVENT_REFRESH, "${revision}")],
                        }
                    ],
                    "items": [cover, details],
                }
            ],
        },
    }


def render(token: str, now: NowPlaying) -> dict[str, Any]:
    """Return the RenderDocument directive that shows the page."""
    return {
        "type": "Alexa.Presentation.APL.RenderDocument",
        "token": token,
        "document": document(),
        "datasources": {DATASOURCE: now.values()},
    }


def update(token: str, now: NowPlaying) -> dict[str, Any]:
    """Return the ExecuteCommands directive that sets new metadata on a shown page."""
    commands = [
        {"type": "SetValue", "componentId": ROOT_ID, "property": name, "value": value}
        for name, value in now.values().items()
    ]
    return {"type": "Alexa.Presentation.APL.ExecuteCommands", "token": token, "commands": commands}
