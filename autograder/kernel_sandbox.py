"""The kernel that runs student code while grading, confined.

nbgrader (outside) starts this module as the ``python3`` kernel of a grading run:

    python -m autograder.kernel_sandbox -f CONNECTION_FILE

It re-executes the real IPython kernel inside bubblewrap, as an unprivileged user id of its
own (no such user exists; each kernel gets another one, so a fork bomb exhausts only its own
process limit), with resource limits. What the student's code can see and do:

* network: none (a private network namespace; nbgrader talks to the kernel over unix
  sockets in a private runtime folder, the "ipc" transport);
* files: the system read-only; the course directory (gradebook, sources with hidden tests,
  other students' work) and the instructor sources are replaced by empty folders; writable
  are only its own notebook folder (a scratch copy), its runtime folder (sockets) and a
  private /tmp;
* processes, memory, CPU time, file size: capped by rlimits (:func:`limits`) and, where the
  machine offers cgroup v1 controllers to root, by a cgroup of its own (:func:`confine`): one
  fair CPU share however many processes it starts, 256 tasks, the memory limit; it dies with
  the grader.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from autograder.paths import REPO

FIRST_UID = 1_500_000  # the kernel with pid P runs as uid FIRST_UID + P: unique while it lives
GiB = 1024**3
CGROUPS = Path("/sys/fs/cgroup")
DEFAULT_MEMORY = 8 * GiB  # address space; override with GRADING_MEMORY (bytes)


def limits(memory: int) -> dict[int, tuple[int, int]]:
    """Resource limits of the kernel, as ``{resource: (soft, hard)}``."""
    return {
        resource.RLIMIT_AS: (memory, memory),                   # a memory bomb gets MemoryError
        resource.RLIMIT_NPROC: (512, 512),                      # processes and threads of this uid
        resource.RLIMIT_FSIZE: (512 * 1024**2, 512 * 1024**2),  # largest file the kernel may write
        resource.RLIMIT_CPU: (1800, 1800),                      # CPU seconds for the whole notebook
        resource.RLIMIT_CORE: (0, 0),
    }
def cgroup_settings(memory: int) -> dict[str, dict[str, str]]:
    """cgroup v1 controller -> file -> value for one kernel."""
    return {
        "pids": {"pids.max": "256"},                                          # processes + threads
        "cpu": {"cpu.shares": "1024"},  # one fair share: all its processes together weigh as one kernel
        "memory": {"memory.limit_in_bytes": str(memory + GiB)},               # backstop above RLIMIT_AS
    }


def cgroup_paths(name: str) -> list[Path]:
    return [CGROUPS / controller / "autograder" / name for controller in ("pids", "cpu", "memory")]


def confine(name: str, memory: int) -> list[str]:
    """Move this process into cgroup ``autograder/<name>`` of each controller; returns those it could not use."""
    missing = []
    for controller, values in cgroup_settings(memory).items():
        group = CGROUPS / controller / "autograder" / name
        try:
            group.mkdir(parents=True, exist_ok=True)
            for key, value in values.items():
                (group / key).write_text(value)
            (group / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            missing.append(controller)
    return missing


def limits_hit(name: str) -> list[str]:
    """What the kernel's cgroups had to refuse, in plain words (read before release)."""
    notes = []
    pids, _, memory = cgroup_paths(name)
    try:
        events = dict(line.split() for line in (pids / "pids.events").read_text().splitlines())
        if int(events.get("max", 0)):
            notes.append("the notebook hit the limit of 256 processes and threads (a fork bomb?)")
    except (OSError, ValueError):
        pass
    try:
        if int((memory / "memory.failcnt").read_text()):
            notes.append("the notebook hit its memory limit")
    except (OSError, ValueError):
        pass
    return notes


def release_cgroups(name: str) -> list[str]:
    """Remove the (by then empty) cgroups of a finished kernel; returns :func:`limits_hit`."""
    notes = limits_hit(name)
    for group in cgroup_paths(name):
        for _ in range(20):  # the kernel's last processes may take a moment to go
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)
    return notes


VISIBLE_IN_REPO = {"course", "labs", ".venv"}  # all else (solutions, tests, .git history) is hidden


def hidden_paths(course_dir: Path) -> list[Path]:
    repo_parts = [p for p in sorted(REPO.iterdir()) if p.name not in VISIBLE_IN_REPO and p.is_dir()]
    return [*repo_parts, course_dir]


def reachable(target: Path) -> list[str]:
    """bwrap arguments that create ``target``'s missing parents, traversable by the kernel.

    bubblewrap makes the mount points it needs with mode 0700, which the kernel's unprivileged
    uid could not walk through; existing folders are left as they are.
    """
    args: list[str] = []
    for parent in reversed(target.parents[:-1]):  # from the top down, without "/"
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_argv(course_dir: Path, workdir: Path, runtime: Path) -> list[str]:
    """bubblewrap arguments: read-only system, course and sources hidden, two folders writable."""
    from autograder.sandbox import bwrap, visible_again

    argv = [bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--dir", "/tmp/home",
            "--perms", "1777", "--tmpfs", "/dev/shm",  # joblib and multiprocessing need it
            *visible_again()]
    for hidden in hidden_paths(course_dir):
        argv += [*reachable(hidden), "--tmpfs", str(hidden)]
    for path in (workdir, runtime):
        argv += [*reachable(path), "--bind", str(path), str(path)]
    argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "grader",
             "--die-with-parent", "--new-session", "--chdir", str(workdir),
             "--setenv", "HOME", "/tmp/home", "--setenv", "MPLCONFIGDIR", str(runtime / "matplotlib"),
             "--setenv", "USER", "student",
             # the pid of nbgrader means nothing in the new pid namespace; --die-with-parent does that job
             "--unsetenv", "JPY_PARENT_PID"]
    return argv


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "-f":
        raise SystemExit("usage: python -m autograder.kernel_sandbox -f CONNECTION_FILE [KERNEL ARGS]")
    connection_file, kernel_args = Path(argv[1]).resolve(), argv[2:]
    runtime = connection_file.parent
    workdir = Path.cwd().resolve()
    course_dir = Path(os.environ["GRADING_COURSE_DIR"]).resolve()
    if json.loads(connection_file.read_text()).get("transport") != "ipc":
        raise SystemExit("the grading kernel needs the ipc transport (KernelManager.transport = 'ipc')")
    if course_dir not in workdir.parents:
        raise SystemExit(f"refusing to run a grading kernel in {workdir}: it is not inside the course "
                         f"directory {course_dir}")
    if runtime != Path(os.environ.get("JUPYTER_RUNTIME_DIR", "")).resolve():
        raise SystemExit(f"refusing to run a grading kernel whose connection file is in {runtime}: "
                         "the grader's runtime folder is JUPYTER_RUNTIME_DIR")
    uid = FIRST_UID + os.getpid()
    memory = int(os.environ.get("GRADING_MEMORY", DEFAULT_MEMORY))
    if os.geteuid() == 0 and os.environ.get("GRADING_CGROUP"):
        confine(os.environ["GRADING_CGROUP"], memory)
    if os.geteuid() == 0:  # hand the two folders the kernel writes to the unprivileged user
        for path in (workdir, runtime):
            os.chown(path, uid, uid)
            for child in path.rglob("*"):
                os.chown(child, uid, uid, follow_symlinks=False)
    for limit, value in limits(memory).items():
        resource.setrlimit(limit, value)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if os.geteuid() == 0 else []
    command = [*bwrap_argv(course_dir, workdir, runtime), *drop,
               sys.executable, "-m", "ipykernel_launcher", "-f", str(connection_file), *kernel_args]
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
