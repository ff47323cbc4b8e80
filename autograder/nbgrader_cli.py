"""Run the real nbgrader command line in a course directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """nbgrader exited with an error; the message carries the end of its log."""


def command(*args: str) -> list[str]:
    """The argv that runs ``nbgrader args...`` with this environment's Python."""
    return [sys.executable, "-m", "nbgrader", *args]


def environment() -> dict[str, str]:
    """This process's environment with its Python's bin folder first on PATH.

    nbgrader starts helpers by name (``alembic`` for the gradebook schema, the kernel), so
    they must resolve to this environment even when it was not activated.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run(course_dir: Path, *args: str, timeout: float | None = 600, check: bool = True,
        prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run nbgrader with ``course_dir`` as working directory (where it reads nbgrader_config.py).

    ``prefix`` wraps the command (the grading sandbox uses it). With ``check`` an exit status
    other than 0 raises :class:`NbgraderError` with the last lines of nbgrader's output.
    """
    argv = [*(prefix or []), *command(*args)]
    result = subprocess.run(argv, cwd=course_dir, capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL, env=environment())
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {result.returncode}) in {course_dir}:\n{tail}")
    return result
