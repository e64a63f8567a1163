"""SkillProvisioning: the component the core owns; the panel's one door to provisioning."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import voluptuous as vol

from ..config.validate import public_url as validate_public_url
from ..const import SKILL_LOCALES
from .checks import SkillChecks
from .const import (
    CALLBACK_PATH,
    LWA_URL,
    PASTE_RETURN_URL,
    SMAPI_URL,
    CertificateType,
    DeveloperStatus,
    RunState,
)
from .errors import DeveloperAuthError, ProvisioningError, ProvisioningInputError
from .manifest import SkillChoices, build_manifest, fingerprint
from .models import LastRun
from .oauth import DeveloperAuthorization, PendingAuthorization, exchange_code, parse_pasted
from .progress import Level, ProgressLog
from .selftest import SelfTest, SelfTestResult
from .skill_sync import Provisioner, RunResult
from .store import DeveloperStore, SkillStore

if TYPE_CHECKING:
    from ..core import BridgeCore
    from .sdk_client import Sleep, SmapiClient  # the SDK loads when provisioning first runs

_LOGGER = logging.getLogger(__name__)

CLIENT_ID_PREFIX = "amzn1.application-oa2-client."
PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
MAX_PEM = 20_000


def check_certificate_pem(pem: str) -> None:
    """Raise ProvisioningInputError unless `pem` holds certificates that parse."""
    if len(pem) > MAX_PEM:
        raise ProvisioningInputError(
            f"The certificate text is {len(pem)} characters long; paste only the certificate "
            f"(at most {MAX_PEM} characters)",
            field="certificate",
        )
    # cryptography is loaded with the first certificate, not at start (idle memory).
    from cryptography import x509  # noqa: PLC0415

    try:
        x509.load_pem_x509_certificates(pem.encode("utf-8", "replace"))
    except ValueError:
        raise ProvisioningInputError(
            "The certificate text is not a PEM certificate that can be read: paste the whole "
            f"certificate file, from {PEM_BEGIN} to -----END CERTIFICATE-----",
            field="certificate",
        ) from None


class SkillProvisioning:
    """Hold developer authorization, the skill choices, runs, self-tests and status checks."""

    def __init__(self, core: BridgeCore, *, sleep: Sleep = asyncio.sleep) -> None:
        """Bind the stores to the data directory; load them in `setup()`."""
        self.core = core
        self.sleep = sleep  # replaceable, so tests need not wait for Amazon's backoff
        self.developer = DeveloperStore(core.data_dir)
        self.skill = SkillStore(core.data_dir)
        self.authorization = DeveloperAuthorization()
        self.progress = ProgressLog()
        self.checks = SkillChecks(self._start_check, self._auth_failed)
        self._task: asyncio.Task[Any] | None = None
        self._logging_retries = False  # only a run's retries belong in its progress log
        self.last_result: RunResult | None = None

    async def setup(self) -> None:
        """Load the stored credentials and choices."""
        await self.developer.load()
        await self.skill.load()

    async def close(self) -> None:
        """Nothing to flush: every change is saved when it happens."""

    # Endpoints -------------------------------------------------------------

    @property
    def smapi_url(self) -> str:
        """Return the SMAPI base URL (a hidden option can point at a staging endpoint)."""
        return self.core.options.smapi_url or SMAPI_URL

    @property
    def lwa_url(self) -> str:
        """Return the Login with Amazon token endpoint's base URL."""
        return self.core.options.lwa_url or LWA_URL

    @property
    def callback_url(self) -> str | None:
        """Return the public callback address Amazon may return to, once there is one."""
        url = self.core.public_url
        return f"{url}{CALLBACK_PATH}" if url else None

    def client(self) -> SmapiClient | None:
        """Return a SMAPI client when the developer authorization is complete."""
        dev = self.developer
        if dev.status != DeveloperStatus.AUTHORIZED:
            return None
        if not (dev.client_id and dev.client_secret and dev.refresh_token):
            return None
        from .sdk_client import Credentials, SmapiClient  # noqa: PLC0415 - the SDK on first use

        credentials = Credentials(dev.client_id, dev.client_secret, dev.refresh_token)
        return SmapiClient(
            credentials,
            smapi_url=self.smapi_url,
            lwa_url=self.lwa_url,
            sleep=self.sleep,
            on_retry=self._retrying,
        )

    def _retrying(self, operation: str, status: int, delay: float) -> None:
        """Show a retry in the live progress (only while a run is under way)."""
        if self._logging_retries:
            self.progress.add(
                "retry",
                f"Amazon answered {status} to {operation}; retrying in {delay:.0f} s",
                Level.WARN,
            )

    # Developer authorization ---------------------------------------------

    async def save_client(self, client_id: str, client_secret: str) -> None:
        """Store the security profile's client id and secret."""
        client_id, client_secret = client_id.strip(), client_secret.strip()
        if not client_id.startswith(CLIENT_ID_PREFIX) or len(client_id) <= len(CLIENT_ID_PREFIX):
            raise ProvisioningInputError(
                f"The client id starts with {CLIENT_ID_PREFIX}: copy it from the security "
                "profile's Web Settings",
                field="client_id",
            )
        if not client_secret or any(ch.isspace() for ch in client_secret):
            raise ProvisioningInputError(
                "Paste the client secret from the same Web Settings page", field="client_secret"
            )
        await self.developer.set_client(client_id, client_secret)
        self.authorization.clear()

    def start_authorization(self, *, via_callback: bool) -> PendingAuthorization:
        """Start an authorization that returns to the public callback or to a pasteable page."""
        client_id = self.developer.client_id
        if not client_id:
            raise ProvisioningInputError("Save the client id and secret first")
        redirect = self.callback_url if via_callback else PASTE_RETURN_URL
        if redirect is None:
            raise ProvisioningInputError(
                "There is no public address yet: use the option that pastes the address"
            )
        return self.authorization.start(client_id, redirect)

    async def finish_authorization(self, code: str, state: str | None) -> None:
        """Redeem Amazon's code for a refresh token (state checked when present)."""
        dev = self.developer
        pending = self.authorization.claim(state)
        if not (dev.client_id and dev.client_secret):
            raise ProvisioningInputError("Save the client id and secret first")
        answer = await exchange_code(
            self.core.session,
            self.lwa_url,
            code=code,
            redirect_uri=pending.redirect_uri,
            client_id=dev.client_id,
            client_secret=dev.client_secret,
        )
        await dev.set_token(answer.refresh_token, time.time())
        self.checks.invalidate()
        _LOGGER.info("Developer authorization stored")

    async def finish_pasted(self, text: str) -> None:
        """Finish an authorization from a pasted return address or code."""
        code, state = parse_pasted(text)
        await self.finish_authorization(code, state)

    async def forget(self) -> None:
        """Remove the refresh token and the security profile."""
        self.authorization.clear()
        await self.developer.forget()
        self.checks.invalidate()

    async def _auth_failed(self, message: str) -> None:
        """Turn the step red: Amazon refused the stored authorization."""
        _LOGGER.warning("Developer authorization refused by Amazon: %s", message)
        await self.developer.mark_revoked(message)

    # Skill choices ---------------------------------------------------------

    @property
    def locales(self) -> tuple[str, ...]:
        """Return the chosen locales (default: the configured Home Assistant language)."""
        chosen = self.skill.data["locales"]
        return tuple(chosen) if chosen else (self.core.locales.default.locale,)

    @property
    def certificate_type(self) -> CertificateType:
        """Return the chosen certificate type."""
        return CertificateType(self.skill.data["certificate_type"])

    @property
    def display(self) -> bool:
        """Return whether display (APL) support is on: chosen here, or by the enable_apl option."""
        return bool(self.skill.data["display"]) or self.core.options.enable_apl

    async def save_choices(
        self,
        locales: list[str],
        certificate_type: str,
        *,
        display: bool = False,
        certificate: str | None = None,
    ) -> None:
        """Store the locales, certificate type, display support and certificate."""
        picked = [code for code in SKILL_LOCALES if code in set(locales)]
        if not picked or len(picked) != len(set(locales)):
            raise ProvisioningInputError(
                "Choose at least one of the listed languages", field="locales"
            )
        try:
            kind = CertificateType(certificate_type)
        except ValueError:
            raise ProvisioningInputError(
                f"Unknown certificate type {certificate_type[:40]!r}", field="certificate_type"
            ) from None
        pem = (certificate or "").strip() or None
        if kind == CertificateType.SELF_SIGNED:
            pem = pem or self.skill.data["ssl_certificate"]
            if not pem or not pem.startswith(PEM_BEGIN):
                raise ProvisioningInputError(
                    "A self-signed certificate needs its PEM text (starting with "
                    f"{PEM_BEGIN}); Alexa will not play streams from it, only answer requests",
                    field="certificate",
                )
            check_certificate_pem(pem)
        self.skill.data.update(
            locales=picked, certificate_type=kind.value, display=display, ssl_certificate=pem
        )
        await self.skill.save()

    def choices(self) -> SkillChoices:
        """Return what the manifest needs now, or say what is missing."""
        url = self.core.public_url
        if url is None:
            raise ProvisioningInputError("Enter the public address (step 2, Public address) first")
        try:
            validate_public_url(url)
        except vol.Invalid as err:
            raise ProvisioningInputError(f"The public address {err.msg}") from None
        return SkillChoices(url, self.locales, self.certificate_type, self.display)

    def _rooms(self) -> tuple[str, ...]:
        """Return the room names the models were last built with (MA's player names)."""
        return tuple(self.skill.applied["rooms"])

    def needs_update(self) -> bool:
        """Return whether the settings changed since the skill was last provisioned."""
        try:
            choices = self.choices()
        except ProvisioningInputError:
            return False
        applied = self.skill.applied
        if applied["manifest"] != fingerprint(build_manifest(choices, self.core.locales)):
            return True
        return any(
            applied["models"].get(code)
            != fingerprint(self.core.locales.get(code).interaction_model(self._rooms()))
            for code in choices.locales
        )

    # Runs ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Return whether a provisioning run or self-test is under way."""
        return self._task is not None and not self._task.done()

    @property
    def last_run(self) -> LastRun | None:
        """Return the stored outcome of the last provisioning run."""
        run: dict[str, Any] | None = self.skill.data["last_run"]
        return None if run is None else LastRun.from_dict(run)

    @property
    def self_test(self) -> dict[str, Any] | None:
        """Return the stored outcome of the last self-test."""
        test: dict[str, Any] | None = self.skill.data["self_test"]
        return test

    def _require_client(self) -> SmapiClient:
        """Return a client or say which step comes first."""
        client = self.client()
        if client is None:
            if self.developer.status == DeveloperStatus.REVOKED:
                raise ProvisioningInputError(
                    "Amazon refused the stored developer authorization: authorize again "
                    "(step 3, Developer authorization)"
                )
            raise ProvisioningInputError(
                "Authorize the bridge as a developer (step 3, Developer authorization) first"
            )
        return client

    def start_provisioning(self) -> None:
        """Check the preconditions, then provision in the background."""
        if self.running:
            raise ProvisioningInputError("Provisioning is already running")
        client = self._require_client()
        choices = self.choices()
        self._task = self.core.create_task(self.provision(client, choices), name="provision")

    async def provision(self, client: SmapiClient, choices: SkillChoices) -> RunResult | None:
        """Run provisioning once, recording progress and the outcome."""
        self.progress.clear()
        started = time.time()
        self.progress.add(
            "start", f"Provisioning for {choices.endpoint} in {', '.join(choices.locales)}"
        )
        await self._store_run(RunState.RUNNING, started)
        runner = Provisioner(self.core, self.skill, client, self.progress, sleep=self.sleep)
        result: RunResult | None = None
        self._logging_retries = True
        try:
            result = await runner.run(choices)
        except ProvisioningError as err:
            if isinstance(err.__cause__, DeveloperAuthError):
                await self._auth_failed(err.message)
            self.progress.add(err.step, f"{err.message}. {err.fix}", Level.ERROR)
            await self._store_run(RunState.FAILED, started, err, runner.result)
        except Exception as err:
            _LOGGER.exception("Provisioning failed unexpectedly")
            failure = ProvisioningError(
                "unexpected", str(err) or type(err).__name__, "Download the log and report it."
            )
            self.progress.add(failure.step, f"{failure.message}. {failure.fix}", Level.ERROR)
            await self._store_run(RunState.FAILED, started, failure, runner.result)
            raise
        else:
            self.last_result = result
            await self._store_run(RunState.SUCCEEDED, started, None, result)
        finally:
            self._logging_retries = False
            self.checks.invalidate()
            self.progress.add("end", "finished", Level.DONE)
        return result

    async def _store_run(
        self,
        state: RunState,
        started: float,
        error: ProvisioningError | None = None,
        result: RunResult | None = None,
    ) -> None:
        """Persist the run's outcome for the panel."""
        self.skill.data["last_run"] = LastRun(
            state=state,
            started=started,
            finished=None if state == RunState.RUNNING else time.time(),
            step=error.step if error else None,
            message=error.message if error else None,
            fix=error.fix if error else None,
            builds=dict(result.builds) if result else {},
        ).as_dict()
        await self.skill.save()

    def start_self_test(self, locale: str | None = None) -> None:
        """Start the end-to-end self-test in the background."""
        if self.running:
            raise ProvisioningInputError("Wait until the running task has finished")
        client = self._require_client()
        skill_id = self.core.skill_id
        if skill_id is None:
            raise ProvisioningInputError("Create the skill first")
        code = locale if locale in self.locales else self.locales[0]
        self._task = self.core.create_task(
            self.run_self_test(client, skill_id, code), name="self-test"
        )

    async def run_self_test(
        self, client: SmapiClient, skill_id: str, locale: str
    ) -> SelfTestResult:
        """Run the self-test and store its outcome."""
        self.progress.add(
            "self-test", f'Asking Alexa: "{self.core.locales.get(locale).play_phrase}" ({locale})'
        )
        result = await SelfTest(self.core, client, sleep=self.sleep).run(skill_id, locale)
        self.skill.data["self_test"] = result.to_dict()
        await self.skill.save()
        level = Level.OK if result.ok else Level.ERROR
        self.progress.add(
            "self-test", result.message or f"Alexa answered: {result.reply or '(silence)'}", level
        )
        self.progress.add("end", "finished", Level.DONE)
        return result

    # Status ----------------------------------------------------------------

    def _start_check(self, coro: Any) -> object:
        """Run a status check as a tracked task."""
        return self.core.create_task(coro, name="skill-check")

    def refresh_checks(self) -> None:
        """Start a background check of the skill on Amazon when the cached one is old."""
        if self.running:
            return
        self.checks.refresh_if_old(self.client(), self.core.skill_id)
