"""Verify that a request really comes from Alexa, for this skill, just now."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
import datetime as dt
import json
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ..const import SKILL_EVENT_TIMESTAMP_TOLERANCE, TIMESTAMP_TOLERANCE
from ..exceptions import VerificationError
from .certificates import CertificateChains, normalize_cert_url
from .envelope import AlexaRequest, parse_envelope

_LOGGER = logging.getLogger(__name__)

HEADER_CERT_URL = "SignatureCertChainUrl"
HEADER_SIGNATURE = "Signature-256"
SKILL_EVENT_PREFIX = "AlexaSkillEvent."


def timestamp_tolerance(request_type: str) -> float:
    """Return how old a request may be: Amazon retries skill events for up to an hour."""
    if request_type.startswith(SKILL_EVENT_PREFIX):
        return SKILL_EVENT_TIMESTAMP_TOLERANCE
    return TIMESTAMP_TOLERANCE


class SkillRequestVerifier:
    """Run Amazon's six checks; nothing of a request is used before all pass."""

    def __init__(
        self,
        chains: CertificateChains,
        skill_id: Callable[[], str | None],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        """Keep the chain cache and a source of the accepted skill id."""
        self._chains = chains
        self._skill_id = skill_id
        self._clock = clock

    async def verify(self, headers: Mapping[str, str], body: bytes) -> AlexaRequest:
        """Return the parsed request, or raise VerificationError with the reason."""
        cert_url = headers.get(HEADER_CERT_URL)
        signature_b64 = headers.get(HEADER_SIGNATURE)
        if not cert_url or not signature_b64:
            raise VerificationError("signature headers are missing")
        url = normalize_cert_url(cert_url)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise VerificationError("Signature-256 is not base64") from None
        expected_skill = self._skill_id()
        if expected_skill is None:
            raise VerificationError(
                "no skill id is known yet: provision the skill in the panel "
                "or set the skill_id option"
            )
        try:
            request = parse_envelope(json.loads(body))
        except (ValueError, RecursionError):
            raise VerificationError("body is not valid JSON") from None
        age = abs((self._clock() - request.timestamp).total_seconds())
        if age > timestamp_tolerance(request.type):
            raise VerificationError(f"request timestamp is {age:.0f} s away from now")
        if request.application_id != expected_skill:
            raise VerificationError("request is for another skill id")
        key = await self._chains.signing_key(url)
        try:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("signature does not match the body") from None
        return request
