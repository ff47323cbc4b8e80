"""Manual grading in nbgrader's formgrader, started on the course directory with one command.

``python -m autograder formgrader`` starts JupyterLab with the course directory as its root
and working folder, so nbgrader's formgrader server extension (installed and enabled with
nbgrader) reads the course's ``nbgrader_config.py`` and its gradebook (sqlite, or the
PostgreSQL URL given with ``--db-url``). Open the printed address: formgrader's *Manual
Grading* lists each lab's written answers (markdown cells with points), one student at a time;
a score typed there is saved in the gradebook at once and reaches the next ``export``.

The server listens on 127.0.0.1 only, with a random token, unless told otherwise: the course
directory holds every student's work and the hidden tests.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from autograder.paths import init_course_dir


def command(course_dir: Path, port: int = 8888, token: str | None = None, ip: str = "127.0.0.1",
            open_browser: bool = False) -> tuple[list[str], dict[str, str], str]:
    """``(argv, env, token)`` of a JupyterLab server whose formgrader grades ``course_dir``."""
    course_dir = init_course_dir(Path(course_dir)).resolve()
    token = token or secrets.token_hex(16)
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    argv = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course_dir}", f"--ServerApp.ip={ip}",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            "--LabApp.news_url=None", "--allow-root",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    if not open_browser:
        argv.append("--no-browser")
    return argv, env, token


def start(course_dir: Path, port: int = 8888, token: str | None = None, **popen) -> tuple[subprocess.Popen, str]:
    """Start the server in the background (tests); returns the process and the formgrader URL."""
    argv, env, token = command(course_dir, port, token)
    process = subprocess.Popen(argv, cwd=Path(course_dir).resolve(), env=env, stdin=subprocess.DEVNULL,
                               start_new_session=True, **popen)
    return process, f"http://127.0.0.1:{port}/formgrader?token={token}"


def main(course_dir: Path, port: int, open_browser: bool) -> int:
    argv, env, token = command(course_dir, port, open_browser=open_browser)
    print(f"formgrader for {Path(course_dir).resolve()}:\n  http://127.0.0.1:{port}/formgrader?token={token}\n"
          "  (JupyterLab: http://127.0.0.1:{port}/lab?token=...; menu Nbgrader > Formgrader). "
          "Ctrl+C stops the server; then run `export` to include the manual grades.".replace("{port}", str(port)))
    try:
        return subprocess.call(argv, cwd=Path(course_dir).resolve(), env=env)
    except KeyboardInterrupt:
        return 0
