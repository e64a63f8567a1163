"""Amazon retries skill events for up to an hour: their timestamps may be that old, no others."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(skill_event("SkillEnabled", 3000), 200, id="skill-event-50min"),
        pytest.param(skill_event("SkillDisabled", 3590), 200, id="skill-event-59min"),
        pytest.param(skill_event("SkillEnabled", 3700), 400, id="skill-event-62min"),
        pytest.param(alexa.launch(age_s=140), 200, id="launch-140s"),
        pytest.param(alexa.launch(age_s=200), 400, id="launch-200s"),
        pytest.param(alexa.audio_event("PlaybackStarted", "t", age_s=3000), 400, id="audio-50min"),
    ],
)
async def test_timestamp_tolerance_by_request_type(
    bridge: RunningBridge, body: dict[str, object], status: int
) -> None:
    """Skill events get 3600 s, everything else keeps Amazon's 150 s."""
    got, answer = await bridge.skill(body)  # type: ignore[arg-type]
    assert got == status, answer
    if status == 200 and str(body["request"]["type"]).startswith("AlexaSkillEvent."):  # type: ignore[index]
        assert answer["response"] == {}
