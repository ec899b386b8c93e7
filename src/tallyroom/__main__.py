"""The command line, as `tallyroom` and as `python -m tallyroom`."""

import gc


def main() -> None:
    """Run a command. Its modules are imported with the garbage collector paused, then frozen: they
    live as long as the command, so there is nothing among them to collect, neither while they load
    nor at each collection after (a quarter of the start of `--help`)."""
    gc.disable()
    from tallyroom.cli import app

    gc.freeze()
    gc.enable()
    app(prog_name="tallyroom")


if __name__ == "__main__":
    main()
