"""The grading sandbox: student code runs with no network and a read-only system.

Grading runs inside bubblewrap (``bwrap``, Debian package ``bubblewrap``) in new network and
process namespaces: the only network is a private loopback (the kernel talks to nbgrader over
it), the file system is read-only except the course directory and a private /tmp, and the
processes die with the grader.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


def bwrap() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "grading runs student code offline inside bubblewrap, which is not installed: "
            "`sudo apt-get install bubblewrap`, or pass --no-sandbox to grade without isolation "
            "(only for notebooks you trust)")
    return path


def prefix(writable: Path) -> list[str]:
    """Command prefix that runs a program offline with only ``writable`` (and /tmp) writable."""
    writable = str(Path(writable).resolve())
    return [
        bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
        "--tmpfs", "/tmp", *visible_again(), "--bind", writable, writable,
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session",
        "--setenv", "HOME", "/tmp/home", "--setenv", "MPLCONFIGDIR", "/tmp/home/matplotlib",
        "--setenv", "JUPYTER_RUNTIME_DIR", "/tmp/home/runtime",
        "--chdir", writable,
    ]


def visible_again() -> list[str]:
    """Read-only binds that bring back the course and its Python when they live under /tmp.

    The sandbox gives student code an empty private /tmp; a checkout in /tmp (a CI clone, say)
    would vanish with it, and grading would fail to start Python at all.
    """
    needed = {REPO, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    args: list[str] = []
    for path in sorted(needed):
        if path.is_relative_to("/tmp"):
            args += ["--ro-bind", str(path), str(path)]
    return args
