"""Compiled templates kept between processes (Jinja's bytecode cache), so that a command or a server
starting does not compile again the templates it compiled last time: the headline of `council` took
about 40 ms to compile, every template of a server's `ready` about 0.3 s.

They are kept in a folder of the temporary directory that only this user may read (Jinja makes it so,
and refuses one that is not). A template whose source changed no longer matches what was kept and is
compiled again, and so is every template of an environment whose settings changed; a template that
could not be kept (a full disk) is compiled again next time."""

from __future__ import annotations

import hashlib
from contextlib import suppress

from jinja2 import Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket


class _Kept(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def keeping(env: Environment) -> Environment:
    """`env`, keeping what it compiles in files named after the settings that shape the code: two
    environments that compile one template differently (the pages' and the feeds' `feeds/atom.xml`)
    never load each other's. Where the temporary directory cannot hold them, nothing is kept."""
    with suppress(OSError, RuntimeError):
        env.bytecode_cache = _Kept(pattern=f"tallyroom-{_settings(env)}-%s.cache")
    return env


def _settings(env: Environment) -> str:
    shaping = (
        *(env.block_start_string, env.block_end_string, env.variable_start_string),
        *(env.variable_end_string, env.comment_start_string, env.comment_end_string),
        *(env.line_statement_prefix, env.line_comment_prefix, env.newline_sequence),
        *(env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.optimized),
        sorted(env.extensions),
        _described(env.autoescape),
        _described(env.finalize),
    )
    return hashlib.sha256(repr(shaping).encode()).hexdigest()[:16]


def _described(setting: object) -> str:
    """A setting as text: a function by its name and what it closes over (`select_autoescape`'s lists)."""
    if not callable(setting):
        return repr(setting)
    name = getattr(setting, "__qualname__", type(setting).__qualname__)
    cells = [cell.cell_contents for cell in getattr(setting, "__closure__", None) or ()]
    return f"{setting.__module__}.{name}{cells!r}"
