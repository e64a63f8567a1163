"""Tests of the Alexa skill endpoint: request verification and playback answers."""
