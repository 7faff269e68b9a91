"""Digests of dirfa's own source files, for what must not mix the work of two versions of the code: a render
worker's frames (render.stream) and a saved avatar (avatar.py)."""

from __future__ import annotations

import hashlib
import sys


def source_digest(module_names: tuple[str, ...]) -> str:
    """SHA-1 of the source files of `module_names` (imported modules), as they are on disk now."""
    digest = hashlib.sha1()
    for name in module_names:
        try:
            with open(sys.modules[name].__file__ or "", "rb") as source:
                digest.update(source.read())
        except (OSError, AttributeError, KeyError, TypeError):
            digest.update(name.encode())  # no source file (frozen, zipped): the name only
    return digest.hexdigest()
