"""Hostile clients against the public port."""
