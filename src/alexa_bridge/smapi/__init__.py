"""Skill provisioning: developer authorization, the skill on Amazon, its self-test."""

from __future__ import annotations

from .component import SkillProvisioning
from .errors import DeveloperAuthError, ProvisioningError, ProvisioningInputError, SmapiError

__all__ = [
    "DeveloperAuthError",
    "ProvisioningError",
    "ProvisioningInputError",
    "SkillProvisioning",
    "SmapiError",
]
