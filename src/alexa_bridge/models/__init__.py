"""Typed models of the bridge's own state and of the requests it receives."""
