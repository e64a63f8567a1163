"""The skill manifest the bridge wants, and whether Amazon's copy already matches it."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
from typing import Any

from ..alexa.locales import SkillLocales
from ..const import SKILL_PATH
from .const import APL_VIEWPORTS, SKILL_NAME, CertificateType

TESTING_INSTRUCTIONS = "Private skill of an Alexa Bridge add-on; plays what Music Assistant pushes."


@dataclass(frozen=True, slots=True)
class SkillChoices:
    """What the manifest depends on: the panel's choices and the public address."""

    public_url: str
    locales: tuple[str, ...]
    certificate_type: CertificateType
    display: bool

    @property
    def endpoint(self) -> str:
        """Return the skill endpoint Alexa calls."""
        return f"{self.public_url}{SKILL_PATH}"


def fingerprint(data: Any) -> str:
    """Return a stable hash of JSON data, to tell whether Amazon has this version."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def build_manifest(choices: SkillChoices, locales: SkillLocales) -> dict[str, Any]:
    """Build the whole manifest envelope (SMAPI replaces the manifest on every PUT)."""
    interfaces: list[dict[str, Any]] = [{"type": "AUDIO_PLAYER"}]
    if choices.display:
        interfaces.append(
            {
                "type": "ALEXA_PRESENTATION_APL",
                "supportedViewports": [dict(v) for v in APL_VIEWPORTS],
            }
        )
    return {
        "manifest": {
            "manifestVersion": "1.0",
            "publishingInformation": {
                "locales": {
                    code: locales.get(code).publishing.manifest() for code in choices.locales
                },
                "isAvailableWorldwide": False,
                "distributionMode": "PRIVATE",
                "distributionCountries": [],
                "category": "STREAMING_SERVICE",
                "testingInstructions": TESTING_INSTRUCTIONS,
            },
            "privacyAndCompliance": {
                "allowsPurchases": False,
                "usesPersonalInfo": False,
                "isChildDirected": False,
                "isExportCompliant": True,
                "containsAds": False,
            },
            "apis": {
                "custom": {
                    "endpoint": {
                        "uri": choices.endpoint,
                        "sslCertificateType": choices.certificate_type.value,
                    },
                    "interfaces": interfaces,
                }
            },
        }
    }


def manifest_differences(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Name the parts of Amazon's manifest that differ from the wanted one."""
    differences = []
    cur = current.get("manifest") or {}
    want = wanted["manifest"]
    cur_api = (cur.get("apis") or {}).get("custom") or {}
    want_api = want["apis"]["custom"]
    if (cur_api.get("endpoint") or {}).get("uri") != want_api["endpoint"]["uri"]:
        differences.append("endpoint")
    if (cur_api.get("endpoint") or {}).get("sslCertificateType") != want_api["endpoint"][
        "sslCertificateType"
    ]:
        differences.append("certificate type")
    cur_types = sorted(str(i.get("type")) for i in cur_api.get("interfaces") or [])
    if cur_types != sorted(i["type"] for i in want_api["interfaces"]):
        differences.append("interfaces")
    cur_pub = cur.get("publishingInformation") or {}
    want_pub = want["publishingInformation"]
    if sorted(cur_pub.get("locales") or {}) != sorted(want_pub["locales"]):
        differences.append("locales")
    if cur_pub.get("category") != want_pub["category"]:
        differences.append("category")
    if cur_pub.get("distributionMode") != want_pub["distributionMode"]:
        differences.append("distribution")
    return differences


def skill_name_matches(summary: dict[str, Any]) -> bool:
    """Return whether a listed skill is this bridge's skill by its name in any locale."""
    names = (summary.get("nameByLocale") or {}).values()
    return any(str(name).strip().casefold() == SKILL_NAME.casefold() for name in names)
