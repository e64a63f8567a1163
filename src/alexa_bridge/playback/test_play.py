"""Test play: a built-in sound pushed into an Echo's slot, then the Echo asked to play it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
import logging
import time
from typing import TYPE_CHECKING

from ..const import PACKAGE, PlayerActivity
from ..panel.activity import ActivityKind

if TYPE_CHECKING:
    from ..amazon.models import EchoDevice
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

TEST_SOUND_PATH = "/sounds/test-sound.mp3"
TEST_TITLE = "Alexa Bridge test sound"
TEST_TIMEOUT = 30.0
# Pair all Echos: one test at a time, so each push has one Echo to answer it.
PAIR_POLL = 0.5


def read_test_sound() -> bytes:
    """Return the built-in two-second chime (MP3, 128 kbit/s)."""
    return (resources.files(PACKAGE) / "sounds" / "test-sound.mp3").read_bytes()


class TestStage(StrEnum):
    """How far a test play got."""

    SENT = "sent"
    VERIFIED = "verified"
    PLAYING = "playing"
    TIMEOUT = "timeout"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class TestResult:
    """The state of the last test play on one Echo."""

    serial: str
    name: str
    phrase: str
    started_at: float
    stage: TestStage
    reason: str | None = None

    @property
    def finished(self) -> bool:
        """Return whether the test will not change any more."""
        return self.stage in (TestStage.PLAYING, TestStage.TIMEOUT, TestStage.FAILED)


class TestPlays:
    """Start test plays and report, from the slot's state, how far each got."""

    __test__ = False  # not a pytest class, despite the name

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self._core = core
        self._results: dict[str, TestResult] = {}

    def sound_url(self) -> str:
        """Return where the bridge itself serves the test sound (its public listener)."""
        return f"http://127.0.0.1:{self._core.bound_ports['public']}{TEST_SOUND_PATH}"

    async def start(self, serial: str, name: str) -> TestResult:
        """Push the sound into the Echo's slot and make the Echo say the play phrase."""
        phrase = self._core.locales.default.play_phrase
        started = time.time()
        # A fresh URL each time makes every test a new stream that the Echo must answer.
        url = f"{self.sound_url()}?test={int(started * 1000)}"
        self._core.slots.push(name, {"streamUrl": url, "title": TEST_TITLE})
        result = TestResult(serial, name, phrase, started, TestStage.SENT)
        try:
            await self._core.amazon.run_text_command(
                serial, phrase, locale=self._core.options.locale
            )
        except Exception as err:  # noqa: BLE001 - any failure is reported to the user
            result = replace(result, stage=TestStage.FAILED, reason=str(err) or type(err).__name__)
            _LOGGER.warning("Test play on %s failed: %s", name, result.reason)
        self._results[serial] = result
        return result

    async def start_on_serial(self, serial: str) -> TestResult | None:
        """Find the Echo by serial, start a test play on it and log it; None if unknown."""
        devices = await self._core.amazon.devices()
        device = next((d for d in devices if d.serial == serial), None)
        if device is None:
            return None
        return await self._start_logged(device, "TestPlay")

    async def pair_all(self) -> list[str]:
        """Start one test play per Echo not yet paired, one after the other; return their names."""
        paired = set(self._core.slots.devices.values())
        devices = [
            d for d in await self._core.amazon.devices() if d.can_play and d.name not in paired
        ]
        if devices:
            self._core.create_task(self._pair_each(devices), name="pair-all-echos")
        return [device.name for device in devices]

    async def _pair_each(self, devices: list[EchoDevice]) -> None:
        """Test each Echo and wait until it answered (paired) or its test gave up."""
        for device in devices:
            await self._start_logged(device, "PairEcho")
            # The stage is read from the slot, so it is polled (no event to wait on).
            while self._waiting(device.serial):  # noqa: ASYNC110
                await asyncio.sleep(PAIR_POLL)

    async def _start_logged(self, device: EchoDevice, what: str) -> TestResult:
        """Start a test play on an Echo and put how it started on the Activity page."""
        result = await self.start(device.serial, device.name)
        self._core.activity.record(
            ActivityKind.TEST,
            what,
            result.stage.value if result.reason is None else f"failed: {result.reason}",
            device=device.name,
            ok=result.stage != TestStage.FAILED,
        )
        return result

    def _waiting(self, serial: str) -> bool:
        """Return whether a test still waits for its Echo to answer."""
        now = self.result(serial)
        return now is not None and not (now.finished or now.stage is TestStage.VERIFIED)

    def result(self, serial: str) -> TestResult | None:
        """Return the latest state of the test on an Echo, read from its slot."""
        result = self._results.get(serial)
        if result is None or result.finished:
            return result
        slot = self._core.slots.get(result.name)
        stage = result.stage
        ours = slot is not None and slot.pushed_at >= result.started_at
        if ours and slot is not None and slot.answered_by is not None:
            # A verified request from an Echo was answered with this slot's stream.
            stage = TestStage.VERIFIED
            if slot.activity == PlayerActivity.PLAYING:
                stage = TestStage.PLAYING
        if stage == TestStage.SENT and time.time() - result.started_at > TEST_TIMEOUT:
            stage = TestStage.TIMEOUT
        result = replace(result, stage=stage)
        self._results[serial] = result
        return result

    @property
    def last(self) -> TestResult | None:
        """Return the most recent test on any Echo."""
        return max(self._results.values(), key=lambda r: r.started_at, default=None)
