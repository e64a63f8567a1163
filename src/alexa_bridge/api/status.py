"""The Status page's lines: one per component, green, amber or red, with the next action."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from typing import TYPE_CHECKING

from ..activity import ActivityKind
from ..amazon import AccountStatus
from ..wizard import StepState

if TYPE_CHECKING:
    from ..core import BridgeCore
    from ..i18n import Translator


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
    skill = (
        StatusRow(t("status.skill"), StepState.DONE, t("skill.known", skill_id=core.skill_id))
        if core.skill_id
        else StatusRow(t("status.skill"), StepState.COMING, t("coming.help"))
    )
    rows = [amazon, public, skill]
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
