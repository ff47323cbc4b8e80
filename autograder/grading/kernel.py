"""The kernel that runs student code while grading, confined.

The grader (:mod:`autograder.grading.run`) calls :func:`prepare` for each submission: it writes a
``python3`` kernel spec whose command is this module, and returns the nbgrader settings and
the environment of the run. Everything the kernel needs to know travels in one JSON payload,
the environment variable :data:`PAYLOAD_ENV` (:class:`KernelPayload`: the course directory,
the runtime folder, the cgroup name and the :class:`~autograder.settings.Limits`). nbgrader
(outside) then starts every kernel as

    python -m autograder.grading.kernel -f CONNECTION_FILE

which re-executes the real IPython kernel inside bubblewrap, as an unprivileged user id of its
own (no such user exists; each kernel gets another one, so a fork bomb exhausts only its own
process limit), with resource limits. What the student's code can see and do:

* network: none (a private network namespace; nbgrader talks to the kernel over unix
  sockets in a private runtime folder, the "ipc" transport);
* files: the system read-only; the course directory (gradebook, sources with hidden tests,
  other students' work) and the instructor sources are replaced by empty folders; writable
  are only its own notebook folder (a scratch copy), its runtime folder (sockets) and a
  private /tmp;
* processes, memory, CPU time, file size: capped by rlimits (:func:`rlimits`) and, where the
  machine offers cgroup v1 controllers to root, by a cgroup of its own (:func:`confine`): one
  fair CPU share however many processes it starts, a task limit, the memory limit; it dies
  with the grader.
"""
from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.grading import bubblewrap, scratch
from autograder.integrity import kernel_guard
from autograder.paths import REPO, Course
from autograder.settings import DEFAULTS, Limits

PAYLOAD_ENV = "AUTOGRADER_KERNEL"  # the one variable the grader hands the kernel (JSON)
FIRST_UID = 1_500_000  # the kernel with pid P runs as uid FIRST_UID + P: unique while it lives
CGROUPS = Path("/sys/fs/cgroup")
VISIBLE_IN_REPO = {"course", "labs", ".venv"}  # all else (solutions, tests, .git history) is hidden
AUDIT_LOG = "audit.log"  # in the runtime folder: the record of the kernel's audit hook


@dataclass(frozen=True)
class KernelPayload:
    """What the grader tells one kernel, serialized into :data:`PAYLOAD_ENV`."""

    course_dir: str
    runtime: str
    cgroup: str
    limits: Limits = DEFAULTS

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "limits": asdict(self.limits)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> KernelPayload:
        data = json.loads(text)
        return cls(**{**data, "limits": Limits(**data["limits"])})


@dataclass
class KernelLaunch:
    """One submission's sandboxed kernel, as the grader prepares and cleans it up."""

    overrides: dict  # nbgrader configuration for the run ({"KernelManager": {...}})
    env: dict[str, str]  # the environment nbgrader runs with (the kernel inherits it)
    payload: KernelPayload

    def finish(self) -> list[str]:
        """Remove the runtime folder and cgroups; returns what the cgroups had to refuse."""
        notes = scratch.leftover_processes(Path(self.payload.runtime))
        notes += release_cgroups(self.payload.cgroup, self.payload.limits)
        scratch.unmount(Path(self.payload.runtime))
        return notes


def prepare(course_dir: Path, student: str, limits: Limits = DEFAULTS) -> KernelLaunch:
    """nbgrader settings and environment that make it run each kernel in the kernel sandbox."""
    bubblewrap.bwrap()
    course = Course(Path(course_dir).resolve())
    spec = course.kernel_share / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({
        "argv": [sys.executable, "-m", "autograder.grading.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        # a signal would reach bubblewrap, not the kernel: interrupt a looping cell by message
        "interrupt_mode": "message"}, indent=1))
    # The kernel's unix sockets live here: a short path under /tmp, since a socket path may not
    # exceed 107 bytes (a course folder deep in a checkout would). finish() deletes it.
    runtime = Path(tempfile.mkdtemp(prefix=f"grading-{student[:20]}-", dir="/tmp"))
    # As root: one tmpfs with a size and a file-count limit holds everything the kernel may
    # write (its sockets, notebook folder, /tmp, /dev/shm); finish() unmounts it.
    scratch.mount(runtime, limits.scratch_bytes, limits.scratch_files)
    font_cache(runtime / "matplotlib")
    payload = KernelPayload(str(course.root), str(runtime), uuid.uuid4().hex, limits)
    env = {"JUPYTER_PATH": str(course.kernel_share), "JUPYTER_RUNTIME_DIR": str(runtime),
           "PYTHONPATH": str(REPO), PAYLOAD_ENV: payload.to_json(),
           # where the kernel's audit hook writes, and its key (the hook reads the key file and
           # deletes it before any student code runs; the kernel's environment loses this variable)
           kernel_guard.GRADER_ENV: kernel_guard.new_record(runtime / AUDIT_LOG, secrets.token_bytes(32))}
    # The connection file, and so the ipc sockets beside it, in that runtime folder: the
    # kernel sandbox binds it, writable, into the kernel's otherwise private /tmp.
    overrides = {"KernelManager": {"transport": "ipc", "connection_file": str(runtime / "kernel.json")}}
    return KernelLaunch(overrides, env, payload)


def font_cache(folder: Path) -> None:
    """Give a kernel matplotlib's font list, so it does not rebuild it (seconds) in every grading."""
    import matplotlib

    folder.mkdir(parents=True, exist_ok=True)
    for fontlist in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copy(fontlist, folder / fontlist.name)


def rlimits(limits: Limits) -> dict[int, tuple[int, int]]:
    """Resource limits of the kernel, as ``{resource: (soft, hard)}``."""
    return {
        resource.RLIMIT_AS: (limits.memory, limits.memory),              # a memory bomb gets MemoryError
        resource.RLIMIT_NPROC: (limits.processes, limits.processes),     # processes and threads of this uid
        resource.RLIMIT_FSIZE: (limits.file_size, limits.file_size),     # largest file the kernel may write
        resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds),   # CPU seconds for the whole notebook
        resource.RLIMIT_CORE: (0, 0),
    }


def cgroup_settings(limits: Limits) -> dict[str, dict[str, str]]:
    """cgroup v1 controller -> file -> value for one kernel."""
    return {
        "pids": {"pids.max": str(limits.cgroup_tasks)},                    # processes + threads
        "cpu": {"cpu.shares": str(limits.cgroup_cpu_shares)},  # all its processes together weigh as one kernel
        "memory": {"memory.limit_in_bytes": str(limits.memory + limits.cgroup_memory_margin)},  # above RLIMIT_AS
    }


def cgroup_paths(name: str) -> list[Path]:
    return [CGROUPS / controller / "autograder" / name for controller in ("pids", "cpu", "memory")]


def confine(name: str, limits: Limits) -> list[str]:
    """Move this process into cgroup ``autograder/<name>`` of each controller; returns those it could not use."""
    missing = []
    for controller, values in cgroup_settings(limits).items():
        group = CGROUPS / controller / "autograder" / name
        try:
            group.mkdir(parents=True, exist_ok=True)
            for key, value in values.items():
                (group / key).write_text(value)
            (group / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            missing.append(controller)
    return missing


def limits_hit(name: str, limits: Limits = DEFAULTS) -> list[str]:
    """What the kernel's cgroups had to refuse, in plain words (read before release)."""
    notes = []
    pids, _, memory = cgroup_paths(name)
    try:
        events = dict(line.split() for line in (pids / "pids.events").read_text().splitlines())
        if int(events.get("max", 0)):
            notes.append(f"the notebook hit the limit of {limits.cgroup_tasks} processes and threads (a fork bomb?)")
    except (OSError, ValueError):
        pass
    try:
        if int((memory / "memory.failcnt").read_text()):
            notes.append("the notebook hit its memory limit")
    except (OSError, ValueError):
        pass
    return notes


def release_cgroups(name: str, limits: Limits = DEFAULTS) -> list[str]:
    """Remove the (by then empty) cgroups of a finished kernel; returns :func:`limits_hit`."""
    notes = limits_hit(name, limits)
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


def hidden_paths(course_dir: Path) -> list[Path]:
    repo_parts = [p for p in sorted(REPO.iterdir()) if p.name not in VISIBLE_IN_REPO and p.is_dir()]
    return [*repo_parts, course_dir]


def sandbox_argv(course_dir: Path, workdir: Path, runtime: Path, places: dict[str, Path] | None = None,
                 limits: Limits = DEFAULTS) -> list[str]:
    """bubblewrap arguments: read-only system, course and sources hidden, two folders writable
    (on the kernel's bounded scratch tmpfs when ``places`` come from :func:`scratch.prepare`)."""
    binds = {"tmp": places["tmp"], "shm": places["shm"], str(workdir): places["work"]} if places else None
    return bubblewrap.argv(
        writable=[workdir, runtime], chdir=workdir, hidden=hidden_paths(course_dir), scratch=binds,
        tmpfs_size=None if places else limits.scratch_bytes,
        setenv={"MPLCONFIGDIR": str(runtime / "matplotlib"), "USER": "student",
                kernel_guard.LOG_ENV: str(runtime / AUDIT_LOG),
                kernel_guard.PACKAGES_ENV: str(REPO / "course")},
        # the pid of nbgrader means nothing in the new pid namespace; --die-with-parent does that job
        unsetenv=["JPY_PARENT_PID", PAYLOAD_ENV, kernel_guard.GRADER_ENV])


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "-f":
        raise SystemExit("usage: python -m autograder.grading.kernel -f CONNECTION_FILE [KERNEL ARGS]")
    if PAYLOAD_ENV not in os.environ:
        raise SystemExit(f"the grading kernel is started by the grader, which sets {PAYLOAD_ENV}")
    payload = KernelPayload.from_json(os.environ[PAYLOAD_ENV])
    connection_file, kernel_args = Path(argv[1]).resolve(), argv[2:]
    runtime = connection_file.parent
    workdir = Path.cwd().resolve()
    course_dir = Path(payload.course_dir).resolve()
    if json.loads(connection_file.read_text()).get("transport") != "ipc":
        raise SystemExit("the grading kernel needs the ipc transport (KernelManager.transport = 'ipc')")
    if course_dir not in workdir.parents:
        raise SystemExit(f"refusing to run a grading kernel in {workdir}: it is not inside the course "
                         f"directory {course_dir}")
    if runtime != Path(payload.runtime).resolve():
        raise SystemExit(f"refusing to run a grading kernel whose connection file is in {runtime}: "
                         f"the grader's runtime folder is {payload.runtime}")
    uid = FIRST_UID + os.getpid()
    if os.geteuid() == 0:
        confine(payload.cgroup, payload.limits)
    places = scratch.prepare(runtime, workdir, uid if os.geteuid() == 0 else None)
    if os.geteuid() == 0:  # hand the two folders the kernel writes to the unprivileged user
        for path in (workdir, runtime):
            os.chown(path, uid, uid)
            for child in path.rglob("*"):
                os.chown(child, uid, uid, follow_symlinks=False)
    for limit, value in rlimits(payload.limits).items():
        resource.setrlimit(limit, value)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if os.geteuid() == 0 else []
    # the IPython kernel, started by the grader's audit hook (autograder/integrity/kernel_guard.py), which
    # runs first: python -c <its text> (the autograder package is hidden in the sandbox)
    command = [*sandbox_argv(course_dir, workdir, runtime, places, payload.limits), *drop,
               sys.executable, "-c", Path(kernel_guard.__file__).read_text(), "-f", str(connection_file),
               *kernel_args]
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
