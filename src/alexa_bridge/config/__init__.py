"""Options: reading, merging and validating them, and the logging they set up."""
