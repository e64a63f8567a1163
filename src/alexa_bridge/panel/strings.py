"""Panel strings per language: the browser's language picks the file, English fills gaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
import json
import logging
from typing import Any

from ..const import PACKAGE

_LOGGER = logging.getLogger(__name__)

FALLBACK = "en"


@dataclass(frozen=True, slots=True)
class Translator:
    """Look up panel strings in one language, falling back to English per key."""

    language: str
    strings: dict[str, str]
    fallback: dict[str, str]

    def __call__(self, key: str, **values: Any) -> str:
        """Return the string for `key` with `{placeholders}` filled in."""
        text = self.strings.get(key) or self.fallback.get(key) or key
        return text.format(**values) if values else text


class PanelStrings:
    """Every shipped panel language, loaded once."""

    def __init__(self) -> None:
        """Load translations/<lang>.json for each shipped language."""
        folder = resources.files(PACKAGE) / "translations"
        self._languages: dict[str, dict[str, str]] = {}
        for entry in folder.iterdir():
            if entry.name.endswith(".json") and entry.is_file():
                self._languages[entry.name[:-5]] = json.loads(entry.read_text("utf-8"))
        if FALLBACK not in self._languages:
            raise RuntimeError("the English panel strings are missing")

    @property
    def languages(self) -> list[str]:
        """Return the shipped languages."""
        return sorted(self._languages)

    def english(self) -> dict[str, str]:
        """Return the complete English catalogue."""
        return self._languages[FALLBACK]

    def pick(self, accept_language: str | None) -> Translator:
        """Choose by the Accept-Language header's order of preference."""
        for language in _preferences(accept_language or ""):
            if language in self._languages:
                return Translator(language, self._languages[language], self.english())
        return Translator(FALLBACK, self.english(), self.english())


def preferred_tags(header: str) -> list[str]:
    """Return the language tags of an Accept-Language header (e.g. "de-AT"), best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _preferences(header: str) -> list[str]:
    """Return primary language codes from an Accept-Language header, best first."""
    return [tag.split("-")[0].lower() for tag in preferred_tags(header)]


def suggest_locale(header: str | None, available: Sequence[str], fallback: str) -> str:
    """Pick the skill locale closest to the browser's languages (region first, then language)."""
    tags = preferred_tags(header or "")
    by_lower = {code.lower(): code for code in available}
    for tag in tags:
        if tag.lower() in by_lower:
            return by_lower[tag.lower()]
        language = tag.split("-")[0].lower()
        same_language = [code for code in available if code.lower().startswith(f"{language}-")]
        if same_language:
            # The language's home region (fr-FR, de-DE), else the configured one, else any.
            home = f"{language}-{language.upper()}"
            for choice in (home, fallback):
                if choice in same_language:
                    return choice
            return same_language[0]
    return fallback
