"""Tests of skill provisioning against a fake SMAPI and Login with Amazon."""
