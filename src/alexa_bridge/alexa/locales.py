"""Per-locale skill data: the interaction model, Music Assistant's phrases, speech."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
import json
from typing import Any

import voluptuous as vol

from ..const import DEFAULT_LOCALE, SKILL_LOCALES

SPEECH_KEYS = (
    "nothing_pushed",
    "no_public_address",
    "device_not_supported",
    "help",
    "help_reprompt",
    "fallback",
    "not_available",
)

SCHEMA_LOCALE_FILE = vol.Schema(
    {
        vol.Required("locale"): vol.In(SKILL_LOCALES),
        vol.Required("invocationName"): str,
        vol.Required("invocationPrefix"): str,
        vol.Required("playPhrase"): str,
        vol.Required("intents"): [
            {
                vol.Required("name"): str,
                vol.Optional("samples", default=list): [str],
                vol.Optional("utterances", default=list): [str],
            }
        ],
        vol.Required("speech"): {vol.Required(key): str for key in SPEECH_KEYS},
    }
)


@dataclass(frozen=True, slots=True)
class Intent:
    """One intent: model samples (custom intents) and spoken forms for MA."""

    name: str
    samples: tuple[str, ...]
    utterances: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SkillLocale:
    """Everything the skill says or understands in one locale."""

    locale: str
    invocation_name: str
    invocation_prefix: str
    play_phrase: str
    intents: tuple[Intent, ...]
    speech: dict[str, str]

    def intents_for_music_assistant(self) -> dict[str, Any]:
        """Return the `GET /alexa/intents` answer Music Assistant reads."""
        return {
            "locale": self.locale,
            "invocationName": self.invocation_prefix,
            "intents": [
                {
                    "intent": intent.name,
                    "utterances": list(intent.utterances or intent.samples),
                }
                for intent in self.intents
                if intent.utterances or intent.samples
            ],
        }

    def interaction_model(self) -> dict[str, Any]:
        """Return the SMAPI interaction model for this locale."""
        return {
            "interactionModel": {
                "languageModel": {
                    "invocationName": self.invocation_name,
                    "intents": [
                        {"name": intent.name, "samples": list(intent.samples)}
                        for intent in self.intents
                    ],
                    "types": [],
                }
            }
        }


def _load(locale: str) -> SkillLocale:
    """Read and validate one locale file shipped with the package."""
    path = resources.files(__package__.rsplit(".", 1)[0]) / "translations" / "skill"
    data = SCHEMA_LOCALE_FILE(json.loads((path / f"{locale}.json").read_text("utf-8")))
    return SkillLocale(
        locale=data["locale"],
        invocation_name=data["invocationName"],
        invocation_prefix=data["invocationPrefix"],
        play_phrase=data["playPhrase"],
        intents=tuple(
            Intent(item["name"], tuple(item["samples"]), tuple(item["utterances"]))
            for item in data["intents"]
        ),
        speech=data["speech"],
    )


class SkillLocales:
    """All shipped locales, loaded once; lookups fall back by language, then default."""

    def __init__(self, default_locale: str = DEFAULT_LOCALE) -> None:
        """Load every locale file (a few kilobytes in all)."""
        self._locales = {locale: _load(locale) for locale in SKILL_LOCALES}
        self._default = self._locales[default_locale]

    @property
    def default(self) -> SkillLocale:
        """Return the configured locale."""
        return self._default

    def get(self, locale: str | None) -> SkillLocale:
        """Return the best match for an Alexa request's locale."""
        if locale in self._locales:
            return self._locales[locale]
        if locale:
            language = locale.split("-")[0].lower()
            if self._default.locale.startswith(language):
                return self._default
            for code, entry in self._locales.items():
                if code.startswith(language):
                    return entry
        return self._default
