"""Answer verified Alexa requests with AudioPlayer directives for MA's streams."""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

from ..const import PlayerActivity
from ..models.slot import PlayerSlot
from ..playback.ma_commands import MusicAssistantTransport, Transport, TransportOutcome
from ..playback.screens import PageCommand, ScreenPage, ScreenPages
from ..playback.slots import SlotRegistry
from . import apl, responses
from .envelope import APL_USER_EVENT, AlexaRequest
from .locales import SkillLocales

_LOGGER = logging.getLogger(__name__)

INTENT_PLAY = "PlayAudio"
INTENTS_NOT_AVAILABLE = frozenset({"AMAZON.RepeatIntent"})
# Spoken transport intents and the Echo's buttons that Music Assistant carries out.
TRANSPORT_INTENTS = {
    "AMAZON.NextIntent": Transport.NEXT,
    "AMAZON.PreviousIntent": Transport.PREVIOUS,
    "AMAZON.StartOverIntent": Transport.START_OVER,
    "AMAZON.ShuffleOnIntent": Transport.SHUFFLE_ON,
    "AMAZON.ShuffleOffIntent": Transport.SHUFFLE_OFF,
    "AMAZON.LoopOnIntent": Transport.LOOP_ON,
    "AMAZON.LoopOffIntent": Transport.LOOP_OFF,
}
TRANSPORT_BUTTONS = {
    "PlaybackController.NextCommandIssued": Transport.NEXT,
    "PlaybackController.PreviousCommandIssued": Transport.PREVIOUS,
}
# Spoken intents that stop the Echo, and what they tell Music Assistant.
STOP_INTENTS = {
    "AMAZON.PauseIntent": Transport.PAUSE,
    "AMAZON.StopIntent": Transport.STOP,
    "AMAZON.CancelIntent": Transport.STOP,
}
OUTCOME_SPEECH = {
    TransportOutcome.NOT_PAIRED: "not_paired",
    TransportOutcome.UNREACHABLE: "ma_unreachable",
    TransportOutcome.NEEDS_TOKEN: "ma_needs_token",
    TransportOutcome.FAILED: "ma_unreachable",
}
MAX_PLAY_RETRIES = 1
APL_RUNTIME_ERROR = "Alexa.Presentation.APL.RuntimeError"
PAGE_BUTTONS = {apl.EVENT_NEXT: Transport.NEXT, apl.EVENT_PREVIOUS: Transport.PREVIOUS}

SpawnTask = Callable[..., Any]


class SkillHandler:
    """Turn one verified request into the answer Alexa allows for its type."""

    def __init__(
        self,
        slots: SlotRegistry,
        locales: SkillLocales,
        public_url: Callable[[], str | None],
        transport: MusicAssistantTransport,
        spawn: SpawnTask,
        *,
        pages: ScreenPages,
        apl_enabled: Callable[[], bool] = lambda: False,
    ) -> None:
        """Keep the slots, the skill's strings, the public address and the way back to MA."""
        self._slots = slots
        self._locales = locales
        self._public_url = public_url
        self._transport = transport
        self._spawn = spawn
        self._apl_enabled = apl_enabled
        self._pages = pages

    async def handle(self, req: AlexaRequest) -> dict[str, Any]:
        """Dispatch by request type; unknown types get an empty answer."""
        kind = req.type
        if kind == "LaunchRequest":
            return responses.end_session(self._start(req))
        if kind == "IntentRequest":
            return responses.end_session(await self._intent(req))
        if kind.startswith("AudioPlayer."):
            return self._audio_event(req)
        if kind.startswith("PlaybackController."):
            return await self._controller(req)
        if kind == APL_USER_EVENT:
            return responses.end_session(await self._user_event(req))
        if kind == APL_RUNTIME_ERROR:
            _LOGGER.warning("An Echo screen reported page errors: %s", "; ".join(req.apl_errors))
        elif kind == "System.ExceptionEncountered":
            _LOGGER.warning(
                "Alexa reported an error in an earlier answer: %s %s",
                req.error_type,
                req.error_message,
            )
        elif kind != "SessionEndedRequest":
            _LOGGER.info("Ignoring Alexa request type %s", kind)
        return responses.empty()

    def _say(self, req: AlexaRequest, key: str) -> dict[str, Any]:
        """Speak one of the skill's strings in the request's language."""
        return responses.speak(self._locales.get(req.locale).speech[key])

    def _player_of(self, req: AlexaRequest) -> str | None:
        """Return the MA player the request's Echo plays (None when unknown or default)."""
        slot = self._slots.by_audio_token(req.known_token)
        if slot is None and req.device_id:
            slot = self._slots.paired_slot(req.device_id)
        return slot.key if slot is not None and slot.key else None

    def _report(self, req: AlexaRequest, action: Transport) -> None:
        """Tell MA, after answering, what a person did on the Echo (never MA's own echo)."""
        player = self._player_of(req)
        if player:
            self._spawn(self._transport.report(player, action), name=f"report-{action}")

    async def _forward(
        self, req: AlexaRequest, action: Transport, *, spoken: bool
    ) -> dict[str, Any]:
        """Send a transport action to the paired MA player; explain failures by voice only."""
        outcome = await self._transport.send(self._player_of(req), action)
        key = OUTCOME_SPEECH.get(outcome)
        if key is None or not spoken:
            return responses.empty()
        return self._say(req, key)

    async def _intent(self, req: AlexaRequest) -> dict[str, Any]:
        """Answer a spoken intent."""
        intent = req.intent or ""
        if intent == "AMAZON.HelpIntent":
            speech = self._locales.get(req.locale).speech
            return responses.speak(speech["help"], reprompt=speech["help_reprompt"])
        if intent == "AMAZON.NavigateHomeIntent":
            return responses.empty()
        if intent in INTENTS_NOT_AVAILABLE:
            return self._say(req, "not_available")
        if intent in TRANSPORT_INTENTS:
            return await self._forward(req, TRANSPORT_INTENTS[intent], spoken=True)
        if intent not in STOP_INTENTS.keys() | {INTENT_PLAY, "AMAZON.ResumeIntent"}:
            return self._say(req, "fallback")
        if not req.supports_audio:
            return self._say(req, "device_not_supported")
        if intent == INTENT_PLAY:
            return self._start(req)
        if intent == "AMAZON.ResumeIntent":
            self._report(req, Transport.RESUME)
            return self._with_page(req, self._resume(req, spoken=True))
        self._report(req, STOP_INTENTS[intent])
        return self._stop(req)

    def _start(self, req: AlexaRequest) -> dict[str, Any]:
        """Play the device's slot from the start of what Music Assistant pushed."""
        if not req.supports_audio:
            return self._say(req, "device_not_supported")
        slot = self._slots.slot_for_device(req.device_id) if req.device_id else self._slots.latest()
        if slot is None:
            return self._say(req, "nothing_pushed")
        return self._with_page(req, self._play(req, slot, 0, spoken=True))

    def _resume(self, req: AlexaRequest, *, spoken: bool) -> dict[str, Any]:
        """Play the slot again from the offset Alexa last reported."""
        slot = self._slots.by_audio_token(req.known_token)
        if slot is None and req.device_id:
            slot = self._slots.slot_for_device(req.device_id)
        if slot is None:
            return self._say(req, "nothing_pushed") if spoken else responses.empty()
        return self._play(req, slot, slot.offset_ms, spoken=spoken)

    def _stop(self, req: AlexaRequest) -> dict[str, Any]:
        """Stop playback and remember where it was."""
        slot = self._slots.by_audio_token(req.known_token)
        if slot is None and req.device_id:
            slot = self._slots.paired_slot(req.device_id)
        if slot is not None:
            self._slots.record(slot, PlayerActivity.STOPPED, req.known_offset_ms)
        return responses.stop()

    def _play(
        self, req: AlexaRequest, slot: PlayerSlot, offset_ms: int, *, spoken: bool
    ) -> dict[str, Any]:
        """Build the Play directive for a slot through the public relay."""
        base = self._public_url()
        if base is None:
            _LOGGER.warning("Cannot play: the public_url option is not set")
            return self._say(req, "no_public_address") if spoken else responses.empty()
        token = self._slots.start_play(slot)
        if req.device_id:
            self._pages.played(req.device_id, slot.relay_token)
        art = self._art_url(slot)
        metadata = responses.Metadata(title=slot.title, subtitle=slot.subtitle, art_url=art)
        _LOGGER.info(
            "Playing player %r at %d ms (%s)",
            slot.key or "(default)",
            offset_ms,
            req.type,
        )
        return responses.play(f"{base}/stream/{slot.relay_token}.mp3", token, offset_ms, metadata)

    def _art_url(self, slot: PlayerSlot) -> str | None:
        """Return the relay URL of the slot's cover art."""
        base = self._public_url()
        if base is None or not slot.image_token:
            return None
        return f"{base}/image/{slot.image_token}"

    def _now_playing(self, slot: PlayerSlot) -> apl.NowPlaying:
        """Describe the slot for the screen page."""
        return apl.NowPlaying(
            title=slot.title or "",
            artist=slot.artist or "",
            album=slot.album or "",
            art=self._art_url(slot) or "",
        )

    def _shows_pages(self, req: AlexaRequest) -> bool:
        """Return whether this request's device gets the screen page."""
        return self._apl_enabled() and req.supports_apl and bool(req.device_id)

    def _with_page(self, req: AlexaRequest, answer: dict[str, Any]) -> dict[str, Any]:
        """Add the screen page to a voice answer that starts a stream on an APL device."""
        if not self._shows_pages(req) or req.device_id is None:
            return answer
        plays = [
            directive
            for directive in answer["response"].get("directives", [])
            if directive["type"] == "AudioPlayer.Play"
        ]
        slot = (
            self._slots.by_audio_token(plays[0]["audioItem"]["stream"]["token"]) if plays else None
        )
        if slot is None:
            return answer
        now = self._now_playing(slot)
        page = self._pages.rendered(req.device_id, slot.key, now.revision, slot.relay_token)
        return responses.add_directives(answer, [apl.render(page.token, now)])

    def _page_slot(self, req: AlexaRequest) -> PlayerSlot | None:
        """Return the slot a page's Echo plays: by its audio token, pairing, or its page."""
        slot = self._slots.by_audio_token(req.player_token)
        if slot is None and req.device_id:
            slot = self._slots.paired_slot(req.device_id)
            page = self._pages.get(req.device_id)
            if slot is None and page is not None:
                slot = self._slots.get(page.player)
        return slot

    async def _user_event(self, req: AlexaRequest) -> dict[str, Any]:
        """Answer a page's buttons and refresh ticks, never with speech."""
        if not self._shows_pages(req) or req.device_id is None:
            return responses.empty()
        slot = self._page_slot(req)
        page = None
        if slot is not None:
            # Only a page that shows one of our players counts as live for it.
            page = self._pages.seen(req.device_id, req.apl_token, slot.key, slot.relay_token)
        match req.event_name:
            case apl.EVENT_REFRESH:
                return self._refresh(req, page, slot) if page and slot else responses.empty()
            case name if name in PAGE_BUTTONS:
                return await self._forward(req, PAGE_BUTTONS[name], spoken=False)
            case apl.EVENT_PLAYPAUSE:
                if req.player_activity == PlayerActivity.PLAYING:
                    self._report(req, Transport.PAUSE)
                    return self._stop(req)
                self._report(req, Transport.RESUME)
                return self._resume(req, spoken=False)
            case other:
                _LOGGER.debug("Ignoring page event %r", other)
                return responses.empty()

    def _refresh(self, req: AlexaRequest, page: ScreenPage, slot: PlayerSlot) -> dict[str, Any]:
        """Deliver what a page owes: a new stream, MA's pause/resume, new metadata (limited)."""
        command = self._pages.take_command(page)
        answer = responses.empty()
        if slot.relay_token != page.relay_token and slot.page_handoff:
            # MA pushed a new stream and skipped its spoken trigger because the page is live.
            # Without canSkipSpeech MA speaks instead, and that request plays the stream.
            if req.device_id and self._slots.paired_slot(req.device_id) is slot:
                self._slots.slot_for_device(req.device_id)
            answer = self._play(req, slot, 0, spoken=False)
        elif command is PageCommand.PAUSE:
            answer = self._stop(req)
        elif command is PageCommand.RESUME:
            answer = self._play(req, slot, slot.offset_ms, spoken=False)
        now = self._now_playing(slot)
        shown = req.arguments[1] if len(req.arguments) > 1 else page.shown
        if shown != now.revision and self._pages.may_update(page):
            self._pages.updated(page, now.revision)
            answer = responses.add_directives(answer, [apl.update(page.token, now)])
        return answer

    def _audio_event(self, req: AlexaRequest) -> dict[str, Any]:
        """Record what the Echo's player did; answer only with what Alexa allows."""
        slot = self._slots.by_audio_token(req.token)
        if slot is None:
            _LOGGER.debug("%s for an unknown or replaced token", req.type)
            return responses.empty()
        match req.type:
            case "AudioPlayer.PlaybackStarted":
                slot.play_failures = 0
                self._slots.record(slot, PlayerActivity.PLAYING, req.offset_ms)
            case "AudioPlayer.PlaybackStopped":
                self._slots.record(slot, PlayerActivity.STOPPED, req.offset_ms)
            case "AudioPlayer.PlaybackFinished":
                self._slots.record(slot, PlayerActivity.FINISHED, req.offset_ms)
            case "AudioPlayer.PlaybackFailed":
                return self._failed(req, slot)
            case _:
                pass
        return responses.empty()

    def _failed(self, req: AlexaRequest, slot: PlayerSlot) -> dict[str, Any]:
        """Retry a failed stream once, then stop and say why in the log."""
        if slot.play_failures < MAX_PLAY_RETRIES:
            slot.play_failures += 1
            _LOGGER.warning(
                "Echo could not play player %r (%s: %s); retrying once",
                slot.key or "(default)",
                req.error_type,
                req.error_message,
            )
            return self._play(req, slot, slot.offset_ms, spoken=False)
        slot.play_failures = 0
        self._slots.record(slot, PlayerActivity.STOPPED, None)
        _LOGGER.error(
            "Echo could not play player %r after a retry: %s: %s. Check that "
            "the public address serves /stream over HTTPS with a trusted certificate",
            slot.key or "(default)",
            req.error_type,
            req.error_message,
        )
        return responses.stop()

    async def _controller(self, req: AlexaRequest) -> dict[str, Any]:
        """Answer the Echo's buttons with AudioPlayer directives only (never speech)."""
        if not req.supports_audio:
            return responses.empty()
        match req.type:
            case "PlaybackController.PlayCommandIssued":
                self._report(req, Transport.RESUME)
                return self._resume(req, spoken=False)
            case "PlaybackController.PauseCommandIssued":
                self._report(req, Transport.PAUSE)
                return self._stop(req)
            case kind if kind in TRANSPORT_BUTTONS:
                return await self._forward(req, TRANSPORT_BUTTONS[kind], spoken=False)
            case _:
                return responses.empty()
