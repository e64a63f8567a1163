"""Tests of the Home Assistant integration (custom_components/alexa_bridge), in .venv-ha."""
