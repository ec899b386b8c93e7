"""Newsroom copy drafted from outcomes, in the house style (contract §5)."""
