"""Playing MA's streams on Echos: player slots, pairing, screens, commands back to MA, test play."""
