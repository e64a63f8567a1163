"""What the ingress panel shows: the setup wizard, strings, checks, activity and diagnostics."""
