"""Alexa Bridge: Music Assistant on Amazon Echo devices through a self-hosted skill."""

from .const import VERSION

__version__ = VERSION
