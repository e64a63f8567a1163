"""Per-locale skill data: the interaction model, Music Assistant's phrases, speech."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
import json
import re
from typing import Any

import voluptuous as vol

from ..const import DEFAULT_LOCALE, PACKAGE, SKILL_LOCALES
from .intents import INTENT_PLAY, INTENTS, TYPE_ROOM

_SLOT_REF = re.compile(r"\{([^{}]*)\}")


def normal(text: str) -> str:
    """Normalise a phrase for comparison (case and spacing)."""
    return " ".join(text.casefold().split())


MAX_SLOT_VALUE = 140


def room_values(rooms: tuple[str, ...]) -> list[str]:
    """Return player names fit for slot values: trimmed, not empty, each name once."""
    seen: set[str] = set()
    values = []
    for room in rooms:
        name = " ".join(room.split())[:MAX_SLOT_VALUE]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            values.append(name)
    return values


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
    "voice_playing",
    "voice_playing_title",
    "voice_playing_in",
    "voice_starting",
    "voice_nothing_found",
    "voice_no_query",
    "voice_not_paired",
    "voice_not_connected",
    "voice_room_unknown",
    "voice_room_ambiguous",
    "voice_or",
    "voice_failed",
    "now_playing",
    "now_playing_title",
    "now_playing_in",
    "now_playing_in_title",
    "nothing_playing",
    "nothing_playing_in",
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
                # Only plain phrases of known intents: MA speaks them, it fills no slots.
                if intent.name in INTENTS
                and not INTENTS[intent.name].slots
                and (intent.utterances or intent.samples)
            ],
        }

    def interaction_model(self, rooms: tuple[str, ...] = ()) -> dict[str, Any]:
        """Return the SMAPI interaction model; rooms (MA's player names) replace the examples."""
        types = [dict(entry) for entry in self.types]
        if rooms:
            for entry in types:
                if entry.get("name") == TYPE_ROOM:
                    entry["values"] = [{"name": {"value": room}} for room in room_values(rooms)]
        return {
            "interactionModel": {
                "languageModel": {
                    "invocationName": self.invocation_name,
                    "intents": [intent.model() for intent in self.intents],
                    "types": types,
                }
            }
        }

    def sample_phrases(self, intent: str, slots: dict[str, str]) -> set[str]:
        """Return an intent's samples with these slot values filled in (normalised)."""
        by_name = {entry.name: entry for entry in self.intents}
        entry = by_name.get(intent)
        if entry is None:
            return set()
        phrases = set()
        for sample in entry.samples:
            refs = _SLOT_REF.findall(sample)
            if all(ref in slots for ref in refs):
                phrases.add(normal(_SLOT_REF.sub(lambda m: slots[m.group(1)], sample)))
        return phrases

    def is_play_phrase(self, intent: str, slots: dict[str, str]) -> bool:
        """Return whether a slotted intent really heard one of PlayAudio's own samples."""
        if not slots:
            return False
        play = {normal(sample) for sample in self.sample_phrases(INTENT_PLAY, {})}
        return bool(self.sample_phrases(intent, slots) & play)


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
