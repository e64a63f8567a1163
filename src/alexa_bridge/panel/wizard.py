"""The setup checklist: each step's state and the one thing to do next."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ..amazon import AccountStatus
from ..music_assistant.link import LinkState
from ..playback.test_play import TestStage
from ..smapi.const import DeveloperStatus, RunState

if TYPE_CHECKING:
    from ..core import BridgeCore
    from .public_address import PublicCheck


class StepState(StrEnum):
    """How far a step is."""

    DONE = "done"
    TODO = "todo"
    WARN = "warn"
    ERROR = "error"
    COMING = "coming"


class StepId(StrEnum):
    """The wizard's steps, in order."""

    AMAZON = "amazon"
    DEVELOPER = "developer"
    PUBLIC = "public"
    SKILL = "skill"
    TEST = "test"
    MUSIC_ASSISTANT = "music_assistant"


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the checklist."""

    id: StepId
    state: StepState


@dataclass(frozen=True, slots=True)
class Checklist:
    """All steps and the one to do next (None when everything is done)."""

    steps: tuple[Step, ...]
    next: StepId | None


def _amazon(core: BridgeCore) -> StepState:
    """Rate the Amazon account step."""
    match core.amazon.state.status:
        case AccountStatus.SIGNED_IN:
            return StepState.DONE
        case AccountStatus.EXPIRED | AccountStatus.ERROR:
            return StepState.ERROR
        case _:
            return StepState.TODO


def _public(core: BridgeCore, check: PublicCheck | None) -> StepState:
    """Rate the public address step (a failed check from inside is only a warning)."""
    if core.public_url is None:
        return StepState.TODO
    if check is None or check.url != core.public_url:
        return StepState.WARN
    return StepState.DONE if check.ok else StepState.WARN


def _developer(core: BridgeCore) -> StepState:
    """Rate developer authorization (a skill id set by option needs none)."""
    match core.provisioning.developer.status:
        case DeveloperStatus.AUTHORIZED:
            return StepState.DONE
        case DeveloperStatus.REVOKED:
            return StepState.ERROR
        case _:
            return StepState.DONE if core.options.skill_id else StepState.TODO


def _skill(core: BridgeCore) -> StepState:
    """Rate the skill step: provisioned, in line with the settings, proven by the self-test."""
    prov = core.provisioning
    run = prov.last_run
    test = prov.self_test or {}
    if run is not None and run.state == RunState.FAILED:
        return StepState.ERROR
    if core.skill_id is None:
        return StepState.TODO
    if core.options.skill_id and run is None:
        return StepState.DONE  # a skill made by hand: nothing to provision or test here
    if test and not test.get("ok"):
        return StepState.ERROR
    if not test or run is None or run.state != RunState.SUCCEEDED or prov.needs_update():
        return StepState.WARN
    return StepState.DONE


def _test(core: BridgeCore) -> StepState:
    """Rate the test play step."""
    last = core.test_plays.last
    if last is None:
        return StepState.TODO
    if last.stage == TestStage.PLAYING:
        return StepState.DONE
    if last.stage in (TestStage.FAILED, TestStage.TIMEOUT):
        return StepState.ERROR
    return StepState.TODO


def _music_assistant(core: BridgeCore) -> StepState:
    """Rate the MA step: done once MA's provider called, an error after a failed check."""
    if core.ma_link.state is not LinkState.NOT_REACHED:
        return StepState.DONE
    check = core.ma_provider.last
    return StepState.ERROR if check is not None and not check.ok else StepState.TODO


def checklist(core: BridgeCore, public_check: PublicCheck | None) -> Checklist:
    """Rate every step and pick the first one that needs the user."""
    steps = (
        Step(StepId.AMAZON, _amazon(core)),
        Step(StepId.DEVELOPER, _developer(core)),
        Step(StepId.PUBLIC, _public(core, public_check)),
        Step(StepId.SKILL, _skill(core)),
        Step(StepId.TEST, _test(core)),
        Step(StepId.MUSIC_ASSISTANT, _music_assistant(core)),
    )
    pending = (StepState.TODO, StepState.ERROR, StepState.WARN)
    upcoming = next((step.id for step in steps if step.state in pending), None)
    return Checklist(steps, upcoming)
