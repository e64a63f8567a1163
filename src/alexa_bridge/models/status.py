"""The status document the Home Assistant integration polls (GET /api/status).

The integration in custom_components/alexa_bridge reads exactly these keys; the example
tests/data/status-example.json is checked against a real bridge so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

STATUS_SCHEMA: Final = 1
HOME_ASSISTANT_PREFIX: Final = "/api/alexa_bridge"


class SkillState(StrEnum):
    """Where the Alexa skill stands, as far as the bridge knows."""

    MISSING = "missing"  # no skill id: Alexa requests are refused
    CONFIGURED = "configured"  # the skill_id option names a skill made by hand
    PROVISIONED = "provisioned"  # the bridge made the skill itself


@dataclass(frozen=True, slots=True)
class SkillStatus:
    """The skill's state; `provisioning` summarises the last run (null before the first)."""

    state: SkillState
    skill_id_known: bool
    provisioned: bool
    provisioning: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AmazonStatus:
    """The Amazon account session."""

    status: str
    domain: str | None
    message: str
    since: str


@dataclass(frozen=True, slots=True)
class PublicCheckStatus:
    """The last check that the public address reaches this bridge."""

    url: str
    ok: bool
    reason: str | None
    checked_at: str


@dataclass(frozen=True, slots=True)
class PublicStatus:
    """The public https address Alexa uses, and its last check (for the current address)."""

    url: str | None
    from_option: bool
    port: int | None
    check: PublicCheckStatus | None


@dataclass(frozen=True, slots=True)
class ActivityStatus:
    """When the bridge last answered a verified Alexa request and took a Music Assistant push."""

    last_alexa_request: str | None
    last_ma_push: str | None


@dataclass(frozen=True, slots=True)
class EchoStatus:
    """One Echo of the Amazon account and the Music Assistant player it plays for."""

    serial: str
    name: str
    family: str
    online: bool
    can_play: bool
    player_id: str | None
    paired: bool
    activity: str | None
    last_push: str | None


@dataclass(frozen=True, slots=True)
class PairingStatus:
    """One Alexa device id the skill has seen, and the player slot it plays."""

    device_id: str
    player_id: str
    activity: str | None


@dataclass(frozen=True, slots=True)
class RepairsStatus:
    """Conditions that need the user; null means the bridge cannot tell yet."""

    amazon_session_expired: bool
    skill_build_failed: bool | None
    public_address_unreachable: bool


@dataclass(frozen=True, slots=True)
class HomeAssistantStatus:
    """Home Assistant's address as its integration reported it, and the public URL it gives."""

    external_url: str | None
    path_prefix: str
    public_url: str | None
    reason: str | None
    reported_at: str


@dataclass(frozen=True, slots=True)
class PlayerPushStatus:
    """The last push Music Assistant made for one player."""

    player_id: str
    last_push: str
    new_stream: bool
    title: str | None


@dataclass(frozen=True, slots=True)
class ProviderCheckStatus:
    """The last check (or fix) of MA's Alexa provider settings through MA's API."""

    outcome: str
    api_url: str | None
    server_version: str | None
    checked_at: str


@dataclass(frozen=True, slots=True)
class MusicAssistantStatus:
    """Whether MA's Alexa provider reaches the bridge, and which generation it is.

    `state`: not_reached (no call yet), old_provider (pushes, never /alexa/intents),
    connected (the provider loaded against this bridge). `generation`: G1-G2, G3, G4-G5
    or G6, from the shape of MA's calls. `api_url` is what the provider's API URL must be;
    `needs_api_url` says the user has to set it (MA before 2026-02 defaults to port 3000).
    """

    state: str
    generation: str | None
    provider_loaded_at: str | None
    api_url: str
    needs_api_url: bool
    provider_check: ProviderCheckStatus | None
    players: list[PlayerPushStatus]


@dataclass(frozen=True, slots=True)
class StatusDocument:
    """Everything GET /api/status answers."""

    schema: int
    version: str
    instance_id: str
    supervised: bool
    skill: SkillStatus
    amazon: AmazonStatus
    public: PublicStatus
    activity: ActivityStatus
    echos: list[EchoStatus]
    echos_error: str | None
    pairings: list[PairingStatus]
    repairs: RepairsStatus
    home_assistant: HomeAssistantStatus | None
    music_assistant: MusicAssistantStatus

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready document."""
        return asdict(self)
