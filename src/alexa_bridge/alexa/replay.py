"""Remember the requestIds of verified requests, so a captured request cannot act twice."""

from __future__ import annotations

from collections import OrderedDict
import datetime as dt

from ..exceptions import VerificationError

# Genuine requests only are remembered (after the signature check): a household makes a
# few a minute; this many within a timestamp window is far beyond any real one.
MAX_REMEMBERED = 20000


class ReplayGuard:
    """A bounded memory of request ids, each kept until its request could no longer pass."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        """Start with nothing remembered."""
        self._limit = limit
        self._seen: OrderedDict[str, dt.datetime] = OrderedDict()

    def __len__(self) -> int:
        """Return how many ids are remembered."""
        return len(self._seen)

    def check_and_remember(self, request_id: str, until: dt.datetime, now: dt.datetime) -> None:
        """Refuse an id seen before (within its window); remember it until `until`."""
        if not request_id:
            raise VerificationError("request has no requestId")
        while self._seen:
            oldest_id, oldest_until = next(iter(self._seen.items()))
            if oldest_until > now and len(self._seen) < self._limit:
                break
            del self._seen[oldest_id]
        expires = self._seen.get(request_id)
        if expires is not None and expires > now:
            raise VerificationError("request was replayed (requestId seen before)")
        self._seen[request_id] = until
