"""Tests of the Alexa Bridge."""
