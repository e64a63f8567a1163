"""The structural check of every locale's interaction model and store texts."""

from __future__ import annotations

import copy
from importlib import resources
import json
from typing import Any

import pytest

from alexa_bridge.alexa.locales import SkillLocales, locale_from_data
from alexa_bridge.alexa.model_check import check_all, check_invocation_name, check_locale
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
        (lambda r: r["intents"].append({"name": "AMAZON.DanceIntent"}), "not a built-in"),
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
