"""Per-locale skill data: the interaction model, Music Assistant's phrases, speech."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
import json
from typing import Any

import voluptuous as vol

from ..const import DEFAULT_LOCALE, PACKAGE, SKILL_LOCALES

SPEECH_KEYS = (
    "nothing_pushed",
    "no_public_address",
    "device_not_supported",
    "help",
    "help_reprompt",
    "fallback",
    "not_available",
    "not_paired",
    "ma_unreachable",
    "ma_needs_token",
)

SCHEMA_LOCALE_FILE = vol.Schema(
    {
        vol.Required("locale"): vol.In(SKILL_LOCALES),
        vol.Required("invocationName"): str,
        vol.Required("invocationPrefix"): str,
        vol.Required("playPhrase"): str,
        vol.Required("publishing"): {
            vol.Required("name"): str,
            vol.Required("summary"): str,
            vol.Required("description"): str,
            vol.Required("examplePhrases"): [str],
            vol.Optional("keywords", default=list): [str],
        },
        vol.Required("intents"): [
            {
                vol.Required("name"): str,
                vol.Optional("samples", default=list): [str],
                vol.Optional("utterances", default=list): [str],
                vol.Optional("slots", default=list): [
                    {vol.Required("name"): str, vol.Required("type"): str}
                ],
            }
        ],
        vol.Optional("types", default=list): [dict],
        vol.Required("speech"): {vol.Required(key): str for key in SPEECH_KEYS},
    }
)


@dataclass(frozen=True, slots=True)
class Intent:
    """One intent: model samples (custom intents) and spoken forms for MA."""

    name: str
    samples: tuple[str, ...]
    utterances: tuple[str, ...]
    slots: tuple[tuple[str, str], ...] = ()

    def model(self) -> dict[str, Any]:
        """Return the intent as the interaction model declares it."""
        data: dict[str, Any] = {"name": self.name, "samples": list(self.samples)}
        if self.slots:
            data["slots"] = [{"name": name, "type": type_} for name, type_ in self.slots]
        return data


@dataclass(frozen=True, slots=True)
class Publishing:
    """The skill's store texts in one locale (the manifest's publishing information)."""

    name: str
    summary: str
    description: str
    example_phrases: tuple[str, ...]
    keywords: tuple[str, ...]

    def manifest(self) -> dict[str, Any]:
        """Return the manifest's per-locale publishing information."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "examplePhrases": list(self.example_phrases),
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True, slots=True)
class SkillLocale:
    """Everything the skill says or understands in one locale."""

    locale: str
    invocation_name: str
    invocation_prefix: str
    play_phrase: str
    intents: tuple[Intent, ...]
    speech: dict[str, str]
    publishing: Publishing
    types: tuple[dict[str, Any], ...] = ()

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
                    "intents": [intent.model() for intent in self.intents],
                    "types": [dict(entry) for entry in self.types],
                }
            }
        }


def _load(locale: str) -> SkillLocale:
    """Read and validate one locale file shipped with the package."""
    path = resources.files(PACKAGE) / "translations" / "skill"
    return locale_from_data(json.loads((path / f"{locale}.json").read_text("utf-8")))


def locale_from_data(raw: Any) -> SkillLocale:
    """Validate one locale file's content and build the locale from it."""
    data = SCHEMA_LOCALE_FILE(raw)
    publishing = data["publishing"]
    return SkillLocale(
        locale=data["locale"],
        invocation_name=data["invocationName"],
        invocation_prefix=data["invocationPrefix"],
        play_phrase=data["playPhrase"],
        intents=tuple(
            Intent(
                item["name"],
                tuple(item["samples"]),
                tuple(item["utterances"]),
                tuple((slot["name"], slot["type"]) for slot in item["slots"]),
            )
            for item in data["intents"]
        ),
        speech=data["speech"],
        publishing=Publishing(
            name=publishing["name"],
            summary=publishing["summary"],
            description=publishing["description"],
            example_phrases=tuple(publishing["examplePhrases"]),
            keywords=tuple(publishing["keywords"]),
        ),
        types=tuple(data["types"]),
    )


class SkillLocales:
    """All shipped locales, loaded once; lookups fall back by language, then default."""

    def __init__(self, default_locale: str = DEFAULT_LOCALE) -> None:
        """Load every locale file (a few kilobytes in all)."""
        self._locales = {locale: _load(locale) for locale in SKILL_LOCALES}
        self._default = self._locales[default_locale]

    @property
    def all(self) -> dict[str, SkillLocale]:
        """Return every shipped locale by code."""
        return dict(self._locales)

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
