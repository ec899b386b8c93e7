"""The HTTP side: the results desk, the website and the JSON API (contract §4)."""
