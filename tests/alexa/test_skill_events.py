"""Amazon retries skill events for up to an hour: their timestamps may be that old, no others."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..fakes import alexa
from ..harness import RunningBridge


def skill_event(kind: str, age_s: float) -> dict[str, object]:
    """Build an AlexaSkillEvent.* request sent `age_s` seconds ago, as Amazon retries them."""
    created = alexa.timestamp(-age_s)
    return alexa.envelope(
        {
            "type": f"AlexaSkillEvent.{kind}",
            "eventCreationTime": created,
            "eventPublishingTime": created,
        },
        age_s=age_s,
    )


def launch(age_s: float) -> dict[str, object]:
    """Build a LaunchRequest sent `age_s` seconds ago."""
    return alexa.launch(age_s=age_s)


def playback_started(age_s: float) -> dict[str, object]:
    """Build an AudioPlayer.PlaybackStarted sent `age_s` seconds ago."""
    return alexa.audio_event("PlaybackStarted", "t", age_s=age_s)


def enabled(age_s: float) -> dict[str, object]:
    """Build AlexaSkillEvent.SkillEnabled sent `age_s` seconds ago."""
    return skill_event("SkillEnabled", age_s)


def disabled(age_s: float) -> dict[str, object]:
    """Build AlexaSkillEvent.SkillDisabled sent `age_s` seconds ago."""
    return skill_event("SkillDisabled", age_s)


@pytest.mark.parametrize(
    ("build", "age_s", "status"),
    [
        pytest.param(enabled, 3000, 200, id="skill-event-50min"),
        pytest.param(disabled, 3580, 200, id="skill-event-59min"),
        pytest.param(enabled, 3700, 400, id="skill-event-62min"),
        pytest.param(launch, 140, 200, id="launch-140s"),
        pytest.param(launch, 200, 400, id="launch-200s"),
        pytest.param(playback_started, 3000, 400, id="audio-50min"),
    ],
)
async def test_timestamp_tolerance_by_request_type(
    bridge: RunningBridge, build: Callable[[float], dict[str, object]], age_s: float, status: int
) -> None:
    """Skill events get 3600 s, everything else keeps Amazon's 150 s."""
    body = build(age_s)  # built now: the age counts from the moment it is sent
    got, answer = await bridge.skill(body)  # type: ignore[arg-type]
    assert got == status, answer
    if status == 200 and build in (enabled, disabled):
        assert answer["response"] == {}
