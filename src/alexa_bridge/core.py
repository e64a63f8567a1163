"""BridgeCore: the one object every component receives (config, session, tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import contextlib
import logging
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from .alexa.certificates import CertificateChains
from .alexa.locales import SkillLocales
from .alexa.skill import SkillHandler
from .alexa.trust import load_system_roots
from .alexa.verifier import SkillRequestVerifier
from .amazon import AmazonAccount
from .announce.mdns import MdnsAnnouncer
from .announce.supervisor import SupervisorDiscovery
from .clients.music_assistant import MusicAssistantClient
from .config.options import Options
from .const import DEFAULT_MA_URL, LOOPBACK_HOSTS, SHUTDOWN_TIMEOUT, VERSION
from .helpers.csrf import CsrfGuard
from .helpers.files import remove_stale_temp_files
from .music_assistant import MusicAssistantLink, ProviderFix, ProviderSettings
from .panel.activity import ActivityLog
from .panel.home_assistant import HomeAssistantLink
from .panel.public_address import PublicCheck
from .panel.strings import PanelStrings
from .playback.ma_commands import MusicAssistantTransport
from .playback.screens import ScreenPages
from .playback.slots import SlotRegistry
from .playback.test_play import TestPlays
from .smapi import SkillProvisioning
from .state.settings import BridgeSettings

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")


class BridgeCore:
    """Own the shared state and components; nothing else is global."""

    def __init__(
        self,
        options: Options,
        data_dir: Path,
        *,
        supervised: bool = False,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """Keep the options; components are created in `setup()`."""
        self.options = options
        self.data_dir = data_dir
        self.supervised = supervised
        self.version = VERSION
        self._session = session
        self._own_session = session is None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._settings: BridgeSettings | None = None
        self._slots: SlotRegistry | None = None
        self._verifier: SkillRequestVerifier | None = None
        self._skill: SkillHandler | None = None
        self._music_assistant: MusicAssistantClient | None = None
        self._ma_link: MusicAssistantLink | None = None
        self._ma_provider: ProviderFix | None = None
        self._locales: SkillLocales | None = None
        self._discovery: SupervisorDiscovery | None = None
        self._mdns: MdnsAnnouncer | None = None
        self._amazon: AmazonAccount | None = None
        self._panel_strings: PanelStrings | None = None
        self._provisioning: SkillProvisioning | None = None
        self.activity = ActivityLog()
        self.csrf = CsrfGuard()
        self.test_plays = TestPlays(self)
        self.screens = ScreenPages()
        self.public_check: PublicCheck | None = None
        self.home_assistant: HomeAssistantLink | None = None  # reported by the integration
        self.bound_ports: dict[str, int] = {}

    @property
    def amazon(self) -> AmazonAccount:
        """Return the Amazon account (sign-in, Echo devices, text commands)."""
        if self._amazon is None:
            raise RuntimeError("BridgeCore.amazon used before setup()")
        return self._amazon

    @property
    def panel_strings(self) -> PanelStrings:
        """Return the panel's strings in every shipped language."""
        if self._panel_strings is None:
            raise RuntimeError("BridgeCore.panel_strings used before setup()")
        return self._panel_strings

    @property
    def provisioning(self) -> SkillProvisioning:
        """Return skill provisioning (developer authorization, SMAPI runs, self-test)."""
        if self._provisioning is None:
            raise RuntimeError("BridgeCore.provisioning used before setup()")
        return self._provisioning

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the shared HTTP client session."""
        if self._session is None:
            raise RuntimeError("BridgeCore.session used before setup()")
        return self._session

    @property
    def settings(self) -> BridgeSettings:
        """Return the bridge's persisted identity and skill id."""
        if self._settings is None:
            raise RuntimeError("BridgeCore.settings used before setup()")
        return self._settings

    @property
    def slots(self) -> SlotRegistry:
        """Return the player slots."""
        if self._slots is None:
            raise RuntimeError("BridgeCore.slots used before setup()")
        return self._slots

    @property
    def verifier(self) -> SkillRequestVerifier:
        """Return the Alexa request verifier."""
        if self._verifier is None:
            raise RuntimeError("BridgeCore.verifier used before setup()")
        return self._verifier

    @property
    def skill(self) -> SkillHandler:
        """Return the skill request handler."""
        if self._skill is None:
            raise RuntimeError("BridgeCore.skill used before setup()")
        return self._skill

    @property
    def ma_link(self) -> MusicAssistantLink:
        """Return what Music Assistant's calls showed (reached, generation, pushes)."""
        if self._ma_link is None:
            raise RuntimeError("BridgeCore.ma_link used before setup()")
        return self._ma_link

    @property
    def ma_provider(self) -> ProviderFix:
        """Return the check and fix of MA's Alexa provider settings."""
        if self._ma_provider is None:
            raise RuntimeError("BridgeCore.ma_provider used before setup()")
        return self._ma_provider

    @property
    def ma_url(self) -> str:
        """Return MA's address: an option set by hand, else the panel's, else the default."""
        if self.options.ma_url != DEFAULT_MA_URL:
            return self.options.ma_url
        return self.settings.ma_url or self.options.ma_url

    @property
    def ma_token(self) -> str | None:
        """Return MA's long-lived token: the option wins over the panel's."""
        return self.options.ma_token or self.settings.ma_token

    @property
    def ma_api_url(self) -> str:
        """Return the address MA's Alexa provider should call (its `api_url`)."""
        port = self.bound_ports.get("ma", self.options.ma_api_port)
        host = self.options.ma_api_host
        if host is None or host in LOOPBACK_HOSTS or host in ("0.0.0.0", "::"):  # noqa: S104
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def provider_settings(self) -> ProviderSettings:
        """Return what MA's Alexa provider should hold to reach this bridge."""
        options = self.options
        if options.api_auth_enabled:
            return ProviderSettings(self.ma_api_url, options.api_username, options.api_password)
        return ProviderSettings(self.ma_api_url)

    @property
    def locales(self) -> SkillLocales:
        """Return the skill's per-locale data."""
        if self._locales is None:
            raise RuntimeError("BridgeCore.locales used before setup()")
        return self._locales

    @property
    def discovery(self) -> SupervisorDiscovery:
        """Return the Supervisor discovery announcer."""
        if self._discovery is None:
            raise RuntimeError("BridgeCore.discovery used before setup()")
        return self._discovery

    @property
    def mdns(self) -> MdnsAnnouncer:
        """Return the mDNS announcer."""
        if self._mdns is None:
            raise RuntimeError("BridgeCore.mdns used before setup()")
        return self._mdns

    @property
    def skill_id(self) -> str | None:
        """Return the skill id to accept: the option wins over the provisioned one."""
        return self.options.skill_id or self.settings.skill_id

    @property
    def public_url(self) -> str | None:
        """Return the public https address: the add-on option wins over the panel's."""
        return self.options.public_url or self.settings.public_url

    async def setup(self) -> None:
        """Prepare the data directory and every component."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._prepare_data_dir)
        if self._session is None:
            # Every relay holds one connection for as long as an Echo plays: no pool cap
            # that a busy household could exhaust (and so stall certificate fetches).
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self._settings = BridgeSettings(self.data_dir)
        await self._settings.setup()
        self._slots = SlotRegistry(self)
        await self._slots.setup()
        self._locales = await loop.run_in_executor(None, SkillLocales, self.options.locale)
        roots = await loop.run_in_executor(None, load_system_roots)
        self._verifier = SkillRequestVerifier(
            CertificateChains(self.session, roots), lambda: self.skill_id
        )
        self._music_assistant = MusicAssistantClient(
            self.session, lambda: self.ma_url, lambda: self.ma_token
        )
        self._ma_provider = ProviderFix(self._music_assistant, self.provider_settings)
        self._ma_link = MusicAssistantLink(self)
        await self._ma_link.setup()
        self._skill = SkillHandler(
            self.slots,
            self.locales,
            lambda: self.public_url,
            MusicAssistantTransport(self._music_assistant),
            self.create_task,
            pages=self.screens,
            apl_enabled=lambda: self.options.enable_apl,
        )
        self._panel_strings = await loop.run_in_executor(None, PanelStrings)
        self._discovery = SupervisorDiscovery(self)
        self._mdns = MdnsAnnouncer(self)
        self._amazon = AmazonAccount(self)
        await self._amazon.setup()
        self._provisioning = SkillProvisioning(self)
        await self._provisioning.setup()
        if self.skill_id is None:
            _LOGGER.warning(
                "No skill id yet: Alexa requests are refused until the skill is "
                "provisioned in the panel or the skill_id option is set"
            )

    def _prepare_data_dir(self) -> None:
        """Create the data directory (private) and clear half-written files."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        remove_stale_temp_files(self.data_dir)

    async def set_music_assistant(self, url: str | None, token: str | None) -> None:
        """Store MA's address and token from the panel; the next command reconnects."""
        await self.settings.set_music_assistant(url, token)
        if self._music_assistant is not None:
            await self._music_assistant.close()

    async def announce(self, ma_api_port: int) -> None:
        """Announce the MA API (Supervisor discovery, mDNS) once the listeners are up."""
        await self.discovery.setup(ma_api_port)
        await self.mdns.setup(ma_api_port)

    async def refresh_announcements(self) -> None:
        """Re-announce after the skill id changed (provisioning calls this)."""
        await self.discovery.refresh()
        await self.mdns.refresh()

    async def withdraw(self) -> None:
        """Stop announcing, before the listeners close."""
        if self._mdns is not None:
            await self._mdns.close()
        if self._discovery is not None:
            await self._discovery.close()

    def create_task(
        self, coro: Coroutine[Any, Any, _T], *, name: str | None = None
    ) -> asyncio.Task[_T]:
        """Start a tracked task: logged when it fails, cancelled on close."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        """Forget a finished task and log its failure."""
        self._tasks.discard(task)
        if task.cancelled():
            return
        if (err := task.exception()) is not None:
            _LOGGER.error("Task %s failed: %s", task.get_name(), err)
            _LOGGER.debug("Task failure details", exc_info=err)

    async def close(self) -> None:
        """Cancel tasks, flush state and close the session."""
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(pending, timeout=SHUTDOWN_TIMEOUT / 2)
        if self._music_assistant is not None:
            await self._music_assistant.close()
        if self._slots is not None:
            await self._slots.close()
        if self._amazon is not None:
            await self._amazon.close()
        if self._provisioning is not None:
            await self._provisioning.close()
        if self._session is not None and self._own_session:
            await self._session.close()
