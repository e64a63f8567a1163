"""The structural check of every locale's interaction model and store texts."""

from __future__ import annotations

import copy
from importlib import resources
import json
from typing import Any

import pytest

from alexa_bridge.alexa.intents import INTENTS, REQUIRED_INTENTS
from alexa_bridge.alexa.locales import SkillLocales, locale_from_data
from alexa_bridge.alexa.model_check import (
    check_all,
    check_invocation_name,
    check_locale,
    check_trigger_reaches_play,
)
from alexa_bridge.const import SKILL_LOCALES


def _raw(locale: str) -> dict[str, Any]:
    """Read a shipped locale file."""
    folder = resources.files("alexa_bridge") / "translations" / "skill"
    data: dict[str, Any] = json.loads((folder / f"{locale}.json").read_text("utf-8"))
    return data


def test_all_thirteen_locales_pass() -> None:
    """Every shipped model and store text passes, and Music Assistant's phrase reaches PlayAudio."""
    locales = SkillLocales()
    assert sorted(locales.all) == sorted(SKILL_LOCALES)
    assert len(SKILL_LOCALES) == 13
    assert check_all(locales) == []
    for entry in locales.all.values():
        model = entry.interaction_model()["interactionModel"]["languageModel"]
        assert model["invocationName"] == "music assistant"
        names = {intent["name"] for intent in model["intents"]}
        assert {"PlayAudio", "AMAZON.PauseIntent", "AMAZON.ResumeIntent"} <= names


def _broken(change: Any) -> list[str]:
    """Apply a change to the en-US file and check it."""
    raw = copy.deepcopy(_raw("en-US"))
    change(raw)
    return check_locale(locale_from_data(raw))


def _intent(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """Find an intent in a raw locale file."""
    found: dict[str, Any] = next(i for i in raw["intents"] if i["name"] == name)
    return found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: _intent(r, "PlayAudio")["samples"].append("Play  audio"), "single spaces"),
        (
            lambda r: _intent(r, "AMAZON.PauseIntent").update(samples=["play audio"]),
            "appears in both",
        ),
        (lambda r: _intent(r, "PlayAudio")["samples"].append("play {song}"), "does not declare"),
        (
            lambda r: _intent(r, "PlayAudio").update(slots=[{"name": "song", "type": "SongType"}]),
            "undeclared type",
        ),
        (lambda r: r.update(invocationName="Music Assistant"), "lower case"),
        (lambda r: r.update(invocationName="assistant"), "two words"),
        (lambda r: r.update(invocationName="alexa music"), "wake"),
        (lambda r: r["intents"].pop(1), "AMAZON.PauseIntent is missing"),
        (lambda r: _intent(r, "PlayAudio")["samples"].append("play 2 songs"), "no digits"),
        (lambda r: r.update(playPhrase="ask music assistant to dance"), "does not reach"),
        (lambda r: r["publishing"].update(examplePhrases=["open it"]), "example phrase"),
        (lambda r: r["intents"].append({"name": "AMAZON.DanceIntent"}), "intent table"),
    ],
)
def test_a_broken_model_fails(change: Any, expected: str) -> None:
    """Each kind of mistake is named, with the locale in front."""
    problems = _broken(change)
    assert problems, "the broken model passed"
    assert all(p.startswith("en-US: ") for p in problems)
    assert any(expected in p for p in problems), problems


def test_invocation_name_rules() -> None:
    """Launch words and connecting words are refused; the shipped name is fine."""
    assert check_invocation_name("music assistant") == []
    assert check_invocation_name("open music")
    assert check_invocation_name("music for me to")


async def test_broken_model_never_reaches_amazon(monkeypatch: pytest.MonkeyPatch) -> None:
    """Provisioning stops at the model check before any upload (checked without Amazon)."""
    from alexa_bridge.smapi import skill_sync as provision  # noqa: PLC0415 - patched module

    monkeypatch.setattr(provision, "check_locale", lambda _locale: ["en-US: broken"])

    class Stop(Exception):
        """Raised if anything reached the client."""

    class Client:
        """A client that must not be called."""

        async def call(self, *_args: object, **_kwargs: object) -> None:
            """Fail: nothing may be sent."""
            raise Stop

    class Core:
        """Just enough core for the check."""

        locales = SkillLocales()

    from alexa_bridge.smapi.const import CertificateType  # noqa: PLC0415
    from alexa_bridge.smapi.errors import ProvisioningError  # noqa: PLC0415
    from alexa_bridge.smapi.manifest import SkillChoices  # noqa: PLC0415
    from alexa_bridge.smapi.progress import ProgressLog  # noqa: PLC0415

    runner = provision.Provisioner(
        Core(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        Client(),  # type: ignore[arg-type]
        ProgressLog(),
        sleep=lambda _s: None,  # type: ignore[arg-type,return-value]
    )
    choices = SkillChoices(
        "https://x.example.com", ("en-US",), CertificateType.TRUSTED, display=False
    )
    with pytest.raises(ProvisioningError, match="model check"):
        await runner.run(choices)


# Music Assistant's spoken trigger per language (its alexa provider; English is its default).
MA_TRIGGERS = {
    "en": "ask music assistant to play audio",
    "de": "sag music assistant spiele audio",
    "es": "pídele a music assistant que reproduzca audio",
    "fr": "music assistant",
    "it": "chiedi a music assistant di riprodurre audio",
    "nl": "vraag music assistant om audio af te spelen",
    "pt": "peça ao music assistant para reproduzir áudio",
}


@pytest.mark.parametrize("code", SKILL_LOCALES)
def test_every_model_intent_is_in_the_one_table(code: str) -> None:
    """Each intent a locale's model declares is one the skill, the check and MA's list share."""
    entry = SkillLocales().get(code)
    model = entry.interaction_model()["interactionModel"]["languageModel"]
    names = {intent["name"] for intent in model["intents"]}
    assert names <= set(INTENTS), names - set(INTENTS)
    assert set(REQUIRED_INTENTS) <= names
    # The voice intents are there in every language, with their slots.
    assert {"PlayMedia", "PlayAlbum", "PlayPlaylist", "PlayArtist", "PlayRadio"} <= names
    assert "WhatsPlaying" in names
    spoken = {item["intent"] for item in entry.intents_for_music_assistant()["intents"]}
    assert spoken <= set(INTENTS)
    assert "PlayMedia" not in spoken  # MA reads plain phrases only


@pytest.mark.parametrize("code", SKILL_LOCALES)
def test_music_assistants_trigger_still_reaches_play_audio(code: str) -> None:
    """MA's own phrase is the locale's play phrase, and no slotted voice sample steals it."""
    entry = SkillLocales().get(code)
    trigger = MA_TRIGGERS[code[:2]]
    assert entry.play_phrase == trigger
    assert check_trigger_reaches_play(entry, trigger) == []
    words = trigger.removeprefix(entry.invocation_prefix).split()
    if trigger != entry.invocation_name:
        # "play {query}" does take MA's words too; the skill turns that search into PlayAudio.
        parts = {
            " ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
        }
        assert any(entry.is_play_phrase("PlayMedia", {"query": part}) for part in parts)
        assert not entry.is_play_phrase("PlayMedia", {"query": "abba"})


def test_a_non_search_sample_that_takes_the_trigger_is_refused() -> None:
    """A "what's playing" sample that would swallow MA's phrase fails the check."""
    problems = _broken(lambda r: _intent(r, "WhatsPlaying")["samples"].append("play {room}"))
    assert any("could reach WhatsPlaying" in problem for problem in problems), problems


def test_a_trigger_missing_from_play_audio_is_refused() -> None:
    """Without "play audio" among PlayAudio's samples only the search would hear it: refused."""
    problems = _broken(lambda r: _intent(r, "PlayAudio")["samples"].remove("play audio"))
    assert any("does not reach" in problem for problem in problems), problems
    assert any("could reach PlayMedia" in problem for problem in problems), problems


def test_rooms_from_music_assistant_fill_the_room_type() -> None:
    """Provisioning's room names replace the examples of the room slot type."""
    entry = SkillLocales().get("de-DE")
    model = entry.interaction_model(("Küche Echo", "Wohnzimmer  Sonos", "küche echo", " "))
    types = {t["name"]: t for t in model["interactionModel"]["languageModel"]["types"]}
    values = [v["name"]["value"] for v in types["MA_ROOM"]["values"]]
    assert values == ["Küche Echo", "Wohnzimmer Sonos"]
    assert types["MEDIA_QUERY"]["values"]
