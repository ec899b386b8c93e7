"""Compiled templates kept between processes (Jinja's bytecode cache), so that a command or a server
starting does not compile again the templates it compiled last time: the headline of `council` took
about 40 ms to compile, every template of a server's `ready` about 0.3 s.

They are kept in a folder of the temporary directory that only this user may read (Jinja makes it so,
and refuses one that is not). A template whose source changed no longer matches what was kept and is
compiled again; a template that could not be kept (a full disk) is compiled again next time."""

from __future__ import annotations

from contextlib import suppress

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


class _Kept(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def kept(environment: str) -> FileSystemBytecodeCache | None:
    """The cache of one environment, in files of its own: two environments may compile one template
    with different settings (the pages' and the feeds' `feeds/atom.xml`). None where the temporary
    directory cannot hold it."""
    try:
        return _Kept(pattern=f"tallyroom-{environment}-%s.cache")
    except (OSError, RuntimeError):
        return None
