"""Panel strings per language: Home Assistant's or the browser's language picks the file."""

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
        """Load translations/<lang>.json for each shipped language (e.g. de, pt-BR)."""
        folder = resources.files(PACKAGE) / "translations"
        self._languages: dict[str, dict[str, str]] = {}
        for entry in folder.iterdir():
            if entry.name.endswith(".json") and entry.is_file():
                self._languages[entry.name[:-5]] = json.loads(entry.read_text("utf-8"))
        if FALLBACK not in self._languages:
            raise RuntimeError("the English panel strings are missing")
        self._by_tag = {name.lower(): name for name in self._languages}
        # A bare language ("pt") or another region ("nl-BE") gets that language's file:
        # the one named after the language alone, else its only regional variant (pt-BR).
        self._by_language: dict[str, str] = {}
        for name in sorted(self._languages, key=lambda name: ("-" in name, name)):
            self._by_language.setdefault(name.split("-")[0].lower(), name)

    @property
    def languages(self) -> list[str]:
        """Return the shipped languages."""
        return sorted(self._languages)

    def english(self) -> dict[str, str]:
        """Return the complete English catalogue."""
        return self._languages[FALLBACK]

    def catalogue(self, language: str) -> dict[str, str]:
        """Return one shipped language's strings as its file has them."""
        return self._languages[language]

    def match(self, tag: str) -> str | None:
        """Return the shipped language for one language tag: its region first, then its language."""
        tag = tag.strip().lower()
        return self._by_tag.get(tag) or self._by_language.get(tag.split("-")[0])

    def pick(self, accept_language: str | None, home_assistant: str | None = None) -> Translator:
        """Choose by Home Assistant's language, then by the Accept-Language header's order."""
        for tag in [home_assistant or "", *preferred_tags(accept_language or "")]:
            if tag and (language := self.match(tag)):
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
