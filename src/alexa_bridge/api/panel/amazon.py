"""The wizard's Amazon account step: Amazon's own sign-in page, the classic sign-in, sign-out."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...amazon import DOMAINS, ENROLLMENT_DOMAINS, AccountStatus, AmazonInputError
from ...amazon.const import DOMAIN_LOCALES
from ...amazon.models import ClassicStepKind
from ...core import BridgeCore
from ...panel.strings import suggest_locale
from ...panel.wizard import StepId
from .render import PanelInputError, redirect
from .steps import Action, Fields

ANCHOR = "setup#step-amazon"
LOCALE_DOMAINS = {locale: domain for domain, locale in DOMAIN_LOCALES.items()}


def suggest_domain(accept_language: str | None) -> str:
    """Suggest the Amazon site of the browser's language and region (amazon.com otherwise)."""
    locale = suggest_locale(accept_language, tuple(LOCALE_DOMAINS), DOMAIN_LOCALES[DOMAINS[0]])
    return LOCALE_DOMAINS[locale]


class AmazonStep:
    """Sign the bridge in to the Amazon account the Echos belong to."""

    step = StepId.AMAZON

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core; the sign-in under way lives in the Amazon account component."""
        self.core = core

    def actions(self) -> dict[str, Action]:
        """Return the actions of this step's forms."""
        return {
            "enroll_start": self._enroll_start,
            "enroll_finish": self._enroll_finish,
            "classic_start": self._classic_start,
            "classic_continue": self._classic_continue,
            "sign_out": self._sign_out,
        }

    def context(self, request: web.Request) -> dict[str, Any]:
        """Return what the step shows."""
        amazon = self.core.amazon
        account = amazon.state
        return {
            "account": account,
            "domains": DOMAINS,
            "enroll_domains": [domain for domain in DOMAINS if domain in ENROLLMENT_DOMAINS],
            "domain": account.domain or suggest_domain(request.headers.get("Accept-Language")),
            "enrollment_url": amazon.enrollment_url,
            "classic_step": amazon.classic_step,
            "has_session": account.status
            in (AccountStatus.SIGNED_IN, AccountStatus.EXPIRED, AccountStatus.ERROR),
        }

    async def _enroll_start(self, _request: web.Request, fields: Fields) -> web.Response:
        """Create an Amazon enrollment and go straight to Amazon's page (in the form's new tab)."""
        domain = fields.get("domain", "")
        if domain not in ENROLLMENT_DOMAINS:
            raise AmazonInputError(
                f"Amazon's own sign-in page is not available for {domain[:40]!r}; "
                "use the classic sign-in",
                field="domain",
            )
        raise redirect(await self.core.amazon.start_enrollment(domain))

    async def _enroll_finish(self, _request: web.Request, fields: Fields) -> web.Response:
        """Check the pasted address and finish the enrollment."""
        await self.core.amazon.finish_enrollment(fields.get("url", ""))
        raise redirect(ANCHOR)

    async def _classic_start(self, _request: web.Request, fields: Fields) -> web.Response:
        """Start the classic sign-in (the account checks each field)."""
        step = await self.core.amazon.classic_login(
            fields.get("domain", ""),
            fields.get("email", ""),
            fields.get("password", ""),
            fields.get("otp_key", ""),
        )
        return self._after_classic(step.kind, step.message)

    async def _classic_continue(self, _request: web.Request, fields: Fields) -> web.Response:
        """Pass the user's answer (CAPTCHA, code, approval) to Amazon."""
        step = await self.core.amazon.classic_continue({"answer": fields.get("answer", "")})
        return self._after_classic(step.kind, step.message)

    def _after_classic(self, kind: ClassicStepKind, message: str | None) -> web.Response:
        """Finish, say why Amazon refused, or show what Amazon asks for next."""
        if kind is ClassicStepKind.FAILED:
            raise PanelInputError(message or "Amazon refused the sign-in")
        raise redirect(ANCHOR)

    async def _sign_out(self, _request: web.Request, _fields: Fields) -> web.Response:
        """Forget every Amazon credential."""
        await self.core.amazon.sign_out()
        raise redirect(ANCHOR)
