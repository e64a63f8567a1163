"""Every string the panel asks for exists in English, so no page ever shows a bare key."""

from __future__ import annotations

from importlib import resources
import json
from pathlib import Path
import re

from alexa_bridge.amazon.const import METHOD_CLASSIC, METHOD_ENROLLMENT
from alexa_bridge.const import PlayerActivity
from alexa_bridge.panel.activity import ActivityKind
from alexa_bridge.panel.wizard import StepId, StepState
from alexa_bridge.smapi.const import BuildStatus, CertificateType

PACKAGE = Path(str(resources.files("alexa_bridge")))
# t("key") and t('key') in templates, t("key", ...) in Python; keys are dotted words.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
# Keys built from a value: each prefix with every value it can take.
DYNAMIC_KEYS = {
    "state.": [str(state) for state in StepState],
    "step.": [str(step) for step in StepId],
    "amazon.method.": [METHOD_ENROLLMENT, METHOD_CLASSIC],
    "player.activity.": [str(activity).lower() for activity in PlayerActivity],
    "activity.kind.": [str(kind) for kind in ActivityKind],
    "status.build.": [str(status).lower() for status in BuildStatus] + ["none"],
    "skill.certificate.": [str(kind) for kind in CertificateType],
    "nav.": ["setup", "status", "devices", "activity"],
}


def _english() -> dict[str, str]:
    """Load the English panel strings."""
    strings: dict[str, str] = json.loads((PACKAGE / "translations" / "en.json").read_text("utf-8"))
    return strings


def _asked_for() -> set[str]:
    """Return every key a template or panel module names literally."""
    sources = [*PACKAGE.glob("templates/**/*.html"), *PACKAGE.glob("api/panel/*.py")]
    sources.append(PACKAGE / "api" / "oauth.py")
    keys: set[str] = set()
    for source in sources:
        keys |= set(LITERAL_KEY.findall(source.read_text("utf-8")))
    return keys


def test_every_literal_key_is_in_english() -> None:
    """A key named in a template or handler has an English string."""
    english = _english()
    asked = _asked_for()
    assert len(asked) > 100  # the pattern finds the panel's keys at all
    assert sorted(asked - english.keys()) == []


def test_every_key_built_from_a_value_is_in_english() -> None:
    """Steps, states, sign-in methods, player states and the like all have words."""
    english = _english()
    missing = [
        prefix + value
        for prefix, values in DYNAMIC_KEYS.items()
        for value in values
        if prefix + value not in english
    ]
    assert missing == []
