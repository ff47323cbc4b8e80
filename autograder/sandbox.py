"""The grading sandbox, built on bubblewrap (``bwrap``, Debian package ``bubblewrap``).

* :func:`grading_environment` makes nbgrader start every kernel through
  :mod:`autograder.kernel_sandbox`: only the student's code is confined (no network, no view
  of the gradebook, the sources or other students, unprivileged, resource limits), while
  nbgrader itself keeps its normal access to the gradebook.
* :func:`prefix` confines a whole command (no network, read-only system but one folder); the
  benchmark runs reference notebooks with it.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
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


def grading_environment(course_dir: Path, student: str) -> tuple[dict, dict[str, str]]:
    """nbgrader settings and environment that make it run each kernel in the kernel sandbox."""
    bwrap()
    course_dir = Path(course_dir).resolve()
    share = course_dir / ".grading" / "share"
    spec = share / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({
        "argv": [sys.executable, "-m", "autograder.kernel_sandbox", "-f", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        # a signal would reach bubblewrap, not the kernel: interrupt a looping cell by message
        "interrupt_mode": "message"}, indent=1))
    # The kernel's unix sockets live here: a short path under /tmp, since a socket path may not
    # exceed 107 bytes (a course folder deep in a checkout would). The grader deletes it after.
    runtime = Path(tempfile.mkdtemp(prefix=f"grading-{student[:20]}-", dir="/tmp"))
    font_cache(runtime / "matplotlib")
    env = {"JUPYTER_PATH": str(share), "JUPYTER_RUNTIME_DIR": str(runtime),
           "GRADING_COURSE_DIR": str(course_dir), "PYTHONPATH": str(REPO),
           "GRADING_CGROUP": uuid.uuid4().hex}  # the grader removes it afterwards (kernel_sandbox.release_cgroups)
    # The connection file, and so the ipc sockets beside it, in that runtime folder: the
    # kernel sandbox binds it, writable, into the kernel's otherwise private /tmp.
    return {"KernelManager": {"transport": "ipc", "connection_file": str(runtime / "kernel.json")}}, env


def font_cache(folder: Path) -> None:
    """Give a kernel matplotlib's font list, so it does not rebuild it (seconds) in every grading."""
    import matplotlib

    folder.mkdir(parents=True, exist_ok=True)
    for fontlist in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copy(fontlist, folder / fontlist.name)
