"""`python -m tallyroom` runs the command line."""

from tallyroom.cli import app

app(prog_name="tallyroom")
