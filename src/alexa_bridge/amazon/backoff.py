"""Exponential back-off after Amazon answers 429, on an injectable clock."""

from __future__ import annotations

from collections.abc import Callable

from .const import BACKOFF_INITIAL, BACKOFF_MAX


class Backoff:
    """Hold calls back for a doubling delay after each refusal; a success resets it."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        initial: float = BACKOFF_INITIAL,
        maximum: float = BACKOFF_MAX,
    ) -> None:
        """Start with no delay."""
        self._clock = clock
        self._initial = initial
        self._maximum = maximum
        self._failures = 0
        self._until = 0.0

    @property
    def failures(self) -> int:
        """Return how many refusals came in a row."""
        return self._failures

    def remaining(self) -> float:
        """Return the seconds calls must still wait (0 when they may go)."""
        return max(0.0, float(self._until - self._clock()))

    def refused(self, minimum: float = 0.0) -> float:
        """Record a refusal and return the new delay (at least `minimum`, Amazon's Retry-After)."""
        delay = max(minimum, min(self._maximum, self._initial * 2.0**self._failures))
        self._failures += 1
        self._until = self._clock() + delay
        return delay

    def succeeded(self) -> None:
        """Forget earlier refusals."""
        self._failures = 0
        self._until = 0.0
