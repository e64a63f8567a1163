"""Small helpers with no knowledge of the bridge's components."""
