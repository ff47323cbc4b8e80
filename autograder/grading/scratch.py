"""Each grading kernel's private, bounded, disposable scratch space.

A kernel may write only to its own notebook folder, ``/tmp``, ``/dev/shm`` and its runtime
folder (the sockets nbgrader talks to it through). All four live on **one tmpfs of its own**,
mounted by the grader (root) over the kernel's runtime folder with a size and a file-count
limit (``size=``, ``nr_inodes=``), and bound into the sandbox in their places: the kernel sees
its notebook folder (a copy of the submission's folder), ``/tmp`` and ``/dev/shm`` as usual,
but a flood of files or one huge file stops at the limit with ``OSError`` (no space left on
device), in that kernel only. When the kernel is done the grader unmounts it: nothing a
submission wrote survives grading, and the autograded folder holds only the executed
notebook nbgrader writes back (outside the sandbox).

bubblewrap's own ``--size`` (0.8 has it) limits a tmpfs's bytes but not its files; it is the
fallback when the grader is not root (then the runtime folder stays on disk, bounded per file
by ``RLIMIT_FSIZE``). :func:`leftover_processes` checks afterwards that no process of the
kernel's user id outlived it (the kernel's pid namespace dies with it; this is the proof).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

UID_FILE = "kernel-uid"  # the kernel's user id, written by the kernel sandbox into the runtime folder


def is_root() -> bool:
    return os.geteuid() == 0


def mount(runtime: Path, size: int, files: int) -> bool:
    """Mount a limit-sized tmpfs on the (empty) ``runtime`` folder; False when not possible."""
    if not is_root() or shutil.which("mount") is None:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},nr_inodes={files},mode=0755",
                             "grading-scratch", str(runtime)], capture_output=True, text=True)
    return result.returncode == 0


def unmount(runtime: Path) -> None:
    """Unmount (lazily, should a process still hold it) and remove the runtime folder."""
    if os.path.ismount(runtime):
        subprocess.run(["umount", "-l", str(runtime)], capture_output=True)
    shutil.rmtree(runtime, ignore_errors=True)


def folders(runtime: Path) -> dict[str, Path]:
    """The kernel's writable places inside its scratch tmpfs."""
    return {name: runtime / "scratch" / name for name in ("work", "tmp", "shm")}


def prepare(runtime: Path, workdir: Path, uid: int | None) -> dict[str, Path] | None:
    """Make the scratch folders (a copy of ``workdir`` in ``work``), owned by ``uid``;
    None when ``runtime`` is not a scratch tmpfs (the sandbox then uses bubblewrap's own)."""
    if not os.path.ismount(runtime):
        return None
    places = folders(runtime)
    shutil.copytree(workdir, places["work"], symlinks=True)
    for name in ("tmp", "shm"):
        places[name].mkdir(parents=True, exist_ok=True)
        places[name].chmod(0o1777)
    if uid is not None:
        for path in [places["work"], *places["work"].rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)
    (runtime / UID_FILE).write_text(str(uid if uid is not None else os.geteuid()))
    return places


def kernel_uid(runtime: Path) -> int | None:
    try:
        return int((runtime / UID_FILE).read_text())
    except (OSError, ValueError):
        return None


def processes_of(uid: int) -> dict[int, str]:
    """``{pid: name}`` of the live processes running as ``uid`` (zombies excluded)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            if int(status["Uid"].split()[1]) == uid and not status.get("State", "").strip().startswith(("Z", "X")):
                found[int(entry.name)] = status.get("Name", "?").strip()
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return found


def leftover_processes(runtime: Path, grace: float = 5.0) -> list[str]:
    """Kill what outlived the kernel (nothing should: its pid namespace ends with it); a note
    for the instructor if anything did. The kernel itself gets ``grace`` seconds to exit."""
    uid = kernel_uid(runtime)
    if uid is None or uid == 0 or uid == os.geteuid():
        return []
    deadline = time.monotonic() + grace
    while (left := processes_of(uid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if not left:
        return []
    names = ", ".join(sorted(set(left.values())))
    return [f"{len(left)} process(es) started by the notebook outlived its kernel and were killed ({names})"]
