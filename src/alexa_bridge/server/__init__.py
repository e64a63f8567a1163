"""The three listeners, their limits and the public port's TLS."""
