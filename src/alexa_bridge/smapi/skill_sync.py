"""Create or find the skill, bring its manifest and models in line, build, enable testing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import time
from typing import TYPE_CHECKING, Any

from ..alexa.model_check import check_locale
from .const import (
    BUILD_TIMEOUT,
    LIST_PAGE_SIZE,
    POLL_FIRST,
    POLL_MAX,
    STAGE,
    BuildStatus,
    CertificateType,
)
from .errors import DeveloperAuthError, ProvisioningError, SmapiError
from .manifest import (
    SkillChoices,
    build_manifest,
    fingerprint,
    manifest_differences,
    skill_name_matches,
)
from .models import Build
from .progress import Level, ProgressLog
from .sdk_client import Sleep, SmapiClient

if TYPE_CHECKING:
    from ..core import BridgeCore
    from .store import SkillStore

_LOGGER = logging.getLogger(__name__)


def fix_for(err: SmapiError) -> str:
    """Say what the user can do about an error Amazon returned."""
    if isinstance(err, DeveloperAuthError):
        return "Authorize again in step 2 (Developer authorization)."
    match err.status:
        case 400:
            return "Amazon rejected what the bridge sent: download the log and report it."
        case 403:
            return (
                "Your Amazon developer account may not do this: sign in once at "
                "developer.amazon.com and accept the Alexa developer agreement."
            )
        case 404:
            return "The skill no longer exists on Amazon: run the setup again to recreate it."
        case 409:
            return "Amazon is still processing an earlier change: wait a minute and run again."
        case 429 | 500 | 502 | 503 | 504:
            return "Amazon is busy or unavailable: run again in a few minutes."
        case _:
            return "Run again; if it keeps failing, download the log and report it."


@dataclass
class RunResult:
    """What one provisioning run did, for the panel and the tests."""

    skill_id: str | None = None
    created: bool = False
    found_by: str | None = None  # "id", "name" or None (created)
    manifest_updated: bool = False
    uploaded: list[str] = field(default_factory=list)
    builds: dict[str, Build] = field(default_factory=dict)
    enabled_now: bool = False


class Provisioner:
    """One provisioning run; each step reports progress and names itself in errors."""

    def __init__(
        self,
        core: BridgeCore,
        store: SkillStore,
        client: SmapiClient,
        progress: ProgressLog,
        *,
        sleep: Sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Keep what the run needs."""
        self.core = core
        self.store = store
        self.client = client
        self.progress = progress
        self._sleep = sleep
        self._clock = clock
        self.result = RunResult()

    async def _call(self, step: str, operation: str, *args: Any, **kwargs: Any) -> Any:
        """Call SMAPI; turn a refusal into an error that names the step and the fix."""
        try:
            return await self.client.call(operation, *args, **kwargs)
        except SmapiError as err:
            raise ProvisioningError(step, err.describe(), fix_for(err)) from err

    async def run(self, choices: SkillChoices) -> RunResult:
        """Run every step; return what was done, or raise ProvisioningError."""
        self._check_models(choices)
        manifest = build_manifest(choices, self.core.locales)
        vendor_id = await self._vendor()
        skill_id = await self._find_or_create(vendor_id, manifest)
        self.result.skill_id = skill_id
        if not self.result.created:
            await self._manifest(skill_id, manifest)
        else:
            self.store.applied["manifest"] = fingerprint(manifest)
            await self.store.save()
        await self._certificate(skill_id, choices)
        await self._models(skill_id, choices)
        await self._enable(skill_id)
        self.progress.add("done", f"Skill {skill_id} is ready for testing", Level.OK)
        return self.result

    def _check_models(self, choices: SkillChoices) -> None:
        """Refuse to send a model that fails the structural check."""
        problems = [
            p for code in choices.locales for p in check_locale(self.core.locales.get(code))
        ]
        if problems:
            raise ProvisioningError(
                "model check",
                "; ".join(problems[:5]),
                "This is a bug in the bridge's language files: report it with the log.",
            )
        self.progress.add("model check", f"{len(choices.locales)} interaction model(s) are valid")

    async def _vendor(self) -> str:
        """Look up the developer account's vendor id."""
        answer = await self._call("vendor", "get_vendor_list_v1")
        vendors = (answer.body or {}).get("vendors") or []
        if not vendors:
            raise ProvisioningError(
                "vendor",
                "this Amazon account has no Alexa developer (vendor) account",
                "Sign in once at developer.amazon.com with the same account and accept the terms.",
            )
        vendor_id = str(vendors[0]["id"])
        if self.store.data["vendor_id"] != vendor_id:
            self.store.data["vendor_id"] = vendor_id
            await self.store.save()
        self.progress.add("vendor", f"Developer account {vendors[0].get('name') or vendor_id}")
        return vendor_id

    async def _find_or_create(self, vendor_id: str, manifest: dict[str, Any]) -> str:
        """Use the stored skill, else the vendor's skill named Music Assistant, else create it."""
        known = self.core.skill_id
        if known is not None:
            try:
                await self.client.call("get_skill_manifest_v1", known, STAGE)
            except SmapiError as err:
                if err.status != 404:  # noqa: PLR2004
                    raise ProvisioningError("find skill", err.describe(), fix_for(err)) from err
                self.progress.add("find skill", f"Skill {known} no longer exists", Level.WARN)
            else:
                self.result.found_by = "id"
                self.progress.add("find skill", f"Using the stored skill {known}")
                await self._remember(known)
                return known
        found = await self._find_by_name(vendor_id)
        if found is not None:
            self.result.found_by = "name"
            self.progress.add("find skill", f"Found the existing skill {found} by its name")
            await self._remember(found)
            return found
        return await self._create(vendor_id, manifest)

    async def _find_by_name(self, vendor_id: str) -> str | None:
        """Page through the vendor's skills for one named Music Assistant."""
        token: str | None = None
        pages = 0
        while True:
            kwargs: dict[str, Any] = {"max_results": LIST_PAGE_SIZE}
            if token:
                kwargs["next_token"] = token
            answer = await self._call(
                "find skill", "list_skills_for_vendor_v1", vendor_id, **kwargs
            )
            pages += 1
            body = answer.body or {}
            for summary in body.get("skills") or []:
                if skill_name_matches(summary):
                    return str(summary["skillId"])
            token = body.get("nextToken")
            if not body.get("isTruncated") or not token:
                self.progress.add("find skill", f"No skill named Music Assistant ({pages} page(s))")
                return None

    async def _create(self, vendor_id: str, manifest: dict[str, Any]) -> str:
        """Create the skill, store its id at once, and wait until Amazon has the manifest."""
        answer = await self._call(
            "create skill",
            "create_skill_for_vendor_v1",
            {"vendorId": vendor_id, "manifest": manifest["manifest"]},
        )
        skill_id = str((answer.body or {})["skillId"])
        self.result.created = True
        self.progress.add("create skill", f"Created the skill {skill_id}", Level.OK)
        await self._remember(skill_id)
        await self._wait_manifest(skill_id, "create skill")
        return skill_id

    async def _remember(self, skill_id: str) -> None:
        """Store the skill id (the verifier accepts it at once); reset state of another skill."""
        if self.store.data["applied_to"] != skill_id:
            await self.store.reset_applied(skill_id)
        if self.core.options.skill_id is None and self.core.settings.skill_id != skill_id:
            await self.core.settings.set_skill_id(skill_id)
            await self.core.refresh_announcements()

    async def _manifest(self, skill_id: str, manifest: dict[str, Any]) -> None:
        """PUT the manifest only when Amazon's copy or the wanted version differ."""
        answer = await self._call("manifest", "get_skill_manifest_v1", skill_id, STAGE)
        differences = manifest_differences(answer.body or {}, manifest)
        wanted = fingerprint(manifest)
        if not differences and self.store.applied["manifest"] == wanted:
            self.progress.add("manifest", "The manifest is up to date")
            return
        reason = ", ".join(differences) or "new skill texts"
        self.progress.add("manifest", f"Updating the manifest ({reason})")
        await self._call("manifest", "update_skill_manifest_v1", skill_id, STAGE, manifest)
        await self._wait_manifest(skill_id, "manifest")
        self.result.manifest_updated = True
        self.store.applied["manifest"] = wanted
        await self.store.save()

    async def _wait_manifest(self, skill_id: str, step: str) -> None:
        """Poll the manifest's status until Amazon accepted or rejected it."""

        def state(body: dict[str, Any]) -> dict[str, Any]:
            """Return the manifest's last update request."""
            return (body.get("manifest") or {}).get("lastUpdateRequest") or {}

        body = await self._poll(step, skill_id, "manifest", lambda b: [state(b)])
        last = state(body)
        if last.get("status") == BuildStatus.FAILED:
            messages = [str(e.get("message")) for e in last.get("errors") or []]
            raise ProvisioningError(
                step,
                "; ".join(messages) or "Amazon rejected the manifest",
                "Check the public address and certificate type, then run again.",
            )
        self.progress.add(step, "Amazon accepted the manifest", Level.OK)

    async def _certificate(self, skill_id: str, choices: SkillChoices) -> None:
        """Upload the self-signed certificate when that type is chosen and it changed."""
        pem = self.store.data["ssl_certificate"]
        if choices.certificate_type != CertificateType.SELF_SIGNED or not pem:
            return
        wanted = fingerprint(pem)
        if self.store.applied["ssl"] == wanted:
            return
        await self._call(
            "certificate", "set_ssl_certificates_v1", skill_id, {"sslCertificate": pem}
        )
        self.store.applied["ssl"] = wanted
        await self.store.save()
        self.progress.add("certificate", "Uploaded the self-signed certificate", Level.OK)

    async def _models(self, skill_id: str, choices: SkillChoices) -> None:
        """Upload changed interaction models and wait for their builds."""
        status = await self._call(
            "interaction model", "get_skill_status_v1", skill_id, resource="interactionModel"
        )
        remote = (status.body or {}).get("interactionModel") or {}
        pending: dict[str, str] = {}
        for code in choices.locales:
            model = self.core.locales.get(code).interaction_model()
            wanted = fingerprint(model)
            built = ((remote.get(code) or {}).get("lastUpdateRequest") or {}).get("status")
            if self.store.applied["models"].get(code) == wanted and built == BuildStatus.SUCCEEDED:
                self.result.builds[code] = Build(BuildStatus.SUCCEEDED)
                continue
            await self._call(
                "interaction model", "set_interaction_model_v1", skill_id, STAGE, code, model
            )
            self.result.uploaded.append(code)
            pending[code] = wanted
            self.progress.add("interaction model", f"Uploaded {code}; Amazon is building it")
        if not pending:
            self.progress.add("interaction model", "Every interaction model is up to date")
            return
        await self._builds(skill_id, pending)

    async def _builds(self, skill_id: str, pending: dict[str, str]) -> None:
        """Poll until every uploaded locale's build SUCCEEDED or FAILED; show Amazon's errors."""

        def requests(body: dict[str, Any]) -> list[dict[str, Any]]:
            """Return the last update request of each pending locale."""
            models = body.get("interactionModel") or {}
            return [(models.get(c) or {}).get("lastUpdateRequest") or {} for c in pending]

        body = await self._poll("build", skill_id, "interactionModel", requests)
        models = body.get("interactionModel") or {}
        failures = []
        for code, wanted in pending.items():
            last = (models.get(code) or {}).get("lastUpdateRequest") or {}
            errors = [str(e.get("message")) for e in last.get("errors") or []]
            self.result.builds[code] = Build(last.get("status"), errors)
            if last.get("status") == BuildStatus.SUCCEEDED:
                self.store.applied["models"][code] = wanted
                self.progress.add("build", f"{code} built", Level.OK)
            else:
                failures.append(f"{code}: {'; '.join(errors) or 'the build failed'}")
                self.progress.add("build", failures[-1], Level.ERROR)
        await self.store.save()
        if failures:
            raise ProvisioningError(
                "build",
                " | ".join(failures),
                "Amazon's messages name the sample or intent; report them with the log.",
            )

    async def _poll(
        self,
        step: str,
        skill_id: str,
        resource: str,
        requests: Callable[[dict[str, Any]], list[dict[str, Any]]],
    ) -> dict[str, Any]:
        """Poll a status with backoff (first within 2 s, then at most every 10 s)."""
        delay = POLL_FIRST
        deadline = self._clock() + BUILD_TIMEOUT
        while True:
            await self._sleep(delay)
            answer = await self._call(step, "get_skill_status_v1", skill_id, resource=resource)
            body = answer.body or {}
            states = [entry.get("status") for entry in requests(body)]
            if states and all(s in (BuildStatus.SUCCEEDED, BuildStatus.FAILED) for s in states):
                return body
            if self._clock() > deadline:
                raise ProvisioningError(
                    step,
                    f"Amazon was still processing after {BUILD_TIMEOUT / 60:.0f} minutes",
                    "Run the setup again later; it continues where it stopped.",
                )
            delay = min(delay * 2, POLL_MAX)

    async def _enable(self, skill_id: str) -> None:
        """Enable the skill for testing on the developer's own devices."""
        try:
            await self.client.call("get_skill_enablement_status_v1", skill_id, STAGE)
        except SmapiError as err:
            if err.status != 404:  # noqa: PLR2004
                raise ProvisioningError("testing", err.describe(), fix_for(err)) from err
            await self._call("testing", "set_skill_enablement_v1", skill_id, STAGE)
            self.result.enabled_now = True
            self.progress.add("testing", "Enabled the skill for testing", Level.OK)
        else:
            self.progress.add("testing", "The skill is enabled for testing")
        self.store.applied["enabled"] = True
        await self.store.save()
