"""AmazonAccount: sign-in, the stored session, the Echo list and text commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from alexapy.secureauth import DeviceCredentials

from ..const import DEFAULT_LOCALE
from .backoff import Backoff
from .classic import ClassicSignIn
from .const import (
    BACKOFF_ATTEMPTS,
    BACKOFF_MAX_INLINE_WAIT,
    DEVICES_CACHE_SECONDS,
    DOMAIN_LOCALES,
    DOMAINS,
    KEEPALIVE_INTERVAL,
    KEEPALIVE_RETRY,
    METHOD_CLASSIC,
    METHOD_ENROLLMENT,
    REQUEST_TIMEOUT,
)
from .devices import parse_devices, text_command_sequence
from .enrollment import EnrollmentAttempt
from .errors import (
    AmazonAuthError,
    AmazonConnectionError,
    AmazonInputError,
    AmazonNotSignedInError,
    AmazonRateLimitedError,
)
from .models import AccountState, AccountStatus, ClassicStep, ClassicStepKind, EchoDevice
from .otp import current_otp_code, validate_otp_key
from .storage import AccountStore
from .web import AlexaWebSession

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

MESSAGE_SIGNED_OUT = (
    "Not signed in. Choose your Amazon country and sign in through Amazon's page (recommended)"
)


def _now() -> dt.datetime:
    """Return the current time, for the state's `since`."""
    return dt.datetime.now(dt.UTC)


class AmazonAccount:
    """The bridge's Amazon account: one session, kept alive, never calling Amazon needlessly."""

    def __init__(
        self,
        core: BridgeCore,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Bind to the core; `clock` and `sleep` time the back-off and the enrollment window."""
        self._core = core
        self._clock = clock
        self._sleep = sleep
        self._store = AccountStore(core.data_dir)
        self._state = AccountState(AccountStatus.SIGNED_OUT, None, None, MESSAGE_SIGNED_OUT, _now())
        self._http: aiohttp.ClientSession | None = None
        self._web: AlexaWebSession | None = None
        self._enrollment: EnrollmentAttempt | None = None
        self._classic: ClassicSignIn | None = None
        self._backoff = Backoff(clock)
        self._call_lock = asyncio.Lock()
        self._devices_lock = asyncio.Lock()
        self._devices: list[EchoDevice] | None = None
        self._devices_at = 0.0
        self._keepalive: asyncio.Task[None] | None = None
        self._dead = False  # Amazon refused the stored credentials for good

    @property
    def state(self) -> AccountState:
        """Return where the sign-in stands, with what to do next."""
        return self._state

    async def setup(self) -> None:
        """Load the stored session and keep it alive in the background."""
        # Our own cookie-less session on the core's connector: same resolver, TLS and pool,
        # but Amazon's cookies never land in the shared jar.
        self._http = aiohttp.ClientSession(
            connector=self._core.session.connector,
            connector_owner=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        await self._store.load()
        credentials = self._store.credentials
        if credentials is not None:
            self._web = AlexaWebSession(self._http, credentials, self._clock)
            self._set_state(
                AccountStatus.SIGNED_IN,
                credentials.domain,
                self._store.method,
                f"Signed in to {credentials.domain}",
            )
        self._keepalive = self._core.create_task(
            self._keep_session(check_now=credentials is not None), name="amazon-keepalive"
        )

    async def close(self) -> None:
        """Stop the upkeep and drop any half-done sign-in."""
        if self._keepalive is not None:
            self._keepalive.cancel()
        await self._drop_classic()
        self._enrollment = None
        if self._http is not None:
            await self._http.close()

    # Secure enrollment (recommended).

    async def start_enrollment(self, domain: str) -> str:
        """Start a sign-in through Amazon's page; return the address to open in a new tab."""
        domain = self._check_domain(domain)
        attempt = EnrollmentAttempt(domain, self._clock())
        await self._drop_classic()
        self._enrollment = attempt
        self._set_state(
            AccountStatus.SIGNING_IN,
            domain,
            METHOD_ENROLLMENT,
            "Sign in on Amazon's page in the new tab (with any code or approval Amazon asks "
            "for). When a blank page appears, copy its whole address and paste it here "
            "within 5 minutes",
        )
        return attempt.sign_in_url

    async def finish_enrollment(self, pasted_url: str) -> AccountState:
        """Check the pasted maplanding address, register the device and store its credentials."""
        attempt = self._enrollment
        if attempt is None:
            raise AmazonInputError(
                "Start the sign-in first: press the sign-in button and use the page it opens"
            )
        try:
            code = attempt.code_from(pasted_url, self._clock())
        except AmazonInputError:
            if attempt.expired(self._clock()):
                self._abandon_sign_in()
            raise
        try:
            credentials = await attempt.register(self._require_http(), code)
        except AmazonInputError:
            self._abandon_sign_in()  # Amazon codes work once; a new attempt is needed
            raise
        self._enrollment = None
        await self._signed_in(METHOD_ENROLLMENT, credentials)
        return self._state

    # Classic sign-in (email, password, authenticator key).

    def validate_otp_key(self, key: str) -> str:
        """Return the authenticator key normalised, or raise AmazonInputError saying why."""
        return validate_otp_key(key)

    def current_otp_code(self, key: str) -> str:
        """Return the code the key gives now, to compare with the authenticator app."""
        return current_otp_code(key)

    async def classic_login(
        self, domain: str, email: str, password: str, otp_key: str
    ) -> ClassicStep:
        """Start the classic sign-in; return what Amazon wants next."""
        domain = self._check_domain(domain)
        email = email.strip()
        if not email:
            raise AmazonInputError("Enter the email address or phone number of the Amazon account")
        if not password:
            raise AmazonInputError("Enter the Amazon account's password")
        key = validate_otp_key(otp_key) if otp_key.strip() else ""
        await self._drop_classic()
        self._enrollment = None
        folder = await self._store.prepare_classic_dir()
        self._classic = ClassicSignIn(domain, email, password, key, folder)
        self._set_state(AccountStatus.SIGNING_IN, domain, METHOD_CLASSIC, "Signing in to Amazon")
        return await self._classic_result(await self._classic.start())

    async def classic_continue(self, answer: dict[str, Any]) -> ClassicStep:
        """Answer Amazon's step: `captcha`, `code` or `choice` keys; `{}` after approving."""
        if self._classic is None:
            raise AmazonInputError("No classic sign-in is waiting; start the sign-in again")
        return await self._classic_result(await self._classic.answer(answer))

    async def _classic_result(self, step: ClassicStep) -> ClassicStep:
        """Finish, fail or wait according to the step Amazon answered with."""
        classic = self._classic
        if classic is None:  # pragma: no cover - the callers just set it
            return step
        if step.kind is ClassicStepKind.DONE:
            credentials = classic.credentials()
            await self._store.protect_classic_files()
            await self._drop_classic()
            if credentials is None:
                self._abandon_sign_in()
                return ClassicStep(
                    ClassicStepKind.FAILED,
                    "Amazon signed in but registered no device; use the recommended sign-in "
                    "through Amazon's page",
                )
            await self._signed_in(METHOD_CLASSIC, credentials)
        elif step.kind is ClassicStepKind.FAILED:
            await self._drop_classic()
            self._abandon_sign_in()
        else:
            self._set_state(AccountStatus.SIGNING_IN, classic.domain, METHOD_CLASSIC, step.message)
        return step

    async def _drop_classic(self) -> None:
        """Close a classic sign-in in progress (its password and key go with it)."""
        classic, self._classic = self._classic, None
        if classic is not None:
            await classic.close()

    # The signed-in account.

    async def devices(self, *, refresh: bool = False) -> list[EchoDevice]:
        """Return the account's devices, cached briefly; stale ones while Amazon says 429."""
        async with self._devices_lock:
            fresh = self._clock() - self._devices_at < DEVICES_CACHE_SECONDS
            if self._devices is not None and fresh and not refresh:
                return list(self._devices)
            try:
                raw = await self._call(lambda web: web.get_devices())
            except AmazonRateLimitedError:
                if self._devices is not None:
                    return list(self._devices)
                raise
            self._devices = parse_devices(raw)
            self._devices_at = self._clock()
            return list(self._devices)

    async def run_text_command(self, serial: str, text: str, *, locale: str | None = None) -> None:
        """Make the Echo with `serial` act as if `text` had been spoken to it."""
        text = text.strip()
        if not text:
            raise AmazonInputError("The text to say is empty")
        device = await self._find_device(serial)
        web = self._require_web()
        sequence = text_command_sequence(
            device,
            text,
            locale or DOMAIN_LOCALES.get(web.domain, DEFAULT_LOCALE),
            web.credentials.customer_id,
        )
        _LOGGER.debug("Text command to %s (%s)", device.name, device.serial)
        await self._call(lambda session: session.run_behavior(sequence))

    async def _find_device(self, serial: str) -> EchoDevice:
        """Return the device with `serial`, reloading the list once when it is unknown."""
        for refresh in (False, True):
            for device in await self.devices(refresh=refresh):
                if device.serial == serial:
                    return device
        raise AmazonInputError(f"No device with serial {serial} is on this Amazon account")

    async def sign_out(self) -> None:
        """Forget the session and delete every stored credential file."""
        self._enrollment = None
        await self._drop_classic()
        web, self._web = self._web, None
        if web is not None and self._http is not None:
            await web.deregister()
        await self._store.delete()
        self._devices = None
        self._devices_at = 0.0
        self._backoff.succeeded()
        self._dead = False
        self._set_state(
            AccountStatus.SIGNED_OUT,
            None,
            None,
            "Signed out; every stored Amazon credential was deleted. Sign in again to use "
            "the Echo devices",
        )
        _LOGGER.info("Signed out of Amazon; stored credentials deleted")

    # Internals.

    async def _call(self, operation: Callable[[AlexaWebSession], Awaitable[_T]]) -> _T:
        """Run one Amazon call with back-off on 429 and expiry on a terminal refusal."""
        web = self._require_web()
        async with self._call_lock:
            for _ in range(BACKOFF_ATTEMPTS):
                wait = self._backoff.remaining()
                if wait > BACKOFF_MAX_INLINE_WAIT:
                    raise AmazonRateLimitedError(wait)
                if wait > 0:
                    await self._sleep(wait)
                try:
                    result = await operation(web)
                except AmazonRateLimitedError as err:
                    delay = self._backoff.refused(err.retry_after)
                    _LOGGER.warning(
                        "Amazon asked the bridge to slow down (HTTP 429); next call in %.0f s",
                        delay,
                    )
                    continue
                except AmazonAuthError as err:
                    self._expire(str(err))
                    raise AmazonAuthError(
                        f"Amazon ended the session for {web.domain}: sign in again "
                        "(Setup, Amazon account)"
                    ) from None
                self._backoff.succeeded()
                return result
            raise AmazonRateLimitedError(self._backoff.remaining())

    async def _keep_session(self, *, check_now: bool) -> None:
        """Renew the session's cookies every few hours, so an expiry shows early."""
        delay = 0.0 if check_now else KEEPALIVE_INTERVAL
        while True:
            await asyncio.sleep(delay)
            delay = KEEPALIVE_INTERVAL
            if self._web is None or self._state.status is not AccountStatus.SIGNED_IN:
                continue
            try:
                await self._call(lambda web: web.mint())
            except AmazonAuthError:
                continue
            except (AmazonConnectionError, AmazonRateLimitedError) as err:
                _LOGGER.warning(
                    "Could not renew the Amazon session (%s); trying again in %.0f minutes",
                    err,
                    KEEPALIVE_RETRY / 60,
                )
                delay = KEEPALIVE_RETRY

    async def _signed_in(self, method: str, credentials: DeviceCredentials) -> None:
        """Store new credentials and make them the live session."""
        await self._store.store(method, credentials)
        self._web = AlexaWebSession(self._require_http(), credentials, self._clock)
        self._devices = None
        self._devices_at = 0.0
        self._backoff.succeeded()
        self._dead = False
        self._set_state(
            AccountStatus.SIGNED_IN,
            credentials.domain,
            method,
            f"Signed in to {credentials.domain}",
        )
        _LOGGER.info("Signed in to Amazon (%s, %s sign-in)", credentials.domain, method)

    def _expire(self, reason: str) -> None:
        """Mark the session dead (logged once) so the panel offers to sign in again."""
        if self._dead:
            return
        self._dead = True
        self._devices = None
        self._set_expired_state()
        domain = self._state.domain
        _LOGGER.warning(
            "The Amazon session for %s has expired (%s); sign in again in the panel",
            domain,
            reason,
        )

    def _abandon_sign_in(self) -> None:
        """Return to the state the stored session gives, after a sign-in attempt ended."""
        self._enrollment = None
        credentials = self._store.credentials
        if credentials is None:
            self._set_state(AccountStatus.SIGNED_OUT, None, None, MESSAGE_SIGNED_OUT)
        elif self._dead:
            self._set_expired_state()
        else:
            self._set_state(
                AccountStatus.SIGNED_IN,
                credentials.domain,
                self._store.method,
                f"Signed in to {credentials.domain}",
            )

    def _set_expired_state(self) -> None:
        """Say that the stored session is dead and what to do."""
        domain = self._store.domain
        self._set_state(
            AccountStatus.EXPIRED,
            domain,
            self._store.method,
            f"Amazon ended the session for {domain}: sign in again (Setup, Amazon account)",
        )

    def _set_state(
        self, status: AccountStatus, domain: str | None, method: str | None, message: str
    ) -> None:
        """Replace the state; `since` changes only when the status does."""
        since = self._state.since if status is self._state.status else _now()
        self._state = AccountState(status, domain, method, message, since)

    def _check_domain(self, domain: str) -> str:
        """Return the country domain normalised, or raise AmazonInputError."""
        normal = domain.strip().lower().removeprefix("https://").removeprefix("www.").rstrip("/")
        if normal not in DOMAINS:
            raise AmazonInputError(
                f"Unknown Amazon country domain {domain!r}; choose one of {', '.join(DOMAINS)}"
            )
        return normal

    def _require_http(self) -> aiohttp.ClientSession:
        """Return the HTTP session for Amazon calls."""
        if self._http is None:
            raise RuntimeError("AmazonAccount used before setup()")
        return self._http

    def _require_web(self) -> AlexaWebSession:
        """Return the live session, or raise an error that says how to get one."""
        if self._dead:
            raise AmazonAuthError(
                f"Amazon ended the session for {self._store.domain}: sign in again "
                "(Setup, Amazon account)"
            )
        if self._web is None:
            raise AmazonNotSignedInError("Sign in to Amazon first (Setup, Amazon account)")
        return self._web
