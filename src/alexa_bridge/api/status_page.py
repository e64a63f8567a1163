"""The Status page's lines: one per component, green, amber or red, with the next action."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from typing import TYPE_CHECKING

from ..amazon import AccountStatus
from ..const import SKILL_PATH
from ..music_assistant.generations import DESCRIPTION
from ..music_assistant.link import LinkState
from ..panel.activity import ActivityKind
from ..panel.wizard import StepState
from ..smapi.const import BuildStatus, DeveloperStatus

if TYPE_CHECKING:
    from ..core import BridgeCore
    from ..panel.strings import Translator


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One line of the Status page."""

    label: str
    state: StepState
    text: str


def _when(epoch: float) -> str:
    """Format a moment for the page (UTC, to the second)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _last(core: BridgeCore, kind: ActivityKind) -> float | None:
    """Return the time of the newest successful entry of a kind."""
    return next((e.time for e in reversed(core.activity.entries) if e.kind == kind and e.ok), None)


def status_rows(core: BridgeCore, t: Translator) -> list[StatusRow]:
    """Build the Status page lines from live state only (no network calls)."""
    account = core.amazon.state
    if account.status == AccountStatus.SIGNED_IN:
        amazon = StatusRow(
            t("status.amazon"),
            StepState.DONE,
            t("amazon.signed_in", domain=account.domain, method=account.method),
        )
    elif account.status in (AccountStatus.EXPIRED, AccountStatus.ERROR):
        amazon = StatusRow(
            t("status.amazon"), StepState.ERROR, account.message or t("amazon.expired")
        )
    else:
        amazon = StatusRow(t("status.amazon"), StepState.TODO, t("amazon.signed_out"))
    check = core.public_check
    if core.public_url is None:
        public = StatusRow(t("status.public"), StepState.TODO, t("step.public.help"))
    elif check is None or check.url != core.public_url:
        public = StatusRow(t("status.public"), StepState.WARN, t("public.unchecked"))
    elif check.ok:
        public = StatusRow(t("status.public"), StepState.DONE, f"{check.url}: {t('public.ok')}")
    else:
        public = StatusRow(
            t("status.public"), StepState.WARN, t("public.warn", reason=check.reason)
        )
    rows = [amazon, public, _developer_row(core, t), *_skill_rows(core, t), _ma_row(core, t)]
    for label, kind in (
        ("status.last_request", ActivityKind.SKILL),
        ("status.last_push", ActivityKind.PUSH),
    ):
        when = _last(core, kind)
        rows.append(
            StatusRow(
                t(label),
                StepState.DONE if when else StepState.COMING,
                _when(when) if when else t("status.never"),
            )
        )
    return rows


def _ma_row(core: BridgeCore, t: Translator) -> StatusRow:
    """Say whether Music Assistant's Alexa provider reaches the bridge, and which one it is."""
    link = core.ma_link
    label = t("status.music_assistant")
    generation = f" ({DESCRIPTION[link.generation]})" if link.generation else ""
    match link.state:
        case LinkState.CONNECTED:
            return StatusRow(label, StepState.DONE, t("ma.state.connected") + generation)
        case LinkState.OLD_PROVIDER:
            return StatusRow(label, StepState.WARN, t("ma.state.old_provider") + generation)
        case LinkState.NOT_REACHED:
            return StatusRow(
                label, StepState.TODO, t("ma.state.not_reached", api_url=core.ma_api_url)
            )


def _developer_row(core: BridgeCore, t: Translator) -> StatusRow:
    """Rate developer authorization."""
    dev = core.provisioning.developer
    label = t("status.developer")
    match dev.status:
        case DeveloperStatus.AUTHORIZED:
            return StatusRow(label, StepState.DONE, t("developer.authorized"))
        case DeveloperStatus.REVOKED:
            return StatusRow(
                label, StepState.ERROR, t("developer.revoked", reason=dev.message or "")
            )
        case _:
            return StatusRow(label, StepState.TODO, t("developer.todo"))


def _skill_rows(core: BridgeCore, t: Translator) -> list[StatusRow]:
    """Rate the skill on Amazon from the cached check (the page never waits for Amazon)."""
    prov = core.provisioning
    skill_id = core.skill_id
    label = t("status.skill")
    if skill_id is None:
        return [StatusRow(label, StepState.TODO, t("skill.todo"))]
    check = prov.checks.last
    if prov.client() is None:
        return [StatusRow(label, StepState.DONE, t("skill.known", skill_id=skill_id))]
    if check is None or check.skill_id != skill_id:
        return [StatusRow(label, StepState.WARN, t("status.checking", skill_id=skill_id))]
    if check.error is not None:
        return [StatusRow(label, StepState.WARN, t("status.check_failed", reason=check.error))]
    if not check.exists:
        return [StatusRow(label, StepState.ERROR, t("status.skill_missing", skill_id=skill_id))]
    rows = [StatusRow(label, StepState.DONE, t("skill.known", skill_id=skill_id))]
    wanted = f"{core.public_url}{SKILL_PATH}" if core.public_url else None
    rows.append(
        StatusRow(t("status.endpoint"), StepState.DONE, t("status.endpoint_ok", uri=check.endpoint))
        if wanted is not None and check.endpoint == wanted
        else StatusRow(
            t("status.endpoint"),
            StepState.ERROR,
            t("status.endpoint_differs", uri=check.endpoint or "-", wanted=wanted or "-"),
        )
    )
    for code in prov.locales:
        build = check.builds.get(code)
        built: dict[str, StepState] = {
            BuildStatus.SUCCEEDED: StepState.DONE,
            BuildStatus.FAILED: StepState.ERROR,
        }
        state = built.get(str(build), StepState.WARN)
        text = t(f"status.build.{str(build).lower()}") if build else t("status.build.none")
        rows.append(StatusRow(t("status.build", locale=code), state, text))
    rows.append(
        StatusRow(t("status.testing"), StepState.DONE, t("status.testing_on"))
        if check.enabled
        else StatusRow(t("status.testing"), StepState.ERROR, t("status.testing_off"))
    )
    test = prov.self_test
    if test:
        rows.append(
            StatusRow(
                t("status.self_test"),
                StepState.DONE if test.get("ok") else StepState.ERROR,
                _when(float(test["time"]))
                + " · "
                + (test.get("message") or test.get("reply") or ""),
            )
        )
    return rows
