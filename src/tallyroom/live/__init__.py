"""Election night, live: declarations as they come, each followed by a recompute and its events."""
