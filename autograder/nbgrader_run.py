"""Run the real nbgrader command line in a course directory, with this environment's tools."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.settings import DEFAULTS


class NbgraderError(RuntimeError):
    """nbgrader exited with an error; the message carries the end of its log."""


def command(*args: str) -> list[str]:
    """The argv that runs ``nbgrader args...`` with this environment's Python."""
    return [sys.executable, "-m", "nbgrader", *args]


def environment() -> dict[str, str]:
    """This process's environment with its Python's bin folder first on PATH.

    nbgrader starts helpers by name (``alembic`` for the gradebook schema, the ``python3``
    kernel runs ``python``), so they must resolve to this environment even when it was not
    activated. The book build and the benchmark execute notebooks with it too.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    return env


def run(course_dir: Path, *args: str, timeout: float | None = DEFAULTS.nbgrader_timeout, check: bool = True,
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
