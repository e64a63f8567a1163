"""What the bridge remembers on disk: validated JSON stores and its own settings."""
