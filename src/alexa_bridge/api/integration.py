"""The status API on the MA API listener: what the Home Assistant integration polls and asks.

GET /api/status answers the typed `StatusDocument`; POST /api/test-play starts a test play on
one Echo; POST /api/home-assistant takes Home Assistant's external URL for the panel's offer.
The listener's own protection applies (loopback only, or Basic credentials when configured).
"""

from __future__ import annotations

from dataclasses import asdict
import datetime as dt
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
import voluptuous as vol

from ..amazon import AccountStatus
from ..exceptions import APINotFound, APIUnavailable
from ..models.status import (
    HOME_ASSISTANT_PREFIX,
    STATUS_SCHEMA,
    ActivityStatus,
    AmazonStatus,
    EchoStatus,
    HomeAssistantStatus,
    MusicAssistantStatus,
    PairingStatus,
    PlayerPushStatus,
    ProviderCheckStatus,
    PublicCheckStatus,
    PublicStatus,
    RepairsStatus,
    SkillState,
    SkillStatus,
    StatusDocument,
)
from ..panel.activity import ActivityKind
from ..panel.home_assistant import HomeAssistantLink
from .utils import read_json

if TYPE_CHECKING:
    from ..amazon.models import EchoDevice
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

_PATH_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")

SCHEMA_TEST_PLAY = vol.Schema(
    {vol.Required("serial"): vol.All(str, vol.Length(min=1, max=64))}, extra=vol.REMOVE_EXTRA
)
SCHEMA_HOME_ASSISTANT = vol.Schema(
    {
        vol.Required("external_url"): vol.Any(None, vol.All(str, vol.Length(max=2048))),
        vol.Optional("path_prefix", default=HOME_ASSISTANT_PREFIX): vol.All(
            str, vol.Match(_PATH_PREFIX, msg="expected a path such as /api/alexa_bridge")
        ),
    },
    extra=vol.REMOVE_EXTRA,
)


def iso(epoch: float | None) -> str | None:
    """Format a moment as ISO 8601 in UTC (None stays None)."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


def _last(core: BridgeCore, kind: ActivityKind) -> float | None:
    """Return the time of the newest successful activity entry of a kind."""
    return next((e.time for e in reversed(core.activity.entries) if e.kind == kind and e.ok), None)


def _skill(core: BridgeCore) -> SkillStatus:
    """Describe the skill: made by hand (option), made by the bridge, or missing."""
    if core.options.skill_id is not None:
        state = SkillState.CONFIGURED
    elif core.settings.skill_id is not None:
        state = SkillState.PROVISIONED
    else:
        state = SkillState.MISSING
    return SkillStatus(
        state=state,
        skill_id_known=core.skill_id is not None,
        provisioned=state == SkillState.PROVISIONED,
        provisioning=_last_run(core),
    )


def _last_run(core: BridgeCore) -> dict[str, Any] | None:
    """Summarise the last provisioning run: state, failing step and each locale's build."""
    run = core.provisioning.last_run
    if run is None:
        return None
    return {
        "state": run.state.value,
        "finished": run.finished,
        "step": run.step,
        "message": run.message,
        "builds": {locale: build.status for locale, build in run.builds.items()},
    }


def _build_failed(core: BridgeCore) -> bool | None:
    """Return whether the last run's build failed in some locale (None before any run)."""
    run = core.provisioning.last_run
    if run is None:
        return None
    return run.build_failed


def _public(core: BridgeCore) -> PublicStatus:
    """Describe the public address and its check, if the check is for the current address."""
    check = core.public_check
    current = check if check is not None and check.url == core.public_url else None
    return PublicStatus(
        url=core.public_url,
        from_option=core.options.public_url is not None,
        port=core.bound_ports.get("public"),
        check=None
        if current is None
        else PublicCheckStatus(
            url=current.url,
            ok=current.ok,
            reason=current.reason,
            checked_at=iso(current.checked_at) or "",
        ),
    )


def _echos(core: BridgeCore, devices: list[EchoDevice]) -> list[EchoStatus]:
    """Join the account's Echos with the player slots they play (player id = Echo name)."""
    paired_players = set(core.slots.devices.values())
    echos = []
    for device in devices:
        slot = core.slots.slots.get(device.name)
        echos.append(
            EchoStatus(
                serial=device.serial,
                name=device.name,
                family=device.family,
                online=device.online,
                can_play=device.can_play,
                player_id=device.name
                if slot is not None or device.name in paired_players
                else None,
                paired=device.name in paired_players,
                activity=slot.activity.value if slot is not None else None,
                last_push=iso(slot.pushed_at) if slot is not None and slot.pushed_at else None,
            )
        )
    return echos


def _home_assistant(link: HomeAssistantLink) -> HomeAssistantStatus:
    """Describe what the integration reported and the public address it offers."""
    url, reason = link.public_url()
    return HomeAssistantStatus(
        external_url=link.external_url,
        path_prefix=link.path_prefix,
        public_url=url,
        reason=reason,
        reported_at=iso(link.reported_at) or "",
    )


def _music_assistant(core: BridgeCore) -> MusicAssistantStatus:
    """Describe how Music Assistant reaches the bridge."""
    link = core.ma_link
    check = core.ma_provider.last
    return MusicAssistantStatus(
        state=link.state.value,
        generation=link.generation.value if link.generation else None,
        provider_loaded_at=iso(link.intents_at),
        api_url=core.ma_api_url,
        needs_api_url=link.needs_api_url,
        provider_check=None
        if check is None
        else ProviderCheckStatus(
            outcome=check.outcome.value,
            api_url=check.api_url,
            server_version=check.server_version,
            checked_at=iso(check.checked_at) or "",
        ),
        players=[
            PlayerPushStatus(
                player_id=push.player_id or "",
                last_push=iso(push.at) or "",
                new_stream=push.new_stream,
                title=push.title,
            )
            for push in link.pushes()
        ],
    )


async def build_status(core: BridgeCore) -> StatusDocument:
    """Collect the status from live state; only the Echo list may ask Amazon (cached)."""
    account = core.amazon.state
    devices: list[EchoDevice] = []
    echos_error = None
    if account.status == AccountStatus.SIGNED_IN:
        try:
            devices = await core.amazon.devices()
        except Exception as err:  # noqa: BLE001 - reported in the document, logged by the account
            echos_error = str(err) or type(err).__name__
    public = _public(core)
    slots = core.slots.slots
    link = core.home_assistant
    return StatusDocument(
        schema=STATUS_SCHEMA,
        version=core.version,
        instance_id=core.settings.instance_id,
        supervised=core.supervised,
        skill=_skill(core),
        amazon=AmazonStatus(
            status=account.status.value,
            domain=account.domain,
            message=account.message,
            since=account.since.isoformat(),
        ),
        public=public,
        activity=ActivityStatus(
            last_alexa_request=iso(_last(core, ActivityKind.SKILL)),
            last_ma_push=iso(_last(core, ActivityKind.PUSH)),
        ),
        echos=_echos(core, devices),
        echos_error=echos_error,
        pairings=[
            PairingStatus(
                device_id=device_id,
                player_id=player_id,
                activity=slots[player_id].activity.value if player_id in slots else None,
            )
            for device_id, player_id in sorted(core.slots.devices.items())
        ],
        repairs=RepairsStatus(
            amazon_session_expired=account.status in (AccountStatus.EXPIRED, AccountStatus.ERROR),
            skill_build_failed=_build_failed(core),
            public_address_unreachable=public.check is not None and not public.check.ok,
        ),
        home_assistant=None if link is None else _home_assistant(link),
        music_assistant=_music_assistant(core),
    )


class APIStatus:
    """Answer the Home Assistant integration: status, test play, Home Assistant's address."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def status(self, _request: web.Request) -> web.Response:
        """Return the status document."""
        document = await build_status(self.core)
        return web.json_response(document.to_dict(), headers={"Cache-Control": "no-store"})

    async def test_play(self, request: web.Request) -> web.Response:
        """Start a test play on the Echo with this serial."""
        body = await read_json(request, SCHEMA_TEST_PLAY)
        if self.core.amazon.state.status != AccountStatus.SIGNED_IN:
            raise APIUnavailable("the bridge is not signed in to Amazon")
        result = await self.core.test_plays.start_on_serial(body["serial"])
        if result is None:
            raise APINotFound("no such Echo on this account")
        data: dict[str, Any] = {
            "serial": result.serial,
            "name": result.name,
            "phrase": result.phrase,
            "stage": result.stage.value,
            "reason": result.reason,
        }
        return web.json_response(data)

    async def home_assistant(self, request: web.Request) -> web.Response:
        """Remember Home Assistant's external URL, so the panel can offer it as public address."""
        body = await read_json(request, SCHEMA_HOME_ASSISTANT)
        link = HomeAssistantLink(body["external_url"], body["path_prefix"], time.time())
        old = self.core.home_assistant
        if old is None or (old.external_url, old.path_prefix) != (
            link.external_url,
            link.path_prefix,
        ):
            _LOGGER.info("Home Assistant reported its external address")
        self.core.home_assistant = link
        return web.json_response(asdict(_home_assistant(link)))
