"""tallyroom: election-night results for UK local elections."""

from importlib.metadata import version

__version__ = version("tallyroom")
