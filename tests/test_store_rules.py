"""The Home Assistant integration against the rules of hassfest, HACS and the quality scale.

These validators run on GitHub; here their rules are checked on the files themselves, so a
release cannot fail them unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import struct
import tomllib
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "alexa_bridge"
STRINGS = INTEGRATION / "strings.json"
TRANSLATIONS = sorted((INTEGRATION / "translations").glob("*.json"))
# hassfest: "the string should not contain URLs, please use description placeholders instead".
URL = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
# hacs.json keys HACS accepts; it fails on any other ("extra keys not allowed").
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "persistent_directory",
    "hacs",
    "render_readme",
}


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield every string of a translation file with its dotted key."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else key)


def _json(path: Path) -> Any:
    """Load a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def _png_size(path: Path) -> tuple[int, int]:
    """Read a PNG's width and height from its IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("path", [STRINGS, *TRANSLATIONS], ids=lambda p: p.name)
def test_translations_contain_no_urls(path: Path):
    """Hassfest refuses URLs in translation strings; examples come in as placeholders."""
    offenders = [(key, text) for key, text in _strings(_json(path)) if URL.search(text)]
    assert offenders == []


def test_url_rule_catches_what_hassfest_refuses():
    """The rule above finds the strings hassfest refused in this integration before."""
    refused = {
        "config": {"error": {"invalid_url": "Enter an address such as http://192.168.1.20:5000."}},
        "options": {"step": {"init": {"data_description": {"x": "See https://example.org"}}}},
    }
    assert [key for key, text in _strings(refused) if URL.search(text)] == [
        "config.error.invalid_url",
        "options.step.init.data_description.x",
    ]


def test_english_translation_is_strings_json():
    """translations/en.json is what Home Assistant shows; strings.json is its source."""
    assert _json(INTEGRATION / "translations" / "en.json") == _json(STRINGS)


def test_every_form_field_is_described():
    """Quality scale (config-flow): every field of every step has a data_description."""
    strings = _json(STRINGS)
    missing = [
        f"{section}.{step_id}.{key}"
        for section in ("config", "options")
        for step_id, step in strings[section]["step"].items()
        for key in step.get("data") or {}
        if not step.get("data_description", {}).get(key)
    ]
    assert missing == []


def test_placeholders_in_forms_are_supplied():
    """Every {placeholder} of a form's text is given by the flow that shows it."""
    flow = (INTEGRATION / "config_flow.py").read_text(encoding="utf-8")
    strings = _json(STRINGS)
    for section in ("config", "options"):
        for key, text in _strings(strings[section]):
            for name in re.findall(r"\{(\w+)\}", text):
                assert f'"{name}"' in flow, f"{section}.{key} uses {{{name}}}, never supplied"


def test_icons_cover_every_entity():
    """Quality scale (icon-translations): icons.json has an icon for each entity key."""
    icons = _json(INTEGRATION / "icons.json")["entity"]
    entities = _json(STRINGS)["entity"]
    assert {p: set(keys) for p, keys in icons.items()} == {
        p: set(keys) for p, keys in entities.items()
    }
    for platform, keys in icons.items():
        for key, icon in keys.items():
            assert icon["default"].startswith("mdi:"), f"{platform}.{key}"
            states = entities[platform][key].get("state", {})
            assert set(icon.get("state", {})) <= set(states) | {"on", "off"}


def test_raised_errors_are_translated():
    """Quality scale (exception-translations): each translation_key raised is in strings."""
    keys = set()
    for module in INTEGRATION.glob("*.py"):
        keys |= set(re.findall(r'translation_key="(\w+)"', module.read_text(encoding="utf-8")))
    exceptions = _json(STRINGS)["exceptions"]
    issues = _json(STRINGS)["issues"]
    assert keys, "the integration raises translated errors"
    assert keys - set(exceptions) - set(issues) == set()


def test_hacs_json():
    """HACS: known keys only, and the minimum Home Assistant the tests cover."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == _json(INTEGRATION / "manifest.json")["name"]
    requirements = (ROOT / "tests_integration" / "requirements.txt").read_text(encoding="utf-8")
    oldest = re.search(r"homeassistant (\d{4}\.\d+\.\d+)", requirements)
    assert oldest is not None, "requirements.txt names the Home Assistant it pins"
    assert hacs["homeassistant"] == oldest.group(1)


def test_hacs_brand_images():
    """HACS (brands check) and Home Assistant 2026.3+ read brand/ inside the integration."""
    brand = INTEGRATION / "brand"
    assert _png_size(brand / "icon.png") == (256, 256)
    assert _png_size(brand / "icon@2x.png") == (512, 512)
    width, height = _png_size(brand / "logo.png")
    assert 128 <= min(width, height) <= 256
    if (brand / "logo@2x.png").exists():
        width, height = _png_size(brand / "logo@2x.png")
        assert 256 <= min(width, height) <= 512


def test_license_is_the_declared_one():
    """HACS needs a LICENSE; it must be the licence pyproject.toml declares (Apache-2.0)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
