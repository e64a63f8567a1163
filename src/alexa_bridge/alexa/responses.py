"""Build Alexa response envelopes; AudioPlayer and screen-event answers never carry speech.

Directive builders leave `shouldEndSession` out: Amazon refuses it (and speech, cards and
reprompts) in answers to AudioPlayer.* and PlaybackController.* requests; voice answers
get it through `end_session()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RESPONSE_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the Echo shows for a stream (on screens and in the Alexa app)."""

    title: str | None
    subtitle: str | None
    art_url: str | None


def _envelope(response: dict[str, Any]) -> dict[str, Any]:
    """Wrap a response object in Alexa's envelope."""
    return {"version": RESPONSE_VERSION, "response": response}


def empty() -> dict[str, Any]:
    """Answer with nothing (the only valid answer to many events)."""
    return _envelope({})


def speak(text: str, *, reprompt: str | None = None) -> dict[str, Any]:
    """Say something; keep the session open only when a reprompt is given."""
    response: dict[str, Any] = {
        "outputSpeech": {"type": "PlainText", "text": text},
        "shouldEndSession": reprompt is None,
    }
    if reprompt is not None:
        response["reprompt"] = {"outputSpeech": {"type": "PlainText", "text": reprompt}}
    return _envelope(response)


def play(
    url: str,
    token: str,
    offset_ms: int,
    metadata: Metadata,
    *,
    behavior: str = "REPLACE_ALL",
    expected_previous_token: str | None = None,
) -> dict[str, Any]:
    """Start a stream; only ENQUEUE carries the token now playing."""
    stream: dict[str, Any] = {
        "url": url,
        "token": token,
        "offsetInMilliseconds": offset_ms,
    }
    if behavior == "ENQUEUE":
        stream["expectedPreviousToken"] = expected_previous_token
    audio_item: dict[str, Any] = {"stream": stream}
    meta: dict[str, Any] = {}
    if metadata.title:
        meta["title"] = metadata.title
    if metadata.subtitle:
        meta["subtitle"] = metadata.subtitle
    if metadata.art_url:
        meta["art"] = {"sources": [{"url": metadata.art_url}]}
        meta["backgroundImage"] = {"sources": [{"url": metadata.art_url}]}
    if meta:
        audio_item["metadata"] = meta
    directive = {
        "type": "AudioPlayer.Play",
        "playBehavior": behavior,
        "audioItem": audio_item,
    }
    return _envelope({"directives": [directive]})


def stop() -> dict[str, Any]:
    """Stop the stream now playing."""
    return _envelope({"directives": [{"type": "AudioPlayer.Stop"}]})


def end_session(answer: dict[str, Any]) -> dict[str, Any]:
    """Close the session of a voice answer that plays or stops (an open one pauses audio)."""
    response = answer["response"]
    directives = response.get("directives", [])
    plays_or_stops = any(d["type"].startswith("AudioPlayer.") for d in directives)
    if not plays_or_stops or "shouldEndSession" in response:
        return answer
    return {**answer, "response": {**response, "shouldEndSession": True}}


def add_directives(answer: dict[str, Any], directives: list[dict[str, Any]]) -> dict[str, Any]:
    """Append directives (screen ones) to an answer, keeping what it already says and does."""
    if not directives:
        return answer
    response = dict(answer["response"])
    response["directives"] = [*response.get("directives", []), *directives]
    return {**answer, "response": response}
