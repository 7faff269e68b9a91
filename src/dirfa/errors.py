"""Error types of dirfa; the CLI turns each into one line on stderr and an exit status.

Every message says what went wrong and what the user can do about it.
"""

from __future__ import annotations


class DirfaError(Exception):
    """Base of all errors dirfa raises on purpose. Exit status 1 unless a subclass says otherwise."""

    exit_code = 1


class InputError(DirfaError):
    """The user's input (a file, a flag, an animation) cannot be used. Exit status 2."""

    exit_code = 2


class OutputError(DirfaError):
    """The output cannot be written where the user asked. Exit status 2."""

    exit_code = 2
