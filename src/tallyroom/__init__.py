"""tallyroom: election-night results for UK local elections."""
