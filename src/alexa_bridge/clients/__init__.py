"""Clients of the external APIs the bridge calls."""
