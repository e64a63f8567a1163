"""The ingress panel, one module per page or wizard step; routes are in api/__init__.py."""

from __future__ import annotations

from .activity import APIActivity
from .devices import APIDevices
from .files import static
from .render import html_error_middleware
from .setup import APISetup
from .skill import APIProvisioningProgress
from .status import APIStatusPage

__all__ = [
    "APIActivity",
    "APIDevices",
    "APIProvisioningProgress",
    "APISetup",
    "APIStatusPage",
    "html_error_middleware",
    "static",
]
