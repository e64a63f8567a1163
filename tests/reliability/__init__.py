"""Reliability suites: bad input refused, faults survived, secrets kept out of logs."""
