"""Keep native start-up chatter out of the notebooks.

TensorFlow's C++ runtime logs a few lines while its shared libraries load ("All log messages
before absl::InitializeLog() is called are written to STDERR", the oneDNN notice, "Could not
find cuda drivers"). They are written straight to file descriptor 2, before any logging
setting can apply (``TF_CPP_MIN_LOG_LEVEL`` is read later), and a student takes them for
errors. :func:`install` adds an import hook: while the top-level ``tensorflow`` package
executes its ``__init__`` (the moment those libraries load), descriptor 2 points at
``/dev/null``. Python errors still propagate as exceptions, and everything written to stderr
after the import (warnings a lab teaches, a student's own prints) is untouched.
"""
from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys

QUIET_PACKAGES = ("tensorflow",)


@contextlib.contextmanager
def native_stderr_muted():
    """Point file descriptor 2 at /dev/null for the duration of the block."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to mute
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with native_stderr_muted():
            self.loader.exec_module(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, ... of the real loader
        return getattr(self.loader, name)


class QuietImportFinder(importlib.abc.MetaPathFinder):
    """Finds the packages in :data:`QUIET_PACKAGES` as usual and mutes fd 2 while they load."""

    def find_spec(self, name, path, target=None):
        if name not in QUIET_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> None:
    """Put the hook first on ``sys.meta_path`` (once); a no-op when the package is loaded already."""
    if not any(isinstance(finder, QuietImportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, QuietImportFinder())
