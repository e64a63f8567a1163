"""Skill provisioning: developer authorization, the skill on Amazon, its self-test."""

from __future__ import annotations

from .errors import DeveloperAuthError, ProvisioningError, ProvisioningInputError, SmapiError
from .provisioning import SkillProvisioning

__all__ = [
    "DeveloperAuthError",
    "ProvisioningError",
    "ProvisioningInputError",
    "SkillProvisioning",
    "SmapiError",
]
