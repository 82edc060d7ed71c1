"""Modules loaded on first use (the standard library's ``LazyLoader`` recipe).

A worker process imports the whole application at start, and keeps what it
imported until it exits. A heavy library that a process may never use (PyAV's
FFmpeg, some 20 MiB: an API worker imports the video module for its limits, and
reads videos only in child processes) is bound to its name at import, as usual,
but its code runs, and its memory is taken, only when something of it is first
read.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name``, imported on first attribute access (at once if already imported)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
