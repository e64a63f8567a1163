"""Tests of the ingress panel."""
