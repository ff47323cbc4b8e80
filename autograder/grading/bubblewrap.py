"""bubblewrap (``bwrap``, Debian package ``bubblewrap``): the one builder of sandbox command lines.

:func:`argv` is used twice: by :mod:`autograder.grading.kernel` for every kernel that runs
student code while grading (folders hidden, an unprivileged uid, resource limits), and by
:func:`prefix` for whole commands that must run offline with one writable folder (the
reference benchmark). Both give a read-only system, a private ``/tmp``, no network (a network
namespace of its own, loopback only), and their own pid, ipc and uts namespaces.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from autograder.paths import REPO


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


def visible_again() -> list[str]:
    """Read-only binds that bring back the course and its Python when they live under /tmp.

    The sandbox gives its program an empty private /tmp; a checkout in /tmp (a CI clone, say)
    would vanish with it, and the program would fail to start Python at all.
    """
    needed = {REPO, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    args: list[str] = []
    for path in sorted(needed):
        if path.is_relative_to("/tmp"):
            args += ["--ro-bind", str(path), str(path)]
    return args


def reachable(target: Path) -> list[str]:
    """bwrap arguments that create ``target``'s missing parents, traversable by another uid.

    bubblewrap makes the mount points it needs with mode 0700, which an unprivileged uid could
    not walk through; existing folders are left as they are.
    """
    args: list[str] = []
    for parent in reversed(Path(target).parents[:-1]):  # from the top down, without "/"
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def argv(*, writable: list[Path], chdir: Path, hidden: list[Path] = (), setenv: dict[str, str] | None = None,
         unsetenv: list[str] = (), scratch: dict[str, Path] | None = None, tmpfs_size: int | None = None) -> list[str]:
    """The bwrap command line (without the program to run).

    ``hidden`` folders are replaced by empty ones; ``writable`` folders are bound read-write
    (everything else is read-only); ``setenv`` and ``unsetenv`` shape the environment.
    ``scratch`` (``{"tmp": ..., "shm": ..., <writable folder>: ...}``) gives /tmp, /dev/shm and
    writable folders their content from folders of a bounded scratch tmpfs
    (:mod:`autograder.grading.scratch`); without it, /tmp and /dev/shm are fresh tmpfs, of
    ``tmpfs_size`` bytes at most when given.
    """
    scratch = scratch or {}
    size = ["--size", str(tmpfs_size)] if tmpfs_size else []
    tmp = ["--bind", str(scratch["tmp"]), "/tmp"] if "tmp" in scratch else ["--perms", "1777", *size, "--tmpfs", "/tmp"]
    shm = (["--bind", str(scratch["shm"]), "/dev/shm"] if "shm" in scratch
           else ["--perms", "1777", *size, "--tmpfs", "/dev/shm"])  # joblib and multiprocessing need it
    args = [bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            *tmp, "--perms", "1777", "--dir", "/tmp/home", *shm, *visible_again()]
    for path in hidden:
        args += [*reachable(path), "--tmpfs", str(path)]
    for path in writable:
        source = scratch.get(str(path), path)
        args += [*reachable(path), "--bind", str(source), str(path)]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "grader",
             "--die-with-parent", "--new-session", "--chdir", str(chdir)]
    for key, value in {"HOME": "/tmp/home", **(setenv or {})}.items():
        args += ["--setenv", key, value]
    for key in unsetenv:
        args += ["--unsetenv", key]
    return args


def prefix(writable: Path) -> list[str]:
    """Command prefix that runs a program offline with only ``writable`` (and /tmp) writable."""
    writable = Path(writable).resolve()
    return argv(writable=[writable], chdir=writable,
                setenv={"MPLCONFIGDIR": "/tmp/home/matplotlib", "JUPYTER_RUNTIME_DIR": "/tmp/home/runtime"})
