"""Check a locale's interaction model and store texts before anything is sent to Amazon."""

from __future__ import annotations

import re
from typing import Any

from .locales import SkillLocale, SkillLocales

PLAY_INTENT = "PlayAudio"
# Built-in intents every model of this skill declares (AudioPlayer needs Pause and Resume).
REQUIRED_INTENTS = (
    PLAY_INTENT,
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.HelpIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
)
# Intents whose first utterance Music Assistant speaks to the Echo.
SPOKEN_BY_MA = ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent")
KNOWN_BUILT_INS = frozenset(
    {
        *REQUIRED_INTENTS[1:],
        "AMAZON.NextIntent",
        "AMAZON.PreviousIntent",
        "AMAZON.StartOverIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.LoopOnIntent",
        "AMAZON.LoopOffIntent",
        "AMAZON.ShuffleOnIntent",
        "AMAZON.ShuffleOffIntent",
        "AMAZON.YesIntent",
        "AMAZON.NoIntent",
    }
)
# Amazon's invocation-name rules: no wake words, launch phrases or connecting words.
WAKE_WORDS = frozenset({"alexa", "amazon", "echo", "computer", "ziggy", "skill", "app"})
LAUNCH_WORDS = frozenset(
    {"ask", "open", "launch", "begin", "tell", "load", "resume", "run", "enable", "start", "use"}
)
CONNECTING_WORDS = frozenset({"to", "from", "in", "using", "with", "about", "by", "if", "and"})
MAX_INVOCATION = 50
MAX_NAME = 50
MAX_SUMMARY = 160
MAX_DESCRIPTION = 4000
MAX_EXAMPLES = 3

_WORDS = r"[^\W\d_]+(?:['.\-][^\W\d_]*)*"
_SAMPLE = re.compile(
    rf"^(?:{_WORDS}|\{{[A-Za-z][A-Za-z0-9_]*\}})(?: (?:{_WORDS}|\{{[A-Za-z][A-Za-z0-9_]*\}}))*$"
)
_INVOCATION = re.compile(rf"^{_WORDS}(?: {_WORDS})*$")
_SLOT_REF = re.compile(r"\{([^{}]*)\}")
_CUSTOM_NAME = re.compile(r"^[A-Za-z][A-Za-z_]*$")


def _normal(text: str) -> str:
    """Normalise a sample for comparison (case and spacing)."""
    return " ".join(text.casefold().split())


def check_invocation_name(name: str) -> list[str]:
    """Return what breaks Amazon's invocation-name rules (empty when it is fine)."""
    problems = []
    if name != name.lower():
        problems.append(f"invocation name {name!r} must be lower case")
    if not _INVOCATION.match(name):
        problems.append(f"invocation name {name!r} may hold only letters, spaces, ' . and -")
    words = name.lower().split()
    if len(words) < 2:  # noqa: PLR2004 - Amazon's rule: one word only for brand names
        problems.append(f"invocation name {name!r} needs at least two words")
    if len(name) > MAX_INVOCATION:
        problems.append(f"invocation name {name!r} is longer than {MAX_INVOCATION} characters")
    for word in words:
        if word in WAKE_WORDS:
            problems.append(f"invocation name {name!r} contains the wake or launch word {word!r}")
        elif word in LAUNCH_WORDS or word in CONNECTING_WORDS:
            problems.append(f"invocation name {name!r} contains the phrase word {word!r}")
    return problems


def _check_slots(intent: dict[str, Any], types: set[str]) -> list[str]:
    """Check an intent's slots: declared once, typed, and every {slot} reference declared."""
    name = str(intent.get("name", ""))
    slots = intent.get("slots", [])
    slot_names = [str(slot.get("name")) for slot in slots]
    problems = [
        f"{name}: slot {slot} is declared twice"
        for slot in sorted(set(slot_names))
        if slot_names.count(slot) > 1
    ]
    problems += [
        f"{name}: slot {slot.get('name')} has undeclared type {slot.get('type')!r}"
        for slot in slots
        if not str(slot.get("type", "")).startswith("AMAZON.") and slot.get("type") not in types
    ]
    problems += [
        f"{name}: sample {sample!r} uses {{{ref}}}, which the intent does not declare"
        for sample in intent.get("samples", [])
        for ref in _SLOT_REF.findall(sample)
        if ref not in slot_names
    ]
    return problems


def _check_name(intent: dict[str, Any]) -> list[str]:
    """Check an intent's name (built-in or custom) and that a custom one has samples."""
    name = str(intent.get("name", ""))
    if name.startswith("AMAZON."):
        return (
            [] if name in KNOWN_BUILT_INS else [f"{name} is not a built-in intent this skill knows"]
        )
    if not _CUSTOM_NAME.match(name):
        return [f"custom intent name {name!r} may hold only letters and _"]
    return [] if intent.get("samples") else [f"custom intent {name} has no samples"]


def _check_samples(intent: dict[str, Any], invocation: str, seen: dict[str, str]) -> list[str]:
    """Check an intent's samples: allowed characters, no invocation name, unique across intents."""
    name = str(intent.get("name", ""))
    problems = []
    for sample in intent.get("samples", []):
        key = _normal(sample)
        if not _SAMPLE.match(sample):
            problems.append(
                f"{name}: sample {sample!r} may hold only words (no digits or symbols), "
                "single spaces and {slot} references"
            )
        if invocation and key.startswith(invocation):
            problems.append(f"{name}: sample {sample!r} repeats the invocation name")
        if key in seen:
            problems.append(f"sample {sample!r} appears in both {seen[key]} and {name}")
        else:
            seen[key] = name
    return problems


def check_interaction_model(model: dict[str, Any]) -> list[str]:
    """Check an SMAPI interaction model's structure: intents, samples, slots, invocation."""
    language = model.get("interactionModel", {}).get("languageModel")
    if not isinstance(language, dict):
        return ["interactionModel.languageModel is missing"]
    problems = check_invocation_name(str(language.get("invocationName", "")))
    intents = language.get("intents")
    if not isinstance(intents, list) or not intents:
        return [*problems, "the model declares no intents"]
    types = {str(entry.get("name")) for entry in language.get("types", [])}
    names = [str(intent.get("name", "")) for intent in intents]
    problems += [f"intent {n} is declared twice" for n in sorted(set(names)) if names.count(n) > 1]
    problems += [f"required intent {n} is missing" for n in REQUIRED_INTENTS if n not in names]
    seen: dict[str, str] = {}
    invocation = _normal(str(language.get("invocationName", "")))
    for intent in intents:
        problems += _check_name(intent)
        problems += _check_slots(intent, types)
        problems += _check_samples(intent, invocation, seen)
    return problems


def check_locale(locale: SkillLocale) -> list[str]:
    """Check one locale: its model, Music Assistant's phrases and the store texts."""
    problems = check_interaction_model(locale.interaction_model())
    by_name = {intent.name: intent for intent in locale.intents}
    play = by_name.get(PLAY_INTENT)
    if locale.invocation_name not in locale.invocation_prefix:
        problems.append("invocationPrefix does not contain the invocation name")
    phrase = _normal(locale.play_phrase)
    prefix = _normal(locale.invocation_prefix)
    covered = phrase == _normal(locale.invocation_name) or (
        play is not None
        and phrase.startswith(f"{prefix} ")
        and phrase[len(prefix) + 1 :] in {_normal(s) for s in play.samples}
    )
    if not covered:
        problems.append(
            f"Music Assistant's phrase {locale.play_phrase!r} does not reach {PLAY_INTENT} "
            "or the launch request"
        )
    problems += [
        f"{name} needs an utterance: Music Assistant speaks the first one"
        for name in SPOKEN_BY_MA
        if name in by_name and not (by_name[name].utterances or by_name[name].samples)
    ]
    problems += [
        f"{name}: Music Assistant speaks {by_name[name].utterances[0]!r}, "
        "which is not one of the intent's samples"
        for name in SPOKEN_BY_MA
        if name in by_name
        and by_name[name].utterances
        and _normal(by_name[name].utterances[0]) not in {_normal(s) for s in by_name[name].samples}
    ]
    problems += _check_publishing(locale)
    return [f"{locale.locale}: {problem}" for problem in problems]


def _check_publishing(locale: SkillLocale) -> list[str]:
    """Check the store texts Amazon validates in the manifest."""
    info = locale.publishing
    problems = []
    if not info.name.strip() or len(info.name) > MAX_NAME:
        problems.append(f"the skill name must have 1-{MAX_NAME} characters")
    if not info.summary.strip() or len(info.summary) > MAX_SUMMARY:
        problems.append(f"the summary must have 1-{MAX_SUMMARY} characters")
    if not info.description.strip() or len(info.description) > MAX_DESCRIPTION:
        problems.append(f"the description must have 1-{MAX_DESCRIPTION} characters")
    if not 1 <= len(info.example_phrases) <= MAX_EXAMPLES:
        problems.append(f"give 1-{MAX_EXAMPLES} example phrases")
    problems += [
        f"example phrase {example!r} must start with 'Alexa, ' and name the skill"
        for example in info.example_phrases
        if not example.startswith("Alexa, ") or locale.invocation_name not in example.lower()
    ]
    return problems


def check_all(locales: SkillLocales) -> list[str]:
    """Check every shipped locale; return every problem found."""
    return [problem for entry in locales.all.values() for problem in check_locale(entry)]
