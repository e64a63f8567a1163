"""Telling others where the bridge is: Supervisor discovery and mDNS."""
