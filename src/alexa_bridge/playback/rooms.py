"""Rooms: Music Assistant's player names, matched fuzzily against what Alexa heard."""

from __future__ import annotations

from dataclasses import dataclass
import difflib
import re
import unicodedata

from ..models.music_assistant import MaPlayer

# How similar a heard name must be to a player name to count (difflib ratio).
MATCH_CUTOFF = 0.75
# A second candidate this close to the best makes the name ambiguous.
AMBIGUITY_MARGIN = 0.05
_NOT_WORD = re.compile(r"[^\w]+")
# Words people add around a room name that MA's player names usually lack.
_FILLER = frozenset(
    {
        "the", "speaker", "echo", "player",  # en
        "der", "die", "das", "dem", "den", "im", "lautsprecher",  # de
        "el", "la", "los", "las", "altavoz",  # es
        "le", "les", "l", "enceinte",  # fr
        "il", "lo", "gli", "altoparlante",  # it
        "de", "het",  # nl
        "o", "a", "os", "as", "caixa",  # pt
    }
)  # fmt: skip


def normalise(name: str) -> str:
    """Reduce a name to lower-case words without accents, punctuation or filler words."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = [word for word in _NOT_WORD.split(plain) if word]
    kept = [word for word in words if word not in _FILLER]
    return " ".join(kept or words)


@dataclass(frozen=True, slots=True)
class RoomMatch:
    """The players a heard room name matches: one is a match, none or several are not."""

    heard: str
    players: tuple[MaPlayer, ...]

    @property
    def player(self) -> MaPlayer | None:
        """Return the one matching player, or None when none or several match."""
        return self.players[0] if len(self.players) == 1 else None


def _score(heard: str, name: str) -> float:
    """Score how well a heard name fits a player name (1.0 is the same words)."""
    if heard == name:
        return 1.0
    if heard and (f" {heard} " in f" {name} " or f" {name} " in f" {heard} "):
        # "kitchen" for "Kitchen Echo", or "kitchen speaker" for "Kitchen".
        return 0.9
    return difflib.SequenceMatcher(None, heard, name).ratio()


def resolve_room(heard: str, players: list[MaPlayer]) -> RoomMatch:
    """Find the player a spoken room name means: exact names win, then close ones."""
    wanted = normalise(heard)
    candidates = [player for player in players if player.visible]
    exact = [player for player in candidates if normalise(player.name) == wanted]
    if exact:
        return RoomMatch(heard, tuple(exact))
    scored = sorted(
        ((_score(wanted, normalise(player.name)), player) for player in candidates),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best = [pair for pair in scored if pair[0] >= MATCH_CUTOFF]
    if not best:
        return RoomMatch(heard, ())
    top = best[0][0]
    return RoomMatch(
        heard, tuple(player for score, player in best if top - score <= AMBIGUITY_MARGIN)
    )
