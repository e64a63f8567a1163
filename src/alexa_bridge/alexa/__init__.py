"""The Alexa side: request verification, request parsing, skill answers."""
