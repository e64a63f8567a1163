"""Tests of the Amazon account: enrollment, classic key checks, session, devices, back-off."""
